"""The Tensor: an array (NumPy or CuPy), a device, and its place in the graph."""
import numbers

import numpy

from . import backend
from . import autograd


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    ``data`` is the raw array (``numpy.ndarray`` on the CPU, ``cupy.ndarray``
    on CUDA). Tensors created by the user are leaves; tensors computed by ops
    from tensors that require grad carry a ``_creator`` Function.
    """

    __array_priority__ = 1000   # NumPy arrays defer to our reflected operators
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        self.data = data
        self.grad = None
        self._creator = None
        self._generation = 0
        self._hooks = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data, requires_grad):
        t = cls.__new__(cls)
        t.data, t.grad, t._creator, t._generation, t._hooks = data, None, None, 0, None
        t._requires_grad = requires_grad
        return t

    # ------------------------------------------------------------ properties
    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return int(self.data.size)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_leaf(self):
        return self._creator is None

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self._creator is not None and not value:
            raise RuntimeError("requires_grad can only be turned off on a leaf tensor; "
                               "use .detach() for a non-leaf")
        if value and self.dtype.kind not in "fc":
            raise TypeError(f"only floating tensors can require grad, got dtype {self.dtype}")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else f", device='{self.device}'"
        body = numpy.array2string(backend.to_numpy(self.data), separator=", ", prefix="tensor(")
        return f"tensor({body}, dtype={self.dtype}{dev}{grad})"

    # ------------------------------------------------------------ conversion
    def numpy(self):
        """The values as a NumPy array (copied from the GPU if needed; no graph)."""
        return backend.to_numpy(self.data)

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self.size != 1:
            raise ValueError(f"item(): tensor of shape {self.shape} has {self.size} elements")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self):
        """The same data as a new leaf that is cut off from the graph."""
        return Tensor(self.data)

    def to(self, device):
        """This tensor on ``device`` ('cpu' or 'cuda'); differentiable."""
        device = backend.check_device(device)
        if device == self.device:
            return self
        from .ops.shape import to_device
        return to_device(self, device)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        """A copy converted to ``dtype``; differentiable between float dtypes."""
        from .ops.elementwise import cast
        return cast(self, dtype)

    def float(self):
        return self.astype(numpy.float32)

    def double(self):
        return self.astype(numpy.float64)

    # ------------------------------------------------------------ autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d self / d leaf into ``.grad`` of every leaf that requires grad.

        ``grad`` is required when self is not a scalar: the backward pass then
        differentiates sum(grad * self).
        """
        autograd.backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        If the hook returns a Tensor it replaces the gradient. Returns a
        handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: tensor does not require grad")
        if self._hooks is None:
            self._hooks = {}
        return _HookHandle(self._hooks, hook)

    # ------------------------------------------------------------ operators
    def __add__(self, other): return ew.add(self, other)
    def __radd__(self, other): return ew.add(other, self)
    def __sub__(self, other): return ew.sub(self, other)
    def __rsub__(self, other): return ew.sub(other, self)
    def __mul__(self, other): return ew.mul(self, other)
    def __rmul__(self, other): return ew.mul(other, self)
    def __truediv__(self, other): return ew.div(self, other)
    def __rtruediv__(self, other): return ew.div(other, self)
    def __pow__(self, other): return ew.pow(self, other)
    def __rpow__(self, other): return ew.pow(other, self)
    def __neg__(self): return ew.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ew.abs(self)
    def __matmul__(self, other): return linalg.matmul(self, other)
    def __rmatmul__(self, other): return linalg.matmul(other, self)
    def __getitem__(self, index): return shape_ops.getitem(self, index)

    def __setitem__(self, index, value):
        """In-place assignment, allowed only on tensors outside any graph."""
        if self.requires_grad:
            raise RuntimeError("in-place assignment to a tensor that requires grad would corrupt "
                               "its gradient; build a new tensor (tg.where, tg.concatenate)")
        value = value.data if isinstance(value, Tensor) else value
        self.data[shape_ops._plain_index(index)] = value

    def __lt__(self, other): return ew.compare("less", self, other)
    def __le__(self, other): return ew.compare("less_equal", self, other)
    def __gt__(self, other): return ew.compare("greater", self, other)
    def __ge__(self, other): return ew.compare("greater_equal", self, other)
    def __eq__(self, other): return ew.compare("equal", self, other)
    def __ne__(self, other): return ew.compare("not_equal", self, other)
    __hash__ = object.__hash__

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.item())

    def __float__(self): return float(self.item())
    def __int__(self): return int(self.item())

    # ------------------------------------------------------------ methods
    def exp(self): return ew.exp(self)
    def log(self): return ew.log(self)
    def sqrt(self): return ew.sqrt(self)
    def abs(self): return ew.abs(self)
    def sin(self): return ew.sin(self)
    def cos(self): return ew.cos(self)
    def tanh(self): return ew.tanh(self)
    def sigmoid(self): return ew.sigmoid(self)
    def relu(self): return ew.relu(self)
    def clip(self, low=None, high=None): return ew.clip(self, low, high)
    def sum(self, axis=None, keepdims=False): return reduce.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return reduce.mean(self, axis, keepdims)
    def var(self, axis=None, keepdims=False, ddof=0): return reduce.var(self, axis, keepdims, ddof)
    def max(self, axis=None, keepdims=False): return reduce.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return reduce.min(self, axis, keepdims)
    def logsumexp(self, axis=None, keepdims=False): return reduce.logsumexp(self, axis, keepdims)
    def reshape(self, *shape): return shape_ops.reshape(self, *shape)
    def view(self, *shape): return shape_ops.reshape(self, *shape)
    def transpose(self, *axes): return shape_ops.transpose(self, *axes)
    def permute(self, *axes): return shape_ops.transpose(self, *axes)
    def expand(self, *shape): return shape_ops.broadcast_to(self, *shape)
    def broadcast_to(self, *shape): return shape_ops.broadcast_to(self, *shape)
    def squeeze(self, axis=None): return shape_ops.squeeze(self, axis)
    def unsqueeze(self, axis): return shape_ops.unsqueeze(self, axis)
    def flatten(self, start_axis=0, end_axis=-1): return shape_ops.flatten(self, start_axis, end_axis)
    def split(self, sections, axis=0): return shape_ops.split(self, sections, axis)
    def matmul(self, other): return linalg.matmul(self, other)


