"""Kernel Inception Distance: the unbiased MMD^2 with a cubic kernel, averaged over subsets.

    kernel_inception_distance(features_real, features_fake, subsets=100, subset_size=1000, rng=0)

Binkowski et al. 2018 ("Demystifying MMD GANs", Section 4): with the kernel

    k(x, y) = (x . y / d + 1)^3        (d the feature size)

and m samples x_i, y_j from each set, the unbiased estimator is

    MMD^2 = 1/(m(m-1)) sum_{i != j} [k(x_i, x_j) + k(y_i, y_j)] - 2/m^2 sum_{i,j} k(x_i, y_j).

It is 0 in expectation when both sets come from one distribution (and can
then be slightly negative). KID averages it over random subsets of each set.
"""
import numpy

from .checks import as_matrix
from .estimate import Estimate


def polynomial_kernel(x, y, degree=3, coef0=1.0):
    """K[i, j] = (x_i . y_j / d + coef0)^degree for x (m, d), y (n, d)."""
    return (x @ y.T / x.shape[1] + coef0) ** degree


def mmd2_unbiased(x, y, kernel=polynomial_kernel):
    """The unbiased MMD^2 of samples x (m, d) and y (n, d) under ``kernel`` (m, n >= 2).

    sum_{i != j} k(x_i, x_j) / (m(m-1)) + sum_{i != j} k(y_i, y_j) / (n(n-1)) - 2 mean k(x_i, y_j).
    """
    x = as_matrix(x, "mmd2_unbiased", "x", min_rows=2)
    y = as_matrix(y, "mmd2_unbiased", "y", min_rows=2)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"mmd2_unbiased: x {x.shape} and y {y.shape} have different feature sizes")
    m, n = len(x), len(y)
    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    within_x = (k_xx.sum() - numpy.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - numpy.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


def kernel_inception_distance(features_a, features_b, subsets=100, subset_size=1000, rng=0):
    """Estimate(mean, std) of the cubic-kernel unbiased MMD^2 over ``subsets`` random subsets.

    Each subset takes min(subset_size, n_a, n_b) rows of each set without
    replacement, drawn from ``rng`` (a Generator or an int seed); std is the
    spread (ddof = 0) of the subset estimates.
    """
    features_a = as_matrix(features_a, "kernel_inception_distance", "features_a", min_rows=2)
    features_b = as_matrix(features_b, "kernel_inception_distance", "features_b", min_rows=2)
    if subsets < 1 or subset_size < 2:
        raise ValueError(f"kernel_inception_distance: need subsets >= 1 and subset_size >= 2, got "
                         f"{subsets} and {subset_size}")
    if isinstance(rng, numpy.random.Generator):
        generator = rng
    elif isinstance(rng, (int, numpy.integer)) and not isinstance(rng, bool):
        generator = numpy.random.default_rng(rng)
    else:
        raise TypeError(f"kernel_inception_distance: rng must be a numpy Generator or an int "
                        f"seed, got {type(rng).__name__}")
    m = min(subset_size, len(features_a), len(features_b))
    estimates = [mmd2_unbiased(features_a[generator.choice(len(features_a), m, replace=False)],
                               features_b[generator.choice(len(features_b), m, replace=False)])
                 for _ in range(subsets)]
    return Estimate(float(numpy.mean(estimates)), float(numpy.std(estimates)))
