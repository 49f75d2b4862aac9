"""Numba CPU kernels for batch normalisation of x (N, C, ...), per channel c.

Two memory layouts are served without copies: "planes", x stored as
(N, C, S) (the usual C order), and "rows", x stored as (M, C) with the
channel last ((N, C) inputs, and channels-last (N, C, H, W) views such as the
convolution outputs). Statistics use float64 accumulators and a shift by the
channel's first value, so the single pass stays accurate when the mean is
large compared with the spread.

Serial, with unsigned flat indices, for the same reasons as the convolution
kernels (see cpu_conv); sums may be reassociated (vectorised), nothing else
of fast-math is allowed, so NaN and inf propagate as usual.
"""
import math

import numpy
from numba import njit, uint64

_FLAGS = {"reassoc", "contract"}


@njit(cache=True)
def _statistics(s1, s2, shift, count, gamma, eps, mean, var, centre, scale):
    for c in range(s1.size):
        m1 = s1[c] / count
        v = max(s2[c] / count - m1 * m1, 0.0)
        mean[c] = shift[c] + m1
        var[c] = v
        centre[c] = mean[c]
        scale[c] = gamma[c] / math.sqrt(v + eps)


@njit(cache=True, fastmath=_FLAGS)
def _forward_planes(x, gamma, beta, eps, y, mean, var):
    n_img, n_chan, plane = x.shape
    xf, yf = x.ravel(), y.ravel()
    shift = numpy.empty(n_chan)
    s1, s2 = numpy.zeros(n_chan), numpy.zeros(n_chan)
    for c in range(n_chan):
        shift[c] = xf[uint64(c * plane)]
    for n in range(n_img):
        for c in range(n_chan):
            k = shift[c]
            base = uint64((n * n_chan + c) * plane)
            a1 = 0.0
            a2 = 0.0
            for s in range(uint64(plane)):
                d = xf[base + s] - k
                a1 += d
                a2 += d * d
            s1[c] += a1
            s2[c] += a2
    centre, scale = numpy.empty(n_chan, x.dtype), numpy.empty(n_chan, x.dtype)
    _statistics(s1, s2, shift, n_img * plane, gamma, eps, mean, var, centre, scale)
    for n in range(n_img):
        for c in range(n_chan):
            m, a, b = centre[c], scale[c], beta[c]
            base = uint64((n * n_chan + c) * plane)
            for s in range(uint64(plane)):
                yf[base + s] = (xf[base + s] - m) * a + b


@njit(cache=True, fastmath=_FLAGS)
def _forward_rows(x, gamma, beta, eps, y, mean, var):
    n_rows, n_chan = x.shape
    xf, yf = x.ravel(), y.ravel()
    shift = numpy.empty(n_chan)
    s1, s2 = numpy.zeros(n_chan), numpy.zeros(n_chan)
    for c in range(n_chan):
        shift[c] = xf[uint64(c)]
    for r in range(n_rows):
        base = uint64(r * n_chan)
        for c in range(uint64(n_chan)):
            d = xf[base + c] - shift[c]
            s1[c] += d
            s2[c] += d * d
    centre, scale = numpy.empty(n_chan, x.dtype), numpy.empty(n_chan, x.dtype)
    _statistics(s1, s2, shift, n_rows, gamma, eps, mean, var, centre, scale)
    for r in range(n_rows):
        base = uint64(r * n_chan)
        for c in range(uint64(n_chan)):
            yf[base + c] = (xf[base + c] - centre[c]) * scale[c] + beta[c]


@njit(cache=True, fastmath=_FLAGS)
def _backward_planes(gy, x, mean, inv_std, gamma, gx, ggamma, gbeta):
    n_img, n_chan, plane = x.shape
    count = n_img * plane
    xf, gyf, gxf = x.ravel(), gy.ravel(), gx.ravel()
    sum_gy, sum_gy_xhat = numpy.zeros(n_chan), numpy.zeros(n_chan)
    for n in range(n_img):
        for c in range(n_chan):
            m, inv = mean[c], inv_std[c]
            base = uint64((n * n_chan + c) * plane)
            a1 = 0.0
            a2 = 0.0
            for s in range(uint64(plane)):
                g = gyf[base + s]
                a1 += g
                a2 += g * (xf[base + s] - m) * inv
            sum_gy[c] += a1
            sum_gy_xhat[c] += a2
    for c in range(n_chan):
        ggamma[c] = sum_gy_xhat[c]
        gbeta[c] = sum_gy[c]
    for n in range(n_img):
        for c in range(n_chan):
            m, inv = mean[c], inv_std[c]
            k = gamma[c] * inv / count
            a, b = sum_gy[c], sum_gy_xhat[c]
            base = uint64((n * n_chan + c) * plane)
            for s in range(uint64(plane)):
                xhat = (xf[base + s] - m) * inv
                gxf[base + s] = k * (count * gyf[base + s] - a - xhat * b)


