"""Mode coverage on toy mixtures: modes captured, high-quality samples, reverse KL.

    summary = mode_metrics(generator_samples, tinygan.data.ring8())
    modes, high_quality, reverse_kl = summary       # a NamedTuple

The protocol of VEEGAN (Srivastava et al. 2017, Section 5) as used by PacGAN
(Lin et al. 2018, Section 5, Table 1), on 2,500 generated samples:

* each sample is assigned to its nearest mode centre, and it is *high
  quality* when it lies within 3 standard deviations of that centre;
* a mode is *captured* when at least ``min_count`` high-quality samples are
  assigned to it. The default ``min_count = 1`` is the rule of PacGAN's
  released evaluation code (a mode counts as soon as its tally of
  high-quality samples is non-zero); raise it to ignore stray samples;
* the *reverse KL* is KL(q || u) between q, the distribution of the
  high-quality samples over the K modes, and the uniform distribution u of
  the true mixture: sum_k q_k log(K q_k), between 0 (even coverage) and
  log K (all samples on one mode).

Distances are measured in units of each mode's own standard deviation,
|x - c_k| / s_k, so ``std`` may be one number or one per mode.
"""
from typing import NamedTuple

import numpy

from .checks import as_matrix

THRESHOLD = 3.0     # standard deviations (VEEGAN, PacGAN)


def nearest_modes(samples, centres, std):
    """(k*, r) per sample: k* = argmin_k |x - c_k| / s_k and r = |x - c_k*| / s_k*."""
    centres = as_matrix(centres, "nearest_modes", "centres")
    samples = as_matrix(samples, "nearest_modes", "samples", min_rows=0)
    if samples.shape[1] != centres.shape[1]:
        raise ValueError(f"nearest_modes: samples of shape {samples.shape} and centres of shape "
                         f"{centres.shape} differ in dimension")
    stds = numpy.asarray(std, dtype=numpy.float64)
    if stds.shape not in ((), (len(centres),)) or not numpy.all(stds > 0):
        raise ValueError(f"nearest_modes: std must be one positive number or {len(centres)} "
                         f"(one per mode), got {std!r}")
    scaled = numpy.sqrt(((samples[:, None, :] - centres[None]) ** 2).sum(axis=2)) / stds
    nearest = scaled.argmin(axis=1)
    return nearest, scaled[numpy.arange(len(samples)), nearest]


def mode_counts(samples, centres, std, threshold=THRESHOLD):
    """The number of high-quality samples (within ``threshold`` stds) of each mode, (K,)."""
    nearest, distance = nearest_modes(samples, centres, std)
    return numpy.bincount(nearest[distance < threshold], minlength=len(numpy.asarray(centres)))


def high_quality_fraction(samples, centres, std, threshold=THRESHOLD):
    """The fraction of samples within ``threshold`` standard deviations of their nearest mode."""
    _, distance = nearest_modes(samples, centres, std)
    if len(distance) == 0:
        raise ValueError("high_quality_fraction: no samples given")
    return float(numpy.mean(distance < threshold))


def modes_captured(samples, centres, std, min_count=1, threshold=THRESHOLD):
    """The number of modes with at least ``min_count`` high-quality samples (default 1, PacGAN)."""
    if min_count < 1:
        raise ValueError(f"modes_captured: min_count must be >= 1, got {min_count}")
    return int(numpy.sum(mode_counts(samples, centres, std, threshold) >= min_count))


def reverse_kl(samples, centres, std, threshold=THRESHOLD):
    """KL(q || uniform) = sum_k q_k log(K q_k), q the high-quality samples' share of each mode.

    NaN when no sample is of high quality (q is then undefined).
    """
    counts = mode_counts(samples, centres, std, threshold)
    if counts.sum() == 0:
        return float("nan")
    return kl_to_uniform(counts)


def kl_to_uniform(counts):
    """KL(q || uniform) = sum_k q_k log(K q_k), q = counts / sum(counts) over K modes (empty
    modes add 0); ``counts`` must hold at least one sample."""
    counts = numpy.asarray(counts, dtype=numpy.float64)
    q = counts[counts > 0] / counts.sum()
    return float(numpy.sum(q * numpy.log(len(counts) * q)))


class ModeSummary(NamedTuple):
    """Modes captured, high-quality fraction and reverse KL of one set of samples."""
    modes: int
    high_quality: float
    reverse_kl: float


def mode_metrics(samples, data, min_count=1, threshold=THRESHOLD):
    """ModeSummary(modes, high_quality, reverse_kl) of ``samples`` against a mixture ``data``.

    ``data`` is anything with ``centres`` (K, d) and ``std``, e.g. ``tinygan.data.ring8()``.
    """
    if not (hasattr(data, "centres") and hasattr(data, "std")):
        raise TypeError(f"mode_metrics: data must have centres and std (a mixture such as "
                        f"tinygan.data.ring8()), got {type(data).__name__}; for other data call "
                        f"modes_captured(samples, centres, std) and friends directly")
    centres, std = data.centres, data.std
    return ModeSummary(modes_captured(samples, centres, std, min_count, threshold),
                       high_quality_fraction(samples, centres, std, threshold),
                       reverse_kl(samples, centres, std, threshold))
