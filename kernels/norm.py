"""Batch normalisation on raw arrays x of shape (N, C, ...), per channel (axis 1).

    forward:  y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c,
              mean_c, var_c the batch mean and biased variance of channel c
    backward: with xhat = (x - mean) inv_std and M = N S per channel,
              gx = gamma inv_std / M (M gy - sum gy - xhat sum(gy xhat)),
              ggamma = sum(gy xhat), gbeta = sum(gy)

NumPy arrays run on the Numba CPU kernels, CuPy arrays on CUDA kernels.
"""
import numpy

from . import cpu_norm


def _impl(x):
    if isinstance(x, numpy.ndarray):
        return cpu_norm
    from . import cuda_norm
    return cuda_norm


def batch_norm_forward(x, gamma, beta, eps):
    """(y, mean, var): the normalised x (N, C, ...) and its per-channel batch mean
    and biased variance (float64, shape (C,))."""
    return _impl(x).batch_norm_forward(x, gamma, beta, eps)


def batch_norm_backward(gy, x, mean, inv_std, gamma):
    """(gx, ggamma, gbeta): first-order gradients of batch_norm_forward."""
    return _impl(x).batch_norm_backward(gy, x, mean, inv_std, gamma)
