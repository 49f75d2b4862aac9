"""The 2-D swiss roll: a spiral with one continuous mode, no closed-form density.

    x = (t cos t + e1, t sin t + e2) / scale,   t ~ U[1.5 pi, 4.5 pi],   e ~ N(0, noise^2 I)

This is the 2-D projection of scikit-learn's ``make_swiss_roll`` (the same
range of t); the defaults noise = 0.25 and scale = 7.5 are those of the toy
experiments of WGAN-GP (Gulrajani et al. 2017), which put the roll inside
[-2, 2]^2.
"""
import math

import numpy

from .seeding import as_count, as_generator

T_MIN, T_MAX = 1.5 * math.pi, 4.5 * math.pi


class SwissRoll:
    """Samples of the spiral above; ``curve(t)`` is its noise-free centre line."""

    def __init__(self, noise=0.25, scale=7.5, name="swissroll"):
        if noise < 0 or scale <= 0:
            raise ValueError(f"SwissRoll: noise must be >= 0 and scale > 0, got noise={noise}, "
                             f"scale={scale}")
        self.noise, self.scale, self.name = float(noise), float(scale), name

    @property
    def shape(self):
        """The shape (2,) of one sample."""
        return (2,)

    def curve(self, t):
        """The centre line (t cos t, t sin t) / scale at parameters ``t``, shape (len(t), 2)."""
        t = numpy.asarray(t, dtype=numpy.float64)
        return numpy.stack([t * numpy.cos(t), t * numpy.sin(t)], axis=-1) / self.scale

    def sample(self, n, rng):
        """n points (n, 2) float32: t ~ U[1.5 pi, 4.5 pi], the curve at t plus noise."""
        n, rng = as_count(n, f"{self.name}.sample"), as_generator(rng, f"{self.name}.sample")
        t = rng.uniform(T_MIN, T_MAX, n)
        noise = rng.standard_normal((n, 2)) * (self.noise / self.scale)
        return (self.curve(t) + noise).astype(numpy.float32)

    def __repr__(self):
        return f"SwissRoll(noise={self.noise}, scale={self.scale})"


def swissroll(noise=0.25, scale=7.5):
    """The swiss roll with WGAN-GP's toy settings (noise 0.25, scale 7.5)."""
    return SwissRoll(noise, scale)
