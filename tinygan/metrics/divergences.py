"""Exact 1-D divergences between known densities, the optimal discriminator, and W1 of samples.

    grid = numpy.linspace(-6, 6, 4001)
    kl_divergence(p_data.pdf, p_g.pdf, grid)              # callables or arrays on the grid
    js_divergence(p_data.log_pdf, p_g.log_pdf, grid, log_density=True)
    optimal_discriminator(p_data.pdf, p_g.pdf, grid)      # D*(x) on the grid
    wasserstein1(real_samples, fake_samples)

Densities are given on a 1-D ``grid`` (increasing) either as arrays of their
values there or as callables evaluated on it; with ``log_density=True`` they
are log-densities, which keeps the far tails exact where densities underflow.
Integrals use the trapezoid rule on the grid, so the grid must cover the mass
of both densities and resolve their finest features. Natural logarithms
throughout (nats).
"""
import math

import numpy

from .checks import as_vector

LOG_2 = math.log(2.0)


def _grid(grid, caller):
    grid = as_vector(grid, caller, "grid", min_length=2)
    if not numpy.all(numpy.diff(grid) > 0):
        raise ValueError(f"{caller}: grid must be strictly increasing")
    return grid


def _log_values(f, grid, log_density, caller, name):
    values = numpy.asarray(f(grid) if callable(f) else f, dtype=numpy.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.shape != grid.shape:
        raise ValueError(f"{caller}: {name} has shape {values.shape} on a grid of shape "
                         f"{grid.shape}; give its values at the grid points")
    if log_density:
        return values
    if numpy.any(values < 0) or numpy.any(numpy.isnan(values)):
        raise ValueError(f"{caller}: {name} has negative or NaN density values; pass "
                         f"log_density=True if these are log-densities")
    with numpy.errstate(divide="ignore"):
        return numpy.log(values)


def integrate(values, grid):
    """The trapezoid rule: sum_i (f_i + f_{i+1}) / 2 (x_{i+1} - x_i)."""
    return float(numpy.sum((values[1:] + values[:-1]) * numpy.diff(grid)) / 2)


def _kl(log_p, log_q, grid):
    p = numpy.exp(log_p)
    with numpy.errstate(invalid="ignore"):
        integrand = numpy.where(p > 0, p * (log_p - log_q), 0.0)
    return integrate(integrand, grid)


def kl_divergence(p, q, grid, log_density=False):
    """KL(p || q) = integral of p(x) log(p(x) / q(x)) dx; inf where q = 0 < p (0 log 0 = 0)."""
    grid = _grid(grid, "kl_divergence")
    return _kl(_log_values(p, grid, log_density, "kl_divergence", "p"),
               _log_values(q, grid, log_density, "kl_divergence", "q"), grid)


def js_divergence(p, q, grid, log_density=False):
    """JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2; 0 <= JSD <= log 2."""
    grid = _grid(grid, "js_divergence")
    log_p = _log_values(p, grid, log_density, "js_divergence", "p")
    log_q = _log_values(q, grid, log_density, "js_divergence", "q")
    log_m = numpy.logaddexp(log_p, log_q) - LOG_2
    return 0.5 * _kl(log_p, log_m, grid) + 0.5 * _kl(log_q, log_m, grid)


def gan_criterion(p_data, p_g, grid, log_density=False):
    """C(G) = max_D V(D, G) = -log 4 + 2 JSD(p_data || p_g) (Goodfellow et al. 2014, Theorem 1).

    Its minimum, -log 4, is reached exactly when p_g = p_data.
    """
    return -2 * LOG_2 + 2 * js_divergence(p_data, p_g, grid, log_density)


def optimal_discriminator(p_data, p_g, grid, log_density=False):
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) on the grid (Goodfellow et al. 2014, Prop. 1).

    Computed as 1 / (1 + exp(log p_g - log p_data)), exact where both
    densities are tiny; NaN where both are zero (D* is undefined there).
    """
    grid = _grid(grid, "optimal_discriminator")
    log_data = _log_values(p_data, grid, log_density, "optimal_discriminator", "p_data")
    log_g = _log_values(p_g, grid, log_density, "optimal_discriminator", "p_g")
    with numpy.errstate(invalid="ignore"):
        return numpy.exp(-numpy.logaddexp(0.0, log_g - log_data))


def value_function(discriminator, p_data, p_g, grid, log_density=False):
    """V(D, G) = integral of p_data log D + p_g log(1 - D) dx (Goodfellow et al. 2014, eq. 1).

    ``discriminator`` is D on the grid (array or callable, values in [0, 1]);
    terms with zero density count 0. V(D*, G) equals ``gan_criterion``.
    """
    grid = _grid(grid, "value_function")
    d = numpy.asarray(discriminator(grid) if callable(discriminator) else discriminator,
                      dtype=numpy.float64).reshape(-1)
    if d.shape != grid.shape:
        raise ValueError(f"value_function: the discriminator has {d.size} values on a grid of "
                         f"{grid.size} points")
    if not numpy.all((d >= 0) & (d <= 1)):
        raise ValueError("value_function: discriminator values must lie in [0, 1] (probabilities "
                         "that x is real); apply a sigmoid to logits first")
    p = numpy.exp(_log_values(p_data, grid, log_density, "value_function", "p_data"))
    q = numpy.exp(_log_values(p_g, grid, log_density, "value_function", "p_g"))
    with numpy.errstate(divide="ignore", invalid="ignore"):
        terms = (numpy.where(p > 0, p * numpy.log(d), 0.0)
                 + numpy.where(q > 0, q * numpy.log1p(-d), 0.0))
    return integrate(terms, grid)


def wasserstein1(a, b):
    """W1 between the empirical distributions of 1-D samples: integral of |F_a(x) - F_b(x)| dx.

    For equal sample sizes this is mean_i |a_(i) - b_(i)| over the sorted
    samples; otherwise the step CDFs are integrated exactly between the
    merged sample points. Shifting every sample by s gives W1 = |s|.
    """
    a = numpy.sort(as_vector(a, "wasserstein1", "a"))
    b = numpy.sort(as_vector(b, "wasserstein1", "b"))
    if len(a) == len(b):
        return float(numpy.mean(numpy.abs(a - b)))
    points = numpy.sort(numpy.concatenate([a, b]))
    cdf_a = numpy.searchsorted(a, points[:-1], side="right") / len(a)
    cdf_b = numpy.searchsorted(b, points[:-1], side="right") / len(b)
    return float(numpy.sum(numpy.abs(cdf_a - cdf_b) * numpy.diff(points)))
