"""Ops that move values around without changing them: reshape, transpose,
broadcast, indexing, concatenation, padding. Their backwards are each other:
broadcast_to <-> sum_to, getitem <-> index_add, concatenate <-> split.
"""
import numpy

from ..autograd import Function
from .. import backend


def _xp(a):
    return backend.get_array_module(a)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} "
                             f"({x.size} elements) into {self.shape}") from None

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        if self.axes is not None and sorted(a % max(x.ndim, 1) for a in self.axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {self.axes} are not a permutation of the "
                             f"{x.ndim} axes of a tensor of shape {tuple(x.shape)}")
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return transpose(gy)
        inverse = tuple(numpy.argsort([a % gy.ndim for a in self.axes]))
        return transpose(gy, *inverse)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        try:
            return _xp(x).broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} "
                             f"to {self.shape}") from None

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)


class SumTo(Function):
    """Sum over the axes that broadcasting from ``shape`` would have created."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0].shape)


def _plain_index(index):
    """The index with every Tensor replaced by its array."""
    from ..tensor import Tensor
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index.data if isinstance(index, Tensor) else index


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, numpy.integer))
               for p in parts)


class GetItem(Function):
    def __init__(self, index):
        self.index = index

    def forward(self, x):
        try:
            return x[self.index]
        except IndexError as exc:
            raise IndexError(f"getitem: {exc} (tensor of shape {tuple(x.shape)})") from None

    def backward(self, gy):
        return IndexAdd(self.index, self.inputs[0].shape)(gy)


class IndexAdd(Function):
    """zeros(shape) with gy added at ``index`` (repeated indices accumulate)."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, gy):
        xp = _xp(gy)
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        if _is_basic(self.index):
            gx[self.index] = gy
        else:
            xp.add.at(gx, self.index, gy)
        return gx

    def backward(self, ggx):
        return getitem(ggx, self.index)


class Concatenate(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        try:
            return _xp(xs[0]).concatenate(xs, axis=self.axis)
        except (ValueError, numpy.exceptions.AxisError):
            shapes = ", ".join(str(tuple(x.shape)) for x in xs)
            raise ValueError(f"concatenate: shapes {shapes} do not match except on "
                             f"axis {self.axis}") from None

    def backward(self, gy):
        sizes = [x.shape[self.axis] for x in self.inputs]
        return split(gy, list(numpy.cumsum(sizes)[:-1]), self.axis)


class Split(Function):
    def __init__(self, indices, axis):
        self.indices, self.axis = indices, axis

    def forward(self, x):
        return tuple(_xp(x).split(x, self.indices, axis=self.axis))

    def backward(self, *gys):
        return concatenate(gys, self.axis)


class Pad(Function):
    def __init__(self, pad_width, value):
        self.pad_width, self.value = pad_width, value

    def forward(self, x):
        if len(self.pad_width) != x.ndim:
            raise ValueError(f"pad: {len(self.pad_width)} (before, after) pairs given for a "
                             f"tensor of shape {tuple(x.shape)}")
        return _xp(x).pad(x, self.pad_width, constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(b, gy.shape[i] - a) for i, (b, a) in enumerate(self.pad_width))
        return getitem(gy, index)


class ToDevice(Function):
    def __init__(self, device):
        self.device = device

    def forward(self, x):
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return to_device(gy, self.inputs[0].device)


# ------------------------------------------------------------ public wrappers

def reshape(x, *shape):
    """x with a new shape of the same size (one entry may be -1)."""
    shape = _shape_args(shape)
    if tuple(x.shape) == shape:
        return x
    return Reshape(shape)(x)


def transpose(x, *axes):
    """Axes permuted (reversed when none are given), as numpy.transpose."""
    axes = _shape_args(axes) or None
    return Transpose(axes)(x)


permute = transpose


def swapaxes(x, a, b):
    """x with axes a and b exchanged."""
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, *axes)


def broadcast_to(x, *shape):
    """x repeated along size-1 and new leading axes to ``shape``."""
    shape = _shape_args(shape)
    shape = tuple(x.shape[i - len(shape) + x.ndim] if s == -1 else s for i, s in enumerate(shape))
    if tuple(x.shape) == shape:
        return x
    return BroadcastTo(shape)(x)


expand = broadcast_to


def sum_to(x, shape):
    """Sum of x over broadcast axes, giving ``shape`` (the adjoint of broadcast_to)."""
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    return SumTo(shape)(x)


def squeeze(x, axis=None):
    """x without its size-1 axes (or only ``axis``, which must have size 1)."""
    if axis is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = [a % x.ndim for a in axes]
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {tuple(x.shape)} has size {x.shape[a]}")
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axes))


def unsqueeze(x, axis):
    """x with a new size-1 axis at ``axis``."""
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def flatten(x, start_axis=0, end_axis=-1):
    """x with axes start_axis..end_axis merged into one."""
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = start_axis % x.ndim, end_axis % x.ndim
    return reshape(x, x.shape[:s] + (-1,) + x.shape[e + 1:])


def getitem(x, index):
    """x[index]: basic and integer-array indexing; the backward scatter-adds."""
    return GetItem(_plain_index(index))(x)


def concatenate(tensors, axis=0):
    """Tensors joined along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    return Concatenate(axis)(*tensors)


cat = concatenate


def stack(tensors, axis=0):
    """Tensors of one shape joined along a new axis."""
    tensors = list(tensors)
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis)


def split(x, sections, axis=0):
    """A tuple of pieces of x: ``sections`` is a count of equal parts or a list
    of split indices, as numpy.split."""
    if isinstance(sections, int) and x.shape[axis] % sections:
        raise ValueError(f"split: axis {axis} of shape {tuple(x.shape)} does not divide "
                         f"into {sections} equal parts")
    if not isinstance(sections, int):
        sections = [int(i) for i in sections]
    out = Split(sections, axis)(x)
    return out if isinstance(out, tuple) else (out,)


def pad(x, pad_width, value=0.0):
    """x padded with a constant; ``pad_width`` as numpy.pad (an int, a pair, or a pair per axis)."""
    if isinstance(pad_width, int):
        pad_width = ((pad_width, pad_width),) * x.ndim
    elif len(pad_width) == 2 and all(isinstance(p, int) for p in pad_width):
        pad_width = (tuple(pad_width),) * x.ndim
    pad_width = tuple((int(b), int(a)) for b, a in pad_width)
    return Pad(pad_width, value)(x)


def to_device(x, device):
    """x copied to ``device``; the gradient is copied back."""
    return ToDevice(device)(x)