class _HookHandle:
    _ids = iter(range(1 << 62))

    def __init__(self, hooks, hook):
        self._hooks, self._key = hooks, next(self._ids)
        hooks[self._key] = hook

    def remove(self):
        """Unregister the hook."""
        self._hooks.pop(self._key, None)


# ---------------------------------------------------------------- factories

def _resolve_dtype(dtype, values):
    if dtype is not None:
        return numpy.dtype(dtype)
    if isinstance(values, (numpy.ndarray, numpy.generic)) or hasattr(values, "__cuda_array_interface__"):
        return values.dtype
    kind = numpy.asarray(values).dtype.kind
    return backend.default_dtype() if kind == "f" else None


def tensor(data, requires_grad=False, dtype=None, device="cpu"):
    """A new leaf tensor holding a copy of ``data`` (list, scalar, array or Tensor).

    Python floats become the default dtype (float32); arrays keep theirs
    unless ``dtype`` is given.
    """
    if isinstance(data, Tensor):
        data = data.data
    device = backend.check_device(device)
    xp = backend.xp_for(device)
    dtype = _resolve_dtype(dtype, data)
    if backend.device_of(data) != device and not isinstance(data, (list, tuple, numbers.Number)):
        data = backend.to_device(data, device)
    array = xp.array(data, dtype=dtype)
    return Tensor(array, requires_grad=requires_grad)


def as_tensor(value, like=None):
    """``value`` as a constant Tensor on ``like``'s device (and float dtype, for scalars)."""
    if isinstance(value, Tensor):
        return value
    device = like.device if like is not None else backend.device_of(value)
    xp = backend.xp_for(device)
    if isinstance(value, numbers.Number) and like is not None and like.dtype.kind == "f":
        return Tensor(xp.asarray(value, dtype=like.dtype))
    if isinstance(value, numbers.Number) and isinstance(value, float):
        return Tensor(xp.asarray(value, dtype=backend.default_dtype()))
    return Tensor(xp.asarray(value))


def _fill(shape, fill, dtype, device, requires_grad):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    device = backend.check_device(device)
    xp = backend.xp_for(device)
    dtype = numpy.dtype(dtype) if dtype is not None else backend.default_dtype()
    return Tensor(fill(xp, tuple(int(s) for s in shape), dtype), requires_grad=requires_grad)


def zeros(*shape, dtype=None, device="cpu", requires_grad=False):
    """A tensor of zeros."""
    return _fill(shape, lambda xp, s, d: xp.zeros(s, d), dtype, device, requires_grad)


def ones(*shape, dtype=None, device="cpu", requires_grad=False):
    """A tensor of ones."""
    return _fill(shape, lambda xp, s, d: xp.ones(s, d), dtype, device, requires_grad)


def full(shape, fill_value, dtype=None, device="cpu", requires_grad=False):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return _fill((shape,) if isinstance(shape, int) else (tuple(shape),),
                 lambda xp, s, d: xp.full(s, fill_value, d), dtype, device, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    """Zeros with ``t``'s shape, dtype and device."""
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    """Ones with ``t``'s shape, dtype and device."""
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None, device="cpu", requires_grad=False):
    """Evenly spaced values in [start, stop), as ``numpy.arange``."""
    xp = backend.xp_for(backend.check_device(device))
    data = xp.arange(start, stop, step) if stop is not None else xp.arange(start)
    if dtype is not None:
        data = data.astype(dtype)
    elif data.dtype.kind == "f":
        data = data.astype(backend.default_dtype())
    return Tensor(data, requires_grad=requires_grad)


def randn(*shape, dtype=None, device="cpu", requires_grad=False, generator=None):
    """Samples of the standard normal N(0, 1)."""
    def fill(xp, s, d):
        gen = generator or backend.generator(backend.check_device(device))
        return gen.standard_normal(s).astype(d, copy=False)
    return _fill(shape, fill, dtype, device, requires_grad)


def rand(*shape, dtype=None, device="cpu", requires_grad=False, generator=None):
    """Samples of the uniform distribution on [0, 1)."""
    def fill(xp, s, d):
        gen = generator or backend.generator(backend.check_device(device))
        return gen.random(s).astype(d, copy=False)
    return _fill(shape, fill, dtype, device, requires_grad)


from .ops import elementwise as ew, reduce, shape as shape_ops, linalg  # noqa: E402
