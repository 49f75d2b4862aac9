"""Numba CPU kernels for layer normalisation: each of the M rows of an (M, D)
array is normalised over its D values (the trailing axes of the input).

Inputs that are C-contiguous, or (N, C, H, W) views of channels-last memory
normalised over (C, H, W), are used in place: the D values of a sample are
contiguous either way, only their order differs, and the weight and bias
are permuted to match. Statistics use float64 accumulators and a shift by
the row's first value. Serial, unsigned flat indices (see cpu_conv).
"""
import math

import numpy
from numba import njit, uint64

_FLAGS = {"reassoc", "contract"}


@njit(cache=True, fastmath=_FLAGS)
def _forward(x, weight, bias, eps, y, mean, rstd):
    n_rows, size = x.shape
    xf, yf = x.ravel(), y.ravel()
    row_stats = numpy.empty(2, x.dtype)    # the row's mean and rstd in x's dtype
    for r in range(n_rows):
        base = uint64(r * size)
        shift = xf[base]
        a1 = 0.0
        a2 = 0.0
        for j in range(uint64(size)):
            d = xf[base + j] - shift
            a1 += d
            a2 += d * d
        m1 = a1 / size
        mean[r] = shift + m1
        rstd[r] = 1.0 / math.sqrt(max(a2 / size - m1 * m1, 0.0) + eps)
        row_stats[0], row_stats[1] = mean[r], rstd[r]
        m, s = row_stats[0], row_stats[1]
        for j in range(uint64(size)):
            yf[base + j] = (xf[base + j] - m) * s * weight[j] + bias[j]


@njit(cache=True, fastmath=_FLAGS)
def _backward(gy, x, mean, rstd, weight, gx, gweight, gbias):
    n_rows, size = x.shape
    xf, gyf, gxf = x.ravel(), gy.ravel(), gx.ravel()
    acc_w = numpy.zeros(size)
    acc_b = numpy.zeros(size)
    row_stats = numpy.empty(4, x.dtype)
    for r in range(n_rows):
        base = uint64(r * size)
        row_stats[0], row_stats[1] = mean[r], rstd[r]
        m, s = row_stats[0], row_stats[1]
        sum_g = 0.0
        sum_g_xhat = 0.0
        for j in range(uint64(size)):
            g = gyf[base + j]
            xhat = (xf[base + j] - m) * s
            acc_w[j] += g * xhat
            acc_b[j] += g
            gw = g * weight[j]
            sum_g += gw
            sum_g_xhat += gw * xhat
        row_stats[2], row_stats[3] = sum_g / size, sum_g_xhat / size
        a, b = row_stats[2], row_stats[3]
        for j in range(uint64(size)):
            xhat = (xf[base + j] - m) * s
            gxf[base + j] = s * (gyf[base + j] * weight[j] - a - xhat * b)
    for j in range(size):
        gweight[j] = acc_w[j]
        gbias[j] = acc_b[j]


def _rows(x, k):
    """(rows, perm): x as an (M, D) array in its own memory order without copying
    when it can be (else a C-ordered copy), and the order of the trailing axes."""
    lead = x.ndim - k
    if x.flags.c_contiguous:
        return x.reshape(int(numpy.prod(x.shape[:lead], dtype=numpy.int64)), -1), None
    if x.ndim == 4 and k == 3 and numpy.moveaxis(x, 1, -1).flags.c_contiguous:
        return numpy.moveaxis(x, 1, -1).reshape(x.shape[0], -1), (1, 2, 0)
    return numpy.ascontiguousarray(x).reshape(-1, int(numpy.prod(x.shape[lead:]))), None


def _flat(param, perm):
    p = param if perm is None else param.transpose(perm)
    return numpy.ascontiguousarray(p).reshape(-1)


def _unrows(rows, x_shape, perm):
    if perm is None:
        return rows.reshape(x_shape)
    n, c, h, w = x_shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def layer_norm_forward(x, weight, bias, k, eps):
    """y = (x - mean) * rstd * weight + bias over the trailing k axes of x, with the
    per-sample mean and rstd = 1 / sqrt(var + eps) (float64, one per leading index).
    weight and bias have the shape of those k axes; y keeps x's memory layout."""
    rows, perm = _rows(x, k)
    y = numpy.empty_like(rows)
    mean, rstd = numpy.empty(rows.shape[0]), numpy.empty(rows.shape[0])
    _forward(rows, _flat(weight, perm), _flat(bias, perm), float(eps), y, mean, rstd)
    return _unrows(y, x.shape, perm), mean, rstd


def layer_norm_backward(gy, x, mean, rstd, weight, k):
    """First-order gradients of layer_norm_forward, per row with xhat = (x - mean) rstd
    and g = gy weight: gx = rstd (g - mean(g) - xhat mean(g xhat)),
    gweight = sum over rows of gy xhat, gbias = sum over rows of gy."""
    rows, perm = _rows(x, k)
    if perm is None:
        gy_rows = numpy.ascontiguousarray(gy).reshape(rows.shape)
    else:
        gy_rows = numpy.ascontiguousarray(numpy.moveaxis(gy, 1, -1)).reshape(rows.shape)
    gx = numpy.empty_like(rows)
    gw, gb = numpy.empty(rows.shape[1], x.dtype), numpy.empty(rows.shape[1], x.dtype)
    _backward(gy_rows, rows, mean, rstd, _flat(weight, perm), gx, gw, gb)
    shape = weight.shape
    if perm is not None:
        c, h, w = shape
        gw = gw.reshape(h, w, c).transpose(2, 0, 1)
        gb = gb.reshape(h, w, c).transpose(2, 0, 1)
    return _unrows(gx, x.shape, perm), numpy.ascontiguousarray(gw.reshape(shape)), \
        numpy.ascontiguousarray(gb.reshape(shape))
