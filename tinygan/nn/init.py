"""Weight initialisers, with PyTorch's names and formulas; each fills a tensor in place.

fan_in/fan_out of a weight (out, in, *kernel) are in*prod(kernel) and
out*prod(kernel); gain("leaky_relu", a) = sqrt(2 / (1 + a^2)).
"""
import math

import numpy

from .. import backend


def _rng(t):
    return backend.generator(t.device)


def _fill(t, values):
    xp = backend.get_array_module(t.data)
    t.data = xp.asarray(values, dtype=t.dtype).reshape(t.shape)
    return t


def calculate_fan_in_and_fan_out(t):
    """(fan_in, fan_out) of a weight laid out (out, in, *kernel)."""
    if t.ndim < 2:
        raise ValueError(f"fan in/out needs a weight with at least 2 axes, got shape {t.shape}")
    receptive = int(numpy.prod(t.shape[2:])) if t.ndim > 2 else 1
    return t.shape[1] * receptive, t.shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """Recommended gain: 1 (linear, sigmoid), 5/3 (tanh), sqrt 2 (relu), sqrt(2/(1+a^2)) (leaky_relu)."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv2d", "conv_transpose2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + a * a))
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def uniform_(t, a=0.0, b=1.0):
    """Fill with U(a, b)."""
    return _fill(t, _rng(t).uniform(a, b, t.shape))


def normal_(t, mean=0.0, std=1.0):
    """Fill with N(mean, std^2)."""
    return _fill(t, _rng(t).standard_normal(t.shape) * std + mean)


def constant_(t, value):
    """Fill with a constant."""
    xp = backend.get_array_module(t.data)
    return _fill(t, xp.full(t.shape, value))


def zeros_(t):
    return constant_(t, 0.0)


def ones_(t):
    return constant_(t, 1.0)


def xavier_uniform_(t, gain=1.0):
    """U(-a, a) with a = gain sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a)


def xavier_normal_(t, gain=1.0):
    """N(0, std^2) with std = gain sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-b, b) with b = gain sqrt(3 / fan) (He et al. 2015)."""
    fan = calculate_fan_in_and_fan_out(t)[0 if mode == "fan_in" else 1]
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(t, -bound, bound)


def kaiming_normal_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    fan = calculate_fan_in_and_fan_out(t)[0 if mode == "fan_in" else 1]
    return normal_(t, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(t, gain=1.0):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian (Saxe et al. 2014)."""
    rows = t.shape[0]
    cols = t.size // rows
    flat = _rng(t).standard_normal((rows, cols))
    flat = backend.to_numpy(flat)
    q, r = numpy.linalg.qr(flat.T if rows < cols else flat)
    q = q * numpy.sign(numpy.diag(r))
    q = q.T if rows < cols else q
    return _fill(t, backend.to_device(gain * q, t.device))
