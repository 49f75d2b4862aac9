"""Shape ops: forward vs NumPy, first and second order vs finite differences."""
import numpy
import pytest
from hypothesis import given, strategies as st

import tinygan as tg
from tinygan.testing import strategies as tst
from tests.ops.helpers import check_op


@given(data=st.data())
def test_reshape_flatten_squeeze_unsqueeze(data):
    x = data.draw(tst.arrays(tst.shapes(min_dims=1)))
    check_op(lambda t: t.reshape(-1), lambda a: a.reshape(-1), x)
    check_op(lambda t: t.flatten(), lambda a: a.reshape(-1), x)
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check_op(lambda t: t.unsqueeze(axis), lambda a: numpy.expand_dims(a, axis), x)
    check_op(lambda t: t.squeeze(), lambda a: numpy.squeeze(a), x)


@given(data=st.data())
def test_transpose_permute(data):
    x = data.draw(tst.arrays(tst.shapes()))
    axes = tuple(data.draw(st.permutations(range(x.ndim))))
    check_op(lambda t: t.transpose(*axes), lambda a: numpy.transpose(a, axes), x)
    check_op(lambda t: t.T, lambda a: a.T, x)


@given(shapes=tst.broadcastable_shapes(), data=st.data())
def test_broadcast_to_and_sum_to(shapes, data):
    target = numpy.broadcast_shapes(*shapes)
    x = data.draw(tst.arrays(shapes[0]))
    check_op(lambda t: t.broadcast_to(target), lambda a: numpy.broadcast_to(a, target), x)
    y = data.draw(tst.arrays(target))
    check_op(lambda t: tg.sum_to(t, shapes[0]),
             lambda a: numpy.broadcast_to(numpy.zeros(shapes[0]), target).shape and
             _sum_to(a, shapes[0]), y)


def _sum_to(a, shape):
    lead = a.ndim - len(shape)
    a = a.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1)
    return a.sum(axis=axes, keepdims=True).reshape(shape)


@given(data=st.data())
def test_basic_indexing(data):
    x = data.draw(tst.arrays(tst.shapes(min_dims=2, min_side=2)))
    start = data.draw(st.integers(0, x.shape[0] - 1))
    index = (slice(start, None), data.draw(st.integers(-x.shape[1], x.shape[1] - 1)))
    check_op(lambda t: t[index], lambda a: a[index], x)
    check_op(lambda t: t[..., None, ::-1], lambda a: a[..., None, ::-1], x)


@given(data=st.data())
def test_integer_array_indexing_with_repeats_scatter_adds(data):
    x = data.draw(tst.arrays(tst.shapes(min_dims=1)))
    idx = numpy.array(data.draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=6)))
    check_op(lambda t: t[idx], lambda a: a[idx], x)
    check_op(lambda t: t[tg.tensor(idx)] * 2, lambda a: a[idx] * 2, x)


def test_repeated_index_gradient_accumulates():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [2, 0, 1])


@given(data=st.data(), n=st.integers(1, 3))
def test_concatenate_stack_split(data, n):
    base = data.draw(tst.shapes(min_dims=1))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    arrays = [data.draw(tst.arrays(base)) for _ in range(n)]
    check_op(lambda *ts: tg.concatenate(ts, axis), lambda *a: numpy.concatenate(a, axis), *arrays)
    check_op(lambda *ts: tg.stack(ts, axis), lambda *a: numpy.stack(a, axis), *arrays)
    joined = numpy.concatenate(arrays, axis)
    check_op(lambda t: tg.split(t, n, axis)[-1], lambda a: numpy.split(a, n, axis)[-1], joined)
    check_op(lambda t: tg.split(t, n, axis)[0], lambda a: numpy.split(a, n, axis)[0], joined)


@given(data=st.data())
def test_pad(data):
    x = data.draw(tst.arrays(tst.shapes(min_dims=1)))
    width = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in x.shape)
    check_op(lambda t: tg.pad(t, width, 0.5), lambda a: numpy.pad(a, width, constant_values=0.5), x)


def test_split_with_unused_piece_gives_zero_gradient_there():
    x = tg.tensor(numpy.arange(6.0), requires_grad=True)
    a, b = tg.split(x, 2)
    (b * 2).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, 2, 2, 2])


def test_shape_errors_are_clear():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4,\)"):
        tg.ones(2, 3).reshape(4)
    with pytest.raises(ValueError, match="squeeze: axis 0"):
        tg.ones(2, 3).squeeze(0)
    with pytest.raises(ValueError, match="concatenate"):
        tg.concatenate([tg.ones(2, 3), tg.ones(2, 4)], axis=0)
    with pytest.raises(ValueError, match="stack"):
        tg.stack([tg.ones(2), tg.ones(3)])
    with pytest.raises(ValueError, match="broadcast_to"):
        tg.ones(3).broadcast_to(4)
    with pytest.raises(IndexError, match="getitem"):
        tg.ones(3)[5]
