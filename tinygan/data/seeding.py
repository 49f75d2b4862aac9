"""Checks shared by every sampler: a seeded random generator and a sample count."""
import numbers

import numpy


def as_generator(rng, caller):
    """``rng`` as a NumPy Generator: a Generator is used as is, an int seeds a new one.

    Anything else (``None`` included: nothing here draws unseeded numbers)
    raises TypeError naming ``caller``.
    """
    if isinstance(rng, numpy.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return numpy.random.default_rng(int(rng))
    raise TypeError(f"{caller}: rng must be a numpy.random.Generator or an int seed, got "
                    f"{type(rng).__name__}; pass numpy.random.default_rng(seed)")


def as_count(n, caller):
    """``n`` as a non-negative int, or a ValueError naming ``caller``."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise ValueError(f"{caller}: the number of samples must be a non-negative int, got {n!r}")
    return int(n)
