"""Reductions: forward vs NumPy, first and second order vs finite differences."""
import numpy
import pytest
from hypothesis import given, strategies as st

import tinygan as tg
from tinygan.testing import strategies as tst
from tests.ops.helpers import check_op


def axes_for(shape):
    """None, a single (possibly negative) axis, or a tuple of axes of ``shape``."""
    n = len(shape)
    if n == 0:
        return st.just(None)
    single = st.integers(-n, n - 1)
    several = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple)
    return st.one_of(st.just(None), single, several)


REDUCTIONS = {
    "sum": (tg.sum, numpy.sum),
    "mean": (tg.mean, numpy.mean),
    "logsumexp": (tg.logsumexp, lambda x, axis, keepdims: numpy.log(
        numpy.sum(numpy.exp(x), axis=axis, keepdims=keepdims))),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data(), keepdims=st.booleans())
def test_smooth_reductions(name, data, keepdims):
    op, ref = REDUCTIONS[name]
    x = data.draw(tst.arrays(tst.shapes()))
    axis = data.draw(axes_for(x.shape))
    check_op(lambda t: op(t, axis, keepdims), lambda a: ref(a, axis=axis, keepdims=keepdims), x)


@given(data=st.data(), keepdims=st.booleans(), ddof=st.sampled_from([0, 1]))
def test_var(data, keepdims, ddof):
    x = data.draw(tst.arrays(tst.shapes(min_dims=1, min_side=2)))
    axis = data.draw(axes_for(x.shape))
    check_op(lambda t: tg.var(t, axis, keepdims, ddof),
             lambda a: numpy.var(a, axis=axis, keepdims=keepdims, ddof=ddof), x)


@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data(), keepdims=st.booleans())
def test_max_min_with_distinct_values(name, data, keepdims):
    x = data.draw(tst.distinct_arrays(tst.shapes()))
    axis = data.draw(axes_for(x.shape))
    op = getattr(tg, name)
    check_op(lambda t: op(t, axis, keepdims),
             lambda a: getattr(numpy, name)(a, axis=axis, keepdims=keepdims), x)


def test_max_splits_gradient_among_ties():
    x = tg.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [0, 0.5, 0.5, 0])


def test_logsumexp_does_not_overflow():
    x = tg.tensor([1000.0, 1000.0], dtype="float64", requires_grad=True)
    y = tg.logsumexp(x)
    numpy.testing.assert_allclose(y.item(), 1000 + numpy.log(2))
    y.backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])


def test_axis_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match="sum: axis 2"):
        tg.ones(2, 3).sum(axis=2)


def test_negative_axes_and_zero_dim():
    check_op(lambda t: t.sum(axis=-1) * t.mean(axis=(-2,), keepdims=True).sum(), 
             lambda a: a.sum(axis=-1) * a.mean(axis=(-2,), keepdims=True).sum(), numpy.arange(6.0).reshape(2, 3) / 4)
    check_op(lambda t: t.sum(), numpy.sum, 1.5)
