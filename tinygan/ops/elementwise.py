"""Elementwise ops. Each op's derivative stands right under its forward.

Binary ops broadcast like NumPy; their backward undoes the broadcast with
``sum_to``. Kinks take these subgradients: d|x|/dx = sign(x) (0 at 0),
relu'(0) = 0, leaky_relu'(0) = slope, clip passes the gradient where
low <= x <= high, maximum/minimum send it to the first input on ties.
"""
import numpy

from ..autograd import Function
from .. import backend
from .shape import sum_to


def _xp(a):
    return backend.get_array_module(a)


def _const(like, array):
    """A constant Tensor (no graph) from a raw array, in ``like``'s dtype."""
    from ..tensor import Tensor
    return Tensor(array.astype(like.dtype, copy=False))


def _check_broadcast(name, a, b):
    try:
        numpy.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{name}: shapes {tuple(a.shape)} and {tuple(b.shape)} "
                         f"cannot be broadcast together") from None


class _Binary(Function):
    def forward(self, a, b):
        _check_broadcast(self.name, a, b)
        return self.compute(a, b)


class Add(_Binary):
    def compute(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(gy, b.shape)


class Sub(_Binary):
    def compute(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(-gy, b.shape)


class Mul(_Binary):
    def compute(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(_Binary):
    def compute(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy / b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(-gy * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class PowScalar(Function):
    """x ** c for a constant exponent c: d/dx = c x^(c-1)."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        (x,) = self.inputs
        if self.c == 0:
            return gy * 0
        return gy * self.c * x ** (self.c - 1)


class Pow(_Binary):
    """a ** b with both tensors: d/da = b a^(b-1), d/db = a^b log(a)."""

    def compute(self, a, b):
        return a ** b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b * a ** (b - 1), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * self.output() * log(a), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Exp(Function):
    def forward(self, x):
        return _xp(x).exp(x)

    def backward(self, gy):
        return gy * self.output()


class Log(Function):
    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Sqrt(Function):
    def forward(self, x):
        return _xp(x).sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.output())


class Abs(Function):
    def forward(self, x):
        return _xp(x).abs(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * _const(x, _xp(x.data).sign(x.data))


class Sin(Function):
    def forward(self, x):
        return _xp(x).sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return _xp(x).cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tanh(Function):
    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1 - y * y)


class Sigmoid(Function):
    """sigma(x) = 1 / (1 + exp(-x)), computed as (tanh(x/2) + 1)/2 (no overflow)."""

    def forward(self, x):
        return _xp(x).tanh(x * 0.5) * 0.5 + 0.5

    def backward(self, gy):
        y = self.output()
        return gy * y * (1 - y)


class Softplus(Function):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); derivative sigma(x)."""

    def forward(self, x):
        xp = _xp(x)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy):
        return gy * sigmoid(self.inputs[0])


class _Masked(Function):
    """Ops whose derivative is a piecewise-constant factor (a mask)."""

    def backward(self, gy):
        x = self.inputs[0]
        return gy * _const(x, self.slope(x.data))


class Relu(_Masked):
    def forward(self, x):
        return _xp(x).maximum(x, 0)

    def slope(self, x):
        return x > 0


class LeakyRelu(_Masked):
    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        s = self.negative_slope
        if 0 <= s <= 1:                      # one pass, no boolean temporary
            return _xp(x).maximum(x, x * x.dtype.type(s))
        return _xp(x).where(x >= 0, x, x * x.dtype.type(s))

    def slope(self, x):
        slope = (x > 0).astype(x.dtype)
        slope *= 1 - self.negative_slope
        slope += self.negative_slope
        return slope


class Clip(_Masked):
    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        return _xp(x).clip(x, self.low, self.high)

    def slope(self, x):
        inside = _xp(x).ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return inside


class Where(Function):
    """where(cond, a, b): the gradient goes to a where cond holds, else to b."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return _xp(a).where(self.condition, a, b)

    def backward(self, gy):
        a, b = self.inputs
        zero = gy * 0
        ga = sum_to(where(self.condition, gy, zero), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(where(self.condition, zero, gy), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = numpy.dtype(dtype)

    def forward(self, x):
        self.source_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.source_dtype)


# ------------------------------------------------------------ public wrappers

def add(a, b):
    """a + b, broadcasting."""
    return Add()(a, b)


def sub(a, b):
    """a - b, broadcasting."""
    return Sub()(a, b)


def mul(a, b):
    """a * b, broadcasting."""
    return Mul()(a, b)


def div(a, b):
    """a / b, broadcasting."""
    return Div()(a, b)


def pow(a, b):
    """a ** b; a constant Python-number exponent takes the cheaper path."""
    from ..tensor import Tensor
    if not isinstance(b, Tensor) and numpy.isscalar(b):
        return PowScalar(b)(a)
    return Pow()(a, b)


def neg(x):
    """-x."""
    return Neg()(x)


def exp(x):
    """e^x."""
    return Exp()(x)


def log(x):
    """Natural logarithm."""
    return Log()(x)


def sqrt(x):
    """Square root."""
    return Sqrt()(x)


def abs(x):
    """|x| (subgradient sign(x), 0 at 0)."""
    return Abs()(x)


def sin(x):
    """sin x."""
    return Sin()(x)


def cos(x):
    """cos x."""
    return Cos()(x)


def tanh(x):
    """Hyperbolic tangent."""
    return Tanh()(x)


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), stable for large |x|."""
    return Sigmoid()(x)


def softplus(x):
    """log(1 + e^x), stable for large |x|."""
    return Softplus()(x)


def relu(x):
    """max(x, 0) (subgradient 0 at 0)."""
    return Relu()(x)


def leaky_relu(x, negative_slope=0.01):
    """x for x >= 0, negative_slope * x below (subgradient negative_slope at 0)."""
    return LeakyRelu(negative_slope)(x)


def clip(x, low=None, high=None):
    """x limited to [low, high] (gradient 1 inside, boundaries included)."""
    if low is None and high is None:
        raise ValueError("clip: give low, high or both")
    return Clip(low, high)(x)


def where(condition, a, b):
    """Elementwise choice: a where condition, else b (condition is not differentiated)."""
    from ..tensor import Tensor, as_tensor
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    cond = condition.data if isinstance(condition, Tensor) else condition
    if like is None:
        like = as_tensor(a)
    cond = backend.get_array_module(like.data).asarray(cond).astype(bool)
    return Where(cond)(a, b)


def maximum(a, b):
    """Elementwise max (ties send the gradient to a)."""
    return where(compare("greater_equal", a, b), a, b)


def minimum(a, b):
    """Elementwise min (ties send the gradient to a)."""
    return where(compare("less_equal", a, b), a, b)


def compare(op, a, b):
    """A boolean, non-differentiable tensor: numpy.<op>(a, b)."""
    from ..tensor import Tensor, as_tensor
    like = a if isinstance(a, Tensor) else b
    a, b = as_tensor(a, like), as_tensor(b, like)
    _check_broadcast(op, a.data, b.data)
    return Tensor(getattr(_xp(a.data), op)(a.data, b.data))


def sign(x):
    """Elementwise sign as a constant tensor (no gradient)."""
    from ..tensor import Tensor
    return Tensor(_xp(x.data).sign(x.data))


def cast(x, dtype):
    """x converted to dtype (differentiable between floating dtypes)."""
    if numpy.dtype(dtype) == x.dtype:
        return x
    if numpy.dtype(dtype).kind != "f" and x.requires_grad:
        from ..tensor import Tensor
        return Tensor(x.data.astype(dtype))
    return Cast(dtype)(x)
