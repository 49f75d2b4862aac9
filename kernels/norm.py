"""Batch normalisation on raw arrays x of shape (N, C, ...), per channel (axis 1).

    forward:  y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c,
              mean_c, var_c the batch mean and biased variance of channel c
    backward: with xhat = (x - mean) inv_std and M = N S per channel,
              gx = gamma inv_std / M (M gy - sum gy - xhat sum(gy xhat)),
              ggamma = sum(gy xhat), gbeta = sum(gy)

Layer normalisation of x over its trailing k axes, per sample:

    forward:  y = (x - mean) rstd weight + bias,  rstd = 1 / sqrt(var + eps)
    backward: with xhat = (x - mean) rstd and g = gy weight (D values per sample),
              gx = rstd (g - mean(g) - xhat mean(g xhat)),
              gweight = sum over samples of gy xhat, gbias = sum of gy

NumPy arrays run on the Numba CPU kernels, CuPy arrays on CUDA kernels.
"""
import numpy

from . import cpu_layer_norm, cpu_norm


def _impl(x, cpu=cpu_norm):
    if isinstance(x, numpy.ndarray):
        return cpu
    from . import cuda_norm
    return cuda_norm


def batch_norm_forward(x, gamma, beta, eps):
    """(y, mean, var): the normalised x (N, C, ...) and its per-channel batch mean
    and biased variance (float64, shape (C,))."""
    return _impl(x).batch_norm_forward(x, gamma, beta, eps)


def batch_norm_backward(gy, x, mean, inv_std, gamma):
    """(gx, ggamma, gbeta): first-order gradients of batch_norm_forward."""
    return _impl(x).batch_norm_backward(gy, x, mean, inv_std, gamma)


def layer_norm_forward(x, weight, bias, k, eps):
    """(y, mean, rstd): x normalised over its trailing k axes, and the per-sample mean
    and reciprocal standard deviation (float64, one per leading index)."""
    return _impl(x, cpu_layer_norm).layer_norm_forward(x, weight, bias, k, eps)


def layer_norm_backward(gy, x, mean, rstd, weight, k):
    """(gx, gweight, gbias): first-order gradients of layer_norm_forward."""
    return _impl(x, cpu_layer_norm).layer_norm_backward(gy, x, mean, rstd, weight, k)
