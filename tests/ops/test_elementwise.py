"""Elementwise ops: forward vs NumPy, first and second order vs finite differences."""
import numpy
import pytest
from hypothesis import assume, given, strategies as st

import tinygan as tg
from tinygan.testing import strategies as tst
from tests.ops.helpers import check_op, leaves

BINARY = {
    "add": (lambda a, b: a + b, numpy.add),
    "sub": (lambda a, b: a - b, numpy.subtract),
    "mul": (lambda a, b: a * b, numpy.multiply),
    "div": (lambda a, b: a / b, numpy.divide),
    "maximum": (tg.maximum, numpy.maximum),
    "minimum": (tg.minimum, numpy.minimum),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=tst.broadcastable_shapes(), data=st.data())
def test_binary_broadcasting(name, shapes, data):
    op, ref = BINARY[name]
    a = data.draw(tst.arrays(shapes[0]))
    # b stays away from 0 (division) and from a's values (max/min kinks)
    b = data.draw(tst.arrays(shapes[1], low=0.3, high=2.5)) * data.draw(st.sampled_from([1, -1]))
    if name in ("maximum", "minimum"):
        assume(numpy.all(numpy.abs(numpy.subtract(a, b)) >= 0.05))  # away from the kink a == b
    check_op(op, ref, a, b)


UNARY = {
    "neg": (lambda x: -x, numpy.negative, None),
    "exp": (tg.exp, numpy.exp, None),
    "log": (tg.log, numpy.log, "positive"),
    "sqrt": (tg.sqrt, numpy.sqrt, "positive"),
    "abs": (tg.abs, numpy.abs, 0.0),
    "sin": (tg.sin, numpy.sin, None),
    "cos": (tg.cos, numpy.cos, None),
    "tanh": (tg.tanh, numpy.tanh, None),
    "sigmoid": (tg.sigmoid, lambda x: 1 / (1 + numpy.exp(-x)), None),
    "softplus": (tg.softplus, lambda x: numpy.log1p(numpy.exp(x)), None),
    "relu": (tg.relu, lambda x: numpy.maximum(x, 0), 0.0),
    "leaky_relu": (lambda x: tg.leaky_relu(x, 0.2), lambda x: numpy.where(x > 0, x, 0.2 * x), 0.0),
    "clip": (lambda x: tg.clip(x, -0.5, 0.7), lambda x: numpy.clip(x, -0.5, 0.7), [-0.5, 0.7]),
    "pow_scalar": (lambda x: x ** 3, lambda x: x ** 3, None),
    "pow_fraction": (lambda x: x ** 1.5, lambda x: x ** 1.5, "positive"),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, None),
    "rsub_rdiv": (lambda x: (1 - x) / (2 + x * x), lambda x: (1 - x) / (2 + x * x), None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(name, data):
    op, ref, domain = UNARY[name]
    shape = data.draw(tst.shapes())
    if domain == "positive":
        x = data.draw(tst.positive_arrays(shape))
    else:
        x = data.draw(tst.arrays(shape, away_from=domain))
    check_op(op, ref, x)


@given(data=st.data())
def test_pow_tensor_exponent(data):
    shapes = data.draw(tst.broadcastable_shapes())
    a = data.draw(tst.positive_arrays(shapes[0]))
    b = data.draw(tst.arrays(shapes[1]))
    check_op(lambda x, y: x ** y, numpy.power, a, b)


@given(data=st.data())
def test_where(data):
    shape = data.draw(tst.shapes(min_dims=1))
    a, b = data.draw(tst.arrays(shape)), data.draw(tst.arrays(shape))
    cond = a > b
    check_op(lambda x, y: tg.where(cond, x, y), lambda x, y: numpy.where(cond, x, y), a, b)


def test_edge_cases_zero_dim_and_scalars_on_both_sides():
    check_op(lambda x: 3.0 - x * 2.0 + 1.0 / (x + 4.0), lambda x: 3.0 - x * 2.0 + 1.0 / (x + 4.0), 0.7)
    check_op(lambda x, y: x * y, numpy.multiply, numpy.ones((3, 1)) * 0.5, [[1.0, 2.0, 3.0]])


def test_sigmoid_softplus_stable_at_large_inputs():
    x = tg.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0], requires_grad=True)
    s, p = tg.sigmoid(x), tg.softplus(x)
    assert numpy.all(numpy.isfinite(s.numpy())) and numpy.all(numpy.isfinite(p.numpy()))
    numpy.testing.assert_allclose(p.numpy(), [0, 0, numpy.log(2), 100, 1000], atol=1e-6)
    (s.sum() + p.sum()).backward()
    assert numpy.all(numpy.isfinite(x.grad.numpy()))


def test_subgradients_at_kinks_are_documented_values():
    x = tg.tensor([0.0, 0.0], requires_grad=True)
    (tg.relu(x).sum() + tg.abs(x).sum()).backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    y = tg.tensor([0.0], requires_grad=True)
    tg.leaky_relu(y, 0.1).sum().backward()
    numpy.testing.assert_allclose(y.grad.numpy(), [0.1])
    a, b = leaves([1.0], [1.0])
    tg.maximum(a, b).sum().backward()
    assert a.grad.item() == 1.0 and b.grad.item() == 0.0


def test_comparisons_are_not_differentiable():
    x = tg.tensor([1.0, -1.0], requires_grad=True)
    mask = x > 0
    assert mask.dtype == bool and not mask.requires_grad
    numpy.testing.assert_array_equal(mask.numpy(), [True, False])
    numpy.testing.assert_array_equal((x == 1.0).numpy(), [True, False])


def test_mismatched_shapes_name_op_and_shapes():
    a, b = tg.ones(2, 3), tg.ones(4)
    with pytest.raises(ValueError, match=r"Add.*\(2, 3\).*\(4,\)"):
        a + b


def test_mixed_float_dtypes_are_refused():
    with pytest.raises(TypeError, match="float32.*float64|float64.*float32"):
        tg.ones(2) * tg.ones(2, dtype="float64")


def test_int_tensor_mixed_with_float_takes_float_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * tg.tensor([2, 3])
    assert y.dtype == numpy.float32
    y.sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [2.0, 3.0])


def test_cast_is_differentiable():
    x = tg.tensor([1.5, 2.0], requires_grad=True)
    y = x.double() * 3
    assert y.dtype == numpy.float64
    y.sum().backward()
    assert x.grad.dtype == numpy.float32
    numpy.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
