"""Reductions over axes (NumPy conventions: ``axis`` None, int or tuple; ``keepdims``).

max/min send the gradient to the maximal elements, split evenly among ties.
var and logsumexp are compositions of primitives, so they differentiate to
any order for free.
"""
import builtins

from ..autograd import Function
from .shape import broadcast_to, reshape


def _normalize_axis(op, axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} axes")
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


class Sum(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        shape = self.inputs[0].shape
        return broadcast_to(reshape(gy, _keepdims_shape(shape, self.axes)), shape)


class Max(Function):
    """Largest element along axes; the subgradient spreads over ties equally."""

    def __init__(self, axes, keepdims, pick="max"):
        self.axes, self.keepdims, self.pick = axes, keepdims, pick

    def forward(self, x):
        if any(x.shape[a] == 0 for a in self.axes):
            raise ValueError(f"{self.pick}: reduction over an empty axis (shape {tuple(x.shape)})")
        return getattr(x, self.pick)(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        from ..tensor import Tensor
        x = self.inputs[0]
        keep = _keepdims_shape(x.shape, self.axes)
        y = self.output().data.reshape(keep)
        mask = (x.data == y).astype(x.dtype)
        mask /= mask.sum(axis=self.axes, keepdims=True)
        return broadcast_to(reshape(gy, keep), x.shape) * Tensor(mask)


def sum(x, axis=None, keepdims=False):
    """Sum of elements over ``axis``."""
    return Sum(_normalize_axis("sum", axis, x.ndim), keepdims)(x)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``."""
    axes = _normalize_axis("mean", axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    return Sum(axes, keepdims)(x) / count


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis``: sum((x - mean)^2) / (n - ddof)."""
    axes = _normalize_axis("var", axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    centred = x - mean(x, axes, keepdims=True)
    return sum(centred * centred, axes, keepdims) / (count - ddof)


def max(x, axis=None, keepdims=False):
    """Largest element over ``axis``."""
    return Max(_normalize_axis("max", axis, x.ndim), keepdims, "max")(x)


def min(x, axis=None, keepdims=False):
    """Smallest element over ``axis``."""
    return Max(_normalize_axis("min", axis, x.ndim), keepdims, "min")(x)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, shifted by the max so it never overflows."""
    from .elementwise import exp, log
    axes = _normalize_axis("logsumexp", axis, x.ndim)
    shift = max(x, axes, keepdims=True).detach()
    out = log(sum(exp(x - shift), axes, keepdims=True)) + shift
    return out if keepdims else reshape(out, tuple(s for i, s in enumerate(x.shape) if i not in axes))
