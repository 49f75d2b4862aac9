"""Input checks shared by the metrics: arrays of the right shape, as float64."""
import numpy


def as_matrix(x, caller, name, min_rows=1):
    """``x`` as a float64 (n, d) array with n >= ``min_rows`` and finite values, or a ValueError."""
    x = numpy.asarray(x, dtype=numpy.float64)
    if x.ndim != 2 or len(x) < min_rows or x.shape[1] == 0:
        raise ValueError(f"{caller}: {name} must be a 2-D array (samples, features) with at least "
                         f"{min_rows} rows, got shape {x.shape}; flatten each sample with "
                         f"x.reshape(len(x), -1)")
    if not numpy.all(numpy.isfinite(x)):
        raise ValueError(f"{caller}: {name} holds NaN or infinite values; drop or fix those "
                         f"samples first")
    return x


def as_vector(x, caller, name, min_length=1):
    """``x`` as a float64 1-D array of at least ``min_length`` finite values, or a ValueError."""
    x = numpy.asarray(x, dtype=numpy.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or len(x) < min_length:
        raise ValueError(f"{caller}: {name} must be a 1-D array (or (n, 1)) of at least "
                         f"{min_length} values, got shape {x.shape}")
    if not numpy.all(numpy.isfinite(x)):
        raise ValueError(f"{caller}: {name} holds NaN or infinite values")
    return x
