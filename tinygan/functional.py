"""The functional API (``import tinygan.functional as F``): activations, losses
and layers as plain functions, each a short composition of differentiable ops.
Argument names follow PyTorch so code translates line for line.
"""
from . import backend
from .tensor import Tensor, as_tensor
from .ops.elementwise import leaky_relu, relu, sigmoid, softplus, tanh, where  # noqa: F401
from .ops.linalg import matmul
from .ops.reduce import logsumexp, mean, sum as _sum
from .ops.shape import getitem, transpose

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(name, loss, reduction):
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return _sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _same_shape(name, input, target):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape "
                         f"{tuple(target.shape)} differ")


def linear(input, weight, bias=None):
    """y = x W^T + b, with W laid out (out_features, in_features) as in PyTorch."""
    if input.shape[-1] != weight.shape[-1]:
        raise ValueError(f"linear: input of shape {tuple(input.shape)} has {input.shape[-1]} "
                         f"features but the weight {tuple(weight.shape)} expects {weight.shape[-1]}")
    y = matmul(input, transpose(weight))
    return y if bias is None else y + bias


def softmax(input, axis=-1):
    """softmax(x)_i = exp(x_i - logsumexp(x)) along ``axis``."""
    from .ops.elementwise import exp
    return exp(log_softmax(input, axis))


def log_softmax(input, axis=-1):
    """log softmax(x)_i = x_i - logsumexp(x), never overflowing."""
    return input - logsumexp(input, axis=axis, keepdims=True)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE on logits x: softplus(x) - t x = -[t log sigma(x) + (1 - t) log(1 - sigma(x))].

    Written with softplus, so |x| = 100 neither overflows nor returns inf.
    """
    target = as_tensor(target, input)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce("binary_cross_entropy_with_logits", softplus(input) - input * target, reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """BCE on probabilities p: -[t log p + (1 - t) log(1 - p)], logs clamped at -100 as in PyTorch."""
    from .ops.elementwise import clip, log
    target = as_tensor(target, input)
    _same_shape("binary_cross_entropy", input, target)
    log_p = clip(log(input), -100.0, None)
    log_q = clip(log(1 - input), -100.0, None)
    return _reduce("binary_cross_entropy", -(target * log_p + (1 - target) * log_q), reduction)


def cross_entropy(input, target, reduction="mean"):
    """-log softmax(x)[target] for logits x of shape (N, C) and integer class labels (N,).

    ``target`` may instead hold class probabilities of shape (N, C).
    """
    logp = log_softmax(input, axis=1)
    target = target if isinstance(target, Tensor) else as_tensor(target, None)
    if target.dtype.kind == "f":
        _same_shape("cross_entropy", input, target)
        return _reduce("cross_entropy", -_sum(logp * target.astype(input.dtype), axis=1), reduction)
    if input.ndim != 2 or target.shape != (input.shape[0],):
        raise ValueError(f"cross_entropy: expected logits (N, C) and labels (N,), got "
                         f"{tuple(input.shape)} and {tuple(target.shape)}")
    labels = backend.to_device(target.data, input.device)
    xp = backend.get_array_module(labels)
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= input.shape[1]):
        raise ValueError(f"cross_entropy: labels must lie in [0, {input.shape[1]}), got values in "
                         f"[{int(labels.min())}, {int(labels.max())}]")
    picked = getitem(logp, (xp.arange(input.shape[0]), labels))
    return _reduce("cross_entropy", -picked, reduction)


def nll_loss(input, target, reduction="mean"):
    """-input[n, target[n]] for log-probabilities ``input`` (N, C)."""
    labels = backend.to_device(as_tensor(target).data, input.device)
    xp = backend.get_array_module(labels)
    return _reduce("nll_loss", -getitem(input, (xp.arange(input.shape[0]), labels)), reduction)


def mse_loss(input, target, reduction="mean"):
    """(x - t)^2, averaged (or summed) over all elements."""
    target = as_tensor(target, input)
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce("mse_loss", diff * diff, reduction)


def l1_loss(input, target, reduction="mean"):
    """|x - t|, averaged (or summed) over all elements."""
    from .ops.elementwise import abs
    target = as_tensor(target, input)
    _same_shape("l1_loss", input, target)
    return _reduce("l1_loss", abs(input - target), reduction)


def dropout(input, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0:
        return input
    keep = backend.generator(input.device).random(input.shape) >= p
    return input * Tensor(keep.astype(input.dtype) / (1 - p))

from .ops.conv import conv2d, conv_transpose2d  # noqa: E402,F401
from .ops.norm import batch_norm, layer_norm  # noqa: E402,F401
from .ops.pool import avg_pool2d, interpolate, upsample  # noqa: E402,F401
