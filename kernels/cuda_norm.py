"""CUDA (CuPy) batch normalisation of x (N, C, ...), viewed as (N, C, S): statistics by
CuPy reductions (accumulated in float64), the per-element work by elementwise
kernels."""
import functools

import cupy


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
