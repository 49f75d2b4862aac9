"""Losses and activations of the functional API: values, stability, gradients."""
import numpy
import pytest
from hypothesis import given, strategies as st

import tinygan as tg
import tinygan.functional as F
from tinygan.testing import strategies as tst
from tests.ops.helpers import check_op

rng = numpy.random.default_rng(0)


def sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


@given(data=st.data())
def test_bce_with_logits_matches_definition(data):
    x = data.draw(tst.arrays(tst.shapes(min_dims=1)))
    t = data.draw(tst.arrays(x.shape, low=0.0, high=1.0))
    ref = lambda a: numpy.mean(-(t * numpy.log(sigmoid(a)) + (1 - t) * numpy.log(1 - sigmoid(a))))
    check_op(lambda a: F.binary_cross_entropy_with_logits(a, t), ref, x)


def test_bce_with_logits_is_stable_at_100():
    x = tg.tensor([100.0, -100.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, tg.tensor([0.0, 1.0]), reduction="sum")
    assert loss.item() == pytest.approx(200.0)
    loss.backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0])


@given(data=st.data())
def test_softmax_log_softmax_cross_entropy(data):
    x = data.draw(tst.arrays((3, 4)))
    labels = numpy.array(data.draw(st.lists(st.integers(0, 3), min_size=3, max_size=3)))
    e = numpy.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    check_op(lambda a: F.softmax(a, axis=1), lambda a: p, x)
    check_op(lambda a: F.log_softmax(a, axis=1), lambda a: numpy.log(p), x)
    check_op(lambda a: F.cross_entropy(a, labels), lambda a: -numpy.log(p[range(3), labels]).mean(), x)
    check_op(lambda a: F.cross_entropy(a, p), lambda a: -(p * numpy.log(p)).sum(axis=1).mean(), x)


def test_cross_entropy_rejects_bad_labels_and_shapes():
    with pytest.raises(ValueError, match="labels must lie in \\[0, 4\\)"):
        F.cross_entropy(tg.zeros(2, 4), tg.tensor([0, 4]))
    with pytest.raises(ValueError, match="cross_entropy: expected logits"):
        F.cross_entropy(tg.zeros(2, 4), tg.tensor([0, 1, 2]))


def test_mse_l1_linear_and_shape_errors():
    x = rng.standard_normal((2, 3))
    t = rng.standard_normal((2, 3))
    check_op(lambda a: F.mse_loss(a, t), lambda a: ((a - t) ** 2).mean(), x)
    check_op(lambda a: F.l1_loss(a, t, reduction="sum"), lambda a: numpy.abs(a - t).sum(), x)
    w, b = rng.standard_normal((4, 3)), rng.standard_normal(4)
    check_op(F.linear, lambda a, ww, bb: a @ ww.T + bb, x, w, b)
    with pytest.raises(ValueError, match="mse_loss: input shape \\(2, 3\\) and target shape \\(3,\\)"):
        F.mse_loss(tg.zeros(2, 3), tg.zeros(3))
    with pytest.raises(ValueError, match="linear: input of shape"):
        F.linear(tg.zeros(2, 3), tg.zeros(4, 5))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(tg.zeros(2), tg.zeros(2), reduction="avg")


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_binary_cross_entropy_on_probabilities_clamps_log():
    p = tg.tensor([0.0, 1.0, 0.5])
    loss = F.binary_cross_entropy(p, tg.tensor([1.0, 0.0, 1.0]), reduction="none")
    numpy.testing.assert_allclose(loss.numpy(), [100.0, 100.0, numpy.log(2)], rtol=1e-6)


def test_dropout_scales_and_respects_eval():
    x = tg.ones(10000)
    y = F.dropout(x, 0.25)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.03
    numpy.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    assert F.dropout(x, 0.25, training=False) is x
