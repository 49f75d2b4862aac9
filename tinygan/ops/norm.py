"""Batch and layer normalisation, differentiable to any order.

Batch norm (in training mode) and layer norm are each one Function with a
fused kernel for the forward and for the first-order backward. When the
backward itself is recorded (create_graph=True) it is instead written with
Tensor ops that recompute the mean and variance from the saved input, so
every term of the second and higher derivatives through the statistics is
kept; nothing computed in the forward is reused there.
"""
from .. import autograd, backend
from ..autograd import Function
from ..kernels import norm as kernels
from ..tensor import Tensor, as_tensor
from .conv import laid_out
from .reduce import mean, sum as _sum
from .shape import reshape


def _xp(array):
    return backend.get_array_module(array)


def _channels_last(array):
    return array.ndim == 4 and array.transpose(0, 2, 3, 1).flags.c_contiguous


def _channel_shape(x):
    """(1, C, 1, ...): the shape that broadcasts a per-channel vector over x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _reduce_axes(x):
    return (0,) + tuple(range(2, x.ndim))


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta with the batch statistics
    of each channel (axis 1) over the batch and all positions."""

    def __init__(self, eps):
        self.eps = eps

    def forward(self, x, gamma, beta):
        y, self.mean, self.var = kernels.batch_norm_forward(x, gamma, beta, self.eps)
        return y

    def backward(self, gy):
        if autograd.is_grad_enabled():
            return self._composite_backward(gy)
        x, gamma, _ = self.inputs
        xp = _xp(x.data)
        inv_std = 1.0 / xp.sqrt(self.var + self.eps)
        gx, ggamma, gbeta = kernels.batch_norm_backward(gy.data, x.data, self.mean, inv_std,
                                                        gamma.data)
        return Tensor(gx), Tensor(ggamma), Tensor(gbeta)

    def _composite_backward(self, gy):
        """The same gradients from Tensor ops on the saved inputs (differentiable again):
        gx = inv_std (g - mean(g) - xhat mean(g xhat)) with g = gy gamma."""
        x, gamma, _ = self.inputs
        axes, shape = _reduce_axes(x), _channel_shape(x)
        centred = x - mean(x, axes, keepdims=True)
        inv_std = (mean(centred * centred, axes, keepdims=True) + self.eps) ** -0.5
        xhat = centred * inv_std
        g = gy * reshape(gamma, shape)
        gx = inv_std * (g - mean(g, axes, keepdims=True)
                        - xhat * mean(g * xhat, axes, keepdims=True))
        return gx, _sum(gy * xhat, axes), _sum(gy, axes)


def _check_vector(name, what, t, size, x):
    if t is not None and tuple(t.shape) != (size,):
        raise ValueError(f"{name}: {what} of shape {tuple(t.shape)} does not match the {size} "
                         f"channels of the input {tuple(x.shape)}")
    if t is not None and t.dtype != x.dtype:
        raise TypeError(f"{name}: {what} has dtype {t.dtype} but the input {tuple(x.shape)} "
                        f"has dtype {x.dtype}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of x (N, C) or (N, C, ...), as torch.nn.functional.batch_norm:

    y = (x - mu_c) / sqrt(sigma2_c + eps) * weight_c + bias_c.

    In training mode mu, sigma2 are the batch mean and biased variance of
    each channel, and the running statistics (when given) are updated in
    place, outside the graph: running_mean = (1 - momentum) running_mean +
    momentum mu, running_var likewise with the UNBIASED variance
    sigma2 M / (M - 1), M = values per channel. In evaluation mode the
    running statistics are used.
    """
    x, name = input, "batch_norm"
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input (N, C) or (N, C, ...), got shape "
                         f"{tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"batch_norm: expected a floating input, got {x.dtype}")
    c = x.shape[1]
    for what, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_vector(name, what, t, c, x)
    if training:
        return _batch_norm_train(x, running_mean, running_var, weight, bias, momentum, eps)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation mode (training=False) needs running_mean and "
                         "running_var")
    scale = (as_tensor(running_var, x) + eps) ** -0.5
    if weight is not None:
        scale = scale * weight
    shift = -as_tensor(running_mean, x) * scale
    if bias is not None:
        shift = shift + bias
    shape = _channel_shape(x)
    return x * reshape(scale, shape) + reshape(shift, shape)


def _batch_norm_train(x, running_mean, running_var, weight, bias, momentum, eps):
    count = x.size // x.shape[1]
    if count < 2:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {tuple(x.shape)}")
    xp = _xp(x.data)
    c = x.shape[1]
    gamma = weight if weight is not None else Tensor(xp.ones(c, dtype=x.dtype))
    beta = bias if bias is not None else Tensor(xp.zeros(c, dtype=x.dtype))
    fn = BatchNorm(eps)
    y = fn(x, gamma, beta)
    if running_mean is not None:
        running_mean.data *= 1 - momentum
        running_mean.data += (momentum * fn.mean).astype(running_mean.dtype)
    if running_var is not None:
        unbiased = fn.var * (count / (count - 1))
        running_var.data *= 1 - momentum
        running_var.data += (momentum * unbiased).astype(running_var.dtype)
    return y


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and variance of
    each sample over the trailing ``k`` axes."""

    def __init__(self, k, eps):
        self.k, self.eps = k, eps

    def forward(self, x, weight, bias):
        y, self.mean, self.rstd = kernels.layer_norm_forward(x, weight, bias, self.k, self.eps)
        return y

    def backward(self, gy):
        if autograd.is_grad_enabled():
            return self._composite_backward(gy)
        x, weight, _ = self.inputs
        gx, gw, gb = kernels.layer_norm_backward(gy.data, x.data, self.mean, self.rstd,
                                                 weight.data, self.k)
        return Tensor(gx), Tensor(gw), Tensor(gb)

    def _composite_backward(self, gy):
        """The same gradients from Tensor ops on the saved inputs (differentiable again):
        gx = rstd (g - mean(g) - xhat mean(g xhat)) with g = gy weight."""
        x, weight, _ = self.inputs
        axes = tuple(range(x.ndim - self.k, x.ndim))
        lead = tuple(range(x.ndim - self.k))
        if x.ndim == 4 and self.k == 3 and _channels_last(x.data):
            weight = laid_out(weight, (1, 2, 0))    # same memory order as x: no layout mixing
        centred = x - mean(x, axes, keepdims=True)
        rstd = (mean(centred * centred, axes, keepdims=True) + self.eps) ** -0.5
        xhat = centred * rstd
        g = gy * weight
        gx = rstd * (g - mean(g, axes, keepdims=True) - xhat * mean(g * xhat, axes, keepdims=True))
        return gx, _sum(gy * xhat, lead), _sum(gy, lead)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last len(normalized_shape) axes, as
    torch.nn.functional.layer_norm: y = (x - mu) / sqrt(sigma2 + eps) * weight + bias,
    mu and sigma2 the mean and biased variance of each sample over those axes."""
    x = input
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the trailing "
                         f"axes of the input {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"layer_norm: expected a floating input, got {x.dtype}")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {what} of shape {tuple(t.shape)} does not match "
                             f"normalized_shape {shape}")
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"layer_norm: {what} has dtype {t.dtype} but the input "
                            f"{tuple(x.shape)} has dtype {x.dtype}")
    xp = _xp(x.data)
    if weight is None:
        weight = Tensor(xp.ones(shape, dtype=x.dtype))
    if bias is None:
        bias = Tensor(xp.zeros(shape, dtype=x.dtype))
    return LayerNorm(k, eps)(x, weight, bias)
