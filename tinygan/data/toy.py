"""Gaussian mixtures whose density is known exactly: the 1-D and 2-D toy benchmarks.

    data = ring8()
    x = data.sample(2500, numpy.random.default_rng(0))   # (2500, 2) float32
    data.log_pdf(x)                                      # exact log-density, shape (2500,)
    data.centres, data.std                               # what the mode metrics need

``ring8`` and ``grid25`` are the 2-D benchmarks of VEEGAN (Srivastava et al.
2017) with the values of PacGAN (Lin et al. 2018, Section 5 and Table 1; the
same numbers are in the PacGAN authors' released configuration): ``ring8`` has
8 modes on a circle of radius 1 at angles 2 pi k / 8, standard deviation 0.01;
``grid25`` has 25 modes at {-4, -2, 0, 2, 4}^2, standard deviation 0.05.
"""
import math

import numpy

from .seeding import as_count, as_generator


class GaussianMixture:
    """p(x) = sum_k w_k N(x; c_k, s_k^2 I): a mixture of K isotropic Gaussians in d dimensions.

    ``centres`` (K, d); ``std`` one standard deviation for all components or
    one per component (K,); ``weights`` (K,), non-negative, summing to 1
    (default: equal). ``std`` is kept as given (a float or an array);
    ``stds`` always holds the (K,) array.
    """

    def __init__(self, centres, std, weights=None, name="mixture"):
        centres = numpy.array(centres, dtype=numpy.float64)
        if centres.ndim != 2 or centres.shape[0] == 0 or centres.shape[1] == 0:
            raise ValueError(f"GaussianMixture: centres must have shape (K, d) with K, d >= 1, "
                             f"got {centres.shape}")
        k = len(centres)
        std_array = numpy.asarray(std, dtype=numpy.float64)
        if std_array.shape not in ((), (k,)) or not numpy.all(std_array > 0):
            raise ValueError(f"GaussianMixture: std must be a positive number or {k} positive "
                             f"numbers (one per centre), got {std!r}")
        if weights is None:
            weights = numpy.full(k, 1.0 / k)
        weights = numpy.array(weights, dtype=numpy.float64)
        if weights.shape != (k,) or numpy.any(weights < 0) or abs(weights.sum() - 1) > 1e-6:
            raise ValueError(f"GaussianMixture: weights must be {k} non-negative numbers summing "
                             f"to 1, got {weights.tolist()}")
        self.centres = centres
        self.stds = numpy.broadcast_to(std_array, (k,)).copy()
        self.std = float(std_array) if std_array.ndim == 0 else self.stds.copy()
        self.weights = weights / weights.sum()
        self.name = name

    @property
    def shape(self):
        """The shape (d,) of one sample."""
        return (self.centres.shape[1],)

    def sample(self, n, rng):
        """n draws, float32 (n, d): component k with probability w_k, plus s_k * noise."""
        n, rng = as_count(n, f"{self.name}.sample"), as_generator(rng, f"{self.name}.sample")
        picks = rng.choice(len(self.centres), size=n, p=self.weights)
        noise = rng.standard_normal((n, self.centres.shape[1]))
        return (self.centres[picks] + self.stds[picks, None] * noise).astype(numpy.float32)

    def log_pdf(self, x):
        """log p(x) = logsumexp_k [log w_k - d/2 log(2 pi s_k^2) - |x - c_k|^2 / (2 s_k^2)].

        ``x`` is (n, d), or (n,) when d = 1; returns (n,) float64.
        """
        x = self._points(x, "log_pdf")
        d = self.centres.shape[1]
        squared = ((x[:, None, :] - self.centres[None]) ** 2).sum(axis=2)
        with numpy.errstate(divide="ignore"):
            log_weights = numpy.log(self.weights)
        terms = (log_weights - 0.5 * d * numpy.log(2 * math.pi * self.stds ** 2)
                 - squared / (2 * self.stds ** 2))
        top = terms.max(axis=1)
        return top + numpy.log(numpy.exp(terms - top[:, None]).sum(axis=1))

    def pdf(self, x):
        """p(x) = exp(log p(x)), shape (n,)."""
        return numpy.exp(self.log_pdf(x))

    def mean(self):
        """E[x] = sum_k w_k c_k, shape (d,)."""
        return self.weights @ self.centres

    def covariance(self):
        """Cov[x] = sum_k w_k (s_k^2 I + c_k c_k^T) - E[x] E[x]^T, shape (d, d)."""
        d = self.centres.shape[1]
        second = (numpy.eye(d) * (self.weights @ self.stds ** 2)
                  + (self.weights[:, None] * self.centres).T @ self.centres)
        m = self.mean()
        return second - numpy.outer(m, m)

    def _points(self, x, method):
        x = numpy.asarray(x, dtype=numpy.float64)
        d = self.centres.shape[1]
        if d == 1 and x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != d:
            raise ValueError(f"{self.name}.{method}: expected points of shape (n, {d})"
                             f"{' or (n,)' if d == 1 else ''}, got {x.shape}")
        return x

    def __repr__(self):
        return (f"GaussianMixture({self.name!r}, K={len(self.centres)}, "
                f"d={self.centres.shape[1]}, std={self.std})")


def gaussian_mixture_1d(means, stds, weights=None, name="mixture-1d"):
    """A 1-D mixture p(x) = sum_k w_k N(x; mu_k, sigma_k^2); samples have shape (n, 1)."""
    means = numpy.asarray(means, dtype=numpy.float64)
    if means.ndim != 1:
        raise ValueError(f"gaussian_mixture_1d: means must be a 1-D list, got shape {means.shape}")
    return GaussianMixture(means[:, None], stds, weights, name)


def gauss1d(means=(-2.0, 2.0), stds=(0.5, 0.5), weights=(0.5, 0.5)):
    """The default 1-D target: 1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2), two well-separated modes."""
    return gaussian_mixture_1d(means, stds, weights, name="gauss1d")


def ring(modes=8, radius=1.0, std=0.01, name=None):
    """``modes`` equal-weight Gaussians at radius * (cos 2 pi k / modes, sin 2 pi k / modes)."""
    angles = 2 * math.pi * numpy.arange(modes) / modes
    centres = radius * numpy.stack([numpy.cos(angles), numpy.sin(angles)], axis=1)
    return GaussianMixture(centres, std, name=name or f"ring{modes}")


def grid(side=5, spacing=2.0, std=0.05, name=None):
    """side^2 equal-weight Gaussians on a square grid centred at 0, ``spacing`` apart."""
    axis = spacing * (numpy.arange(side) - (side - 1) / 2)
    centres = numpy.stack(numpy.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    return GaussianMixture(centres, std, name=name or f"grid{side * side}")


def ring8(radius=1.0, std=0.01):
    """8 Gaussians on a circle of radius 1, std 0.01 (PacGAN's 2D-ring)."""
    return ring(8, radius, std, name="ring8")


def grid25(spacing=2.0, std=0.05):
    """25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05 (PacGAN's 2D-grid)."""
    return grid(5, spacing, std, name="grid25")