@njit(cache=True, fastmath=_FLAGS)
def _backward_rows(gy, x, mean, inv_std, gamma, gx, ggamma, gbeta):
    n_rows, n_chan = x.shape
    xf, gyf, gxf = x.ravel(), gy.ravel(), gx.ravel()
    sum_gy, sum_gy_xhat = numpy.zeros(n_chan), numpy.zeros(n_chan)
    for r in range(n_rows):
        base = uint64(r * n_chan)
        for c in range(uint64(n_chan)):
            g = gyf[base + c]
            sum_gy[c] += g
            sum_gy_xhat[c] += g * (xf[base + c] - mean[c]) * inv_std[c]
    # gx = k (M gy - sum gy - xhat sum(gy xhat)) = a gy + b (x - mean) + d per channel
    centre = numpy.empty(n_chan, x.dtype)
    a = numpy.empty(n_chan, x.dtype)
    b = numpy.empty(n_chan, x.dtype)
    d = numpy.empty(n_chan, x.dtype)
    for c in range(n_chan):
        ggamma[c] = sum_gy_xhat[c]
        gbeta[c] = sum_gy[c]
        k = gamma[c] * inv_std[c] / n_rows
        centre[c] = mean[c]
        a[c] = k * n_rows
        b[c] = -k * sum_gy_xhat[c] * inv_std[c]
        d[c] = -k * sum_gy[c]
    for r in range(n_rows):
        base = uint64(r * n_chan)
        for c in range(uint64(n_chan)):
            gxf[base + c] = a[c] * gyf[base + c] + b[c] * (xf[base + c] - centre[c]) + d[c]


def _rows_view(x):
    """x as an (M, C) channels-last matrix without copying, or None if its memory
    is not in that order."""
    if x.ndim == 2:
        return x if x.flags.c_contiguous else None
    last = numpy.moveaxis(x, 1, -1)
    return last.reshape(-1, x.shape[1]) if last.flags.c_contiguous else None


def _like_rows(rows, shape):
    """(M, C) channels-last data back as an array of ``shape`` = (N, C, ...)."""
    spatial = shape[2:]
    return numpy.moveaxis(rows.reshape((shape[0],) + spatial + (shape[1],)), -1, 1)


def _vector(a, dtype):
    return numpy.ascontiguousarray(a, dtype=dtype)


def batch_norm_forward(x, gamma, beta, eps):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta per channel of x (N, C, ...), in
    x's memory layout; returns y and the batch mean and biased variance (float64, (C,))."""
    c = x.shape[1]
    mean, var = numpy.empty(c), numpy.empty(c)
    gamma, beta = _vector(gamma, x.dtype), _vector(beta, x.dtype)
    rows = _rows_view(x)
    if rows is not None:
        y = numpy.empty_like(rows)
        _forward_rows(rows, gamma, beta, float(eps), y, mean, var)
        return _like_rows(y, x.shape), mean, var
    planes = numpy.ascontiguousarray(x).reshape(x.shape[0], c, -1)
    y = numpy.empty_like(planes)
    _forward_planes(planes, gamma, beta, float(eps), y, mean, var)
    return y.reshape(x.shape), mean, var


def batch_norm_backward(gy, x, mean, inv_std, gamma):
    """First-order gradients of batch_norm_forward, with xhat = (x - mean) inv_std and M
    values per channel: gx = gamma inv_std / M (M gy - sum gy - xhat sum(gy xhat)),
    ggamma = sum(gy xhat), gbeta = sum(gy)."""
    c = x.shape[1]
    mean, inv_std = _vector(mean, numpy.float64), _vector(inv_std, numpy.float64)
    gamma = _vector(gamma, x.dtype)
    ggamma, gbeta = numpy.empty(c, dtype=x.dtype), numpy.empty(c, dtype=x.dtype)
    rows = _rows_view(x)
    if rows is not None:
        gy_rows = numpy.ascontiguousarray(numpy.moveaxis(gy, 1, -1)).reshape(-1, c)
        gx = numpy.empty_like(rows)
        _backward_rows(gy_rows, rows, mean, inv_std, gamma, gx, ggamma, gbeta)
        return _like_rows(gx, x.shape), ggamma, gbeta
    planes = numpy.ascontiguousarray(x).reshape(x.shape[0], c, -1)
    gx = numpy.empty_like(planes)
    _backward_planes(numpy.ascontiguousarray(gy).reshape(planes.shape), planes, mean, inv_std,
                     gamma, gx, ggamma, gbeta)
    return gx.reshape(x.shape), ggamma, gbeta
