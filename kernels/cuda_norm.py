"""CUDA (CuPy) normalisation. Batch norm of x (N, C, ...), viewed as (N, C, S):
statistics by CuPy reductions (accumulated in float64), the per-element work
by elementwise kernels. Layer norm with CuPy array expressions."""
import functools

import cupy
import numpy


@functools.lru_cache(maxsize=None)
def _normalise_kernel():
    return cupy.ElementwiseKernel(
        "T x, raw T mean, raw T scale, raw T beta, int64 n_chan, int64 plane", "T y",
        "const long long c = (i / plane) % n_chan; y = (x - mean[c]) * scale[c] + beta[c];",
        "tinygan_bn_normalise")


@functools.lru_cache(maxsize=None)
def _backward_kernel():
    return cupy.ElementwiseKernel(
        "T gy, T x, raw T mean, raw T inv_std, raw T k, raw T sum_gy, raw T sum_gy_xhat, "
        "int64 n_chan, int64 plane, T count",
        "T gx",
        """
        const long long c = (i / plane) % n_chan;
        const T xhat = (x - mean[c]) * inv_std[c];
        gx = k[c] * (count * gy - sum_gy[c] - xhat * sum_gy_xhat[c]);
        """,
        "tinygan_bn_backward")


def batch_norm_forward(x, gamma, beta, eps):
    """(y, mean, var) with y = (x - mean) / sqrt(var + eps) * gamma + beta per channel."""
    shape = x.shape
    x = cupy.ascontiguousarray(x).reshape(shape[0], shape[1], -1)
    mean = x.mean(axis=(0, 2), dtype=cupy.float64)
    var = x.var(axis=(0, 2), dtype=cupy.float64)
    scale = (gamma / cupy.sqrt(var + eps)).astype(x.dtype)
    y = cupy.empty_like(x)
    _normalise_kernel()(x, mean.astype(x.dtype), scale, beta.astype(x.dtype), x.shape[1],
                        x.shape[2], y)
    return y.reshape(shape), mean, var


def batch_norm_backward(gy, x, mean, inv_std, gamma):
    """(gx, ggamma, gbeta) = (gamma inv_std / M (M gy - sum gy - xhat sum(gy xhat)),
    sum(gy xhat), sum(gy))."""
    shape = x.shape
    x = cupy.ascontiguousarray(x).reshape(shape[0], shape[1], -1)
    gy = cupy.ascontiguousarray(gy).reshape(x.shape)
    dtype = x.dtype
    mean_c = mean.astype(dtype).reshape(1, -1, 1)
    xhat = (x - mean_c) * inv_std.astype(dtype).reshape(1, -1, 1)
    sum_gy = gy.sum(axis=(0, 2), dtype=cupy.float64)
    sum_gy_xhat = (gy * xhat).sum(axis=(0, 2), dtype=cupy.float64)
    count = x.shape[0] * x.shape[2]
    k = gamma * inv_std / count
    gx = cupy.empty_like(x)
    _backward_kernel()(gy, x, mean.astype(dtype), inv_std.astype(dtype), k.astype(dtype),
                       sum_gy.astype(dtype), sum_gy_xhat.astype(dtype), x.shape[1], x.shape[2],
                       dtype.type(count), gx)
    return gx.reshape(shape), sum_gy_xhat.astype(dtype), sum_gy.astype(dtype)


def _rows(x, k):
    lead = x.shape[:x.ndim - k]
    return cupy.ascontiguousarray(x).reshape(int(numpy.prod(lead, dtype=numpy.int64)), -1)


def layer_norm_forward(x, weight, bias, k, eps):
    """y = (x - mean) * rstd * weight + bias over the trailing k axes; returns y and the
    per-sample mean and rstd = 1 / sqrt(var + eps) (float64)."""
    rows = _rows(x, k)
    mean = rows.mean(axis=1, dtype=cupy.float64)
    rstd = 1.0 / cupy.sqrt(rows.var(axis=1, dtype=cupy.float64) + eps)
    dtype = x.dtype
    y = (rows - mean.astype(dtype)[:, None]) * rstd.astype(dtype)[:, None]
    y = y * weight.reshape(1, -1) + bias.reshape(1, -1)
    return y.reshape(x.shape), mean, rstd


def layer_norm_backward(gy, x, mean, rstd, weight, k):
    """gx = rstd (g - mean(g) - xhat mean(g xhat)) with g = gy weight, per sample;
    gweight = sum of gy xhat and gbias = sum of gy over the samples."""
    rows = _rows(x, k)
    gy_rows = cupy.ascontiguousarray(gy).reshape(rows.shape)
    dtype = x.dtype
    s = rstd.astype(dtype)[:, None]
    xhat = (rows - mean.astype(dtype)[:, None]) * s
    g = gy_rows * weight.reshape(1, -1)
    gx = s * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))
    gw = (gy_rows * xhat).sum(axis=0).reshape(weight.shape)
    gb = gy_rows.sum(axis=0).reshape(weight.shape)
    return gx.reshape(x.shape), gw, gb
