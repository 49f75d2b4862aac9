"""Batch norm and layer norm: forward against NumPy, gradients to second order.

The second-order checks go through the batch statistics: a backward that
reuses an inv_std array from the forward, or detaches the batch mean inside
the variance, is exact at first order and wrong at second, and only these
tests catch it (the two faulty variants below prove that they do).
"""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

import tinygan as tg
import tinygan.functional as F
from tinygan.ops.norm import BatchNorm, _channel_shape, _reduce_axes
from tinygan.ops.reduce import mean
from tinygan.ops.shape import reshape
from tinygan.testing import GradcheckError, gradcheck, gradgradcheck
from tinygan.testing import strategies as tst


def _leaf(a):
    return tg.tensor(numpy.asarray(a, dtype=numpy.float64), requires_grad=True)


def _reference_bn(x, gamma, beta, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mu) / numpy.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


def _bn_train(x, g, b):
    return F.batch_norm(x, None, None, g, b, training=True)


def _nonlinear_loss(x, g, b):
    """A loss that is not linear in the normalised output, so its Hessian has
    terms through the batch mean and variance."""
    y = _bn_train(x, g, b)
    return (tg.tanh(y) * y * y).sum() + (y * y * y).mean()


def _sample(shape, seed=0):
    rng = numpy.random.default_rng(seed)
    c = shape[1]
    return (rng.standard_normal(shape) * 1.5 + 0.7, rng.uniform(0.5, 1.5, c),
            rng.standard_normal(c))


# ------------------------------------------------------------ second order first

@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 2, 3), (2, 1, 3, 2)])
def test_batch_norm_second_order_through_batch_statistics(shape):
    x, g, b = (_leaf(a) for a in _sample(shape))
    assert gradgradcheck(_bn_train, [x, g, b])


@pytest.mark.parametrize("shape", [(4, 2), (3, 2, 2, 2)])
def test_batch_norm_hessian_of_nonlinear_loss(shape):
    x, g, b = (_leaf(a) for a in _sample(shape, seed=1))

    def gradient(x, g, b):
        return tg.grad(_nonlinear_loss(x, g, b), [x, g, b], create_graph=True)

    assert gradcheck(gradient, [x, g, b])


class _CachedInvStd(BatchNorm):
    """Faulty: inv_std taken from the forward as a constant array."""

    def _composite_backward(self, gy):
        x, gamma, _ = self.inputs
        axes, shape = _reduce_axes(x), _channel_shape(x)
        inv_std = tg.Tensor((1 / numpy.sqrt(self.var + self.eps)).reshape(shape))
        xhat = (x - mean(x, axes, keepdims=True)) * inv_std
        g = gy * reshape(gamma, shape)
        gx = inv_std * (g - mean(g, axes, keepdims=True)
                        - xhat * mean(g * xhat, axes, keepdims=True))
        return gx, (gy * xhat).sum(axes), gy.sum(axes)


class _DetachedMean(BatchNorm):
    """Faulty: the gradient of a forward whose variance detaches the batch mean,
    var = mean((x - stop_gradient(mean(x)))^2): right value and first derivative
    (the centred values sum to 0), but a Hessian term of the variance is lost."""

    def _composite_backward(self, gy):
        x, gamma, beta = self.inputs
        axes, shape = _reduce_axes(x), _channel_shape(x)
        with tg.enable_grad():
            mu = mean(x, axes, keepdims=True)
            centred_const = x - mu.detach()
            inv_std = (mean(centred_const * centred_const, axes, keepdims=True) + self.eps) ** -0.5
            y = (x - mu) * inv_std * reshape(gamma, shape) + reshape(beta, shape)
        return tg.grad(y, [x, gamma, beta], grad_outputs=gy, create_graph=True)


@pytest.mark.parametrize("faulty", [_CachedInvStd, _DetachedMean])
def test_second_order_check_catches_known_faults(faulty):
    x, g, b = (_leaf(a) for a in _sample((4, 2, 2, 1), seed=2))

    def bn(x, g, b):
        return faulty(1e-5)(x, g, b)

    assert gradcheck(bn, [x, g, b])                 # exact at first order ...
    with pytest.raises(GradcheckError, match="second order"):
        gradgradcheck(bn, [x, g, b])                 # ... and caught at second


# ------------------------------------------------------------ batch norm, more

@settings(max_examples=8, deadline=None)
@given(n=st.integers(2, 3), c=st.integers(1, 3),
       spatial=st.sampled_from([(), (2,), (1, 3), (2, 2)]), data=st.data())
def test_batch_norm_matches_reference_and_gradients(n, c, spatial, data):
    shape = (n, c) + spatial
    x = data.draw(tst.arrays(shape))
    g = data.draw(tst.arrays((c,), low=0.5, high=1.5))
    b = data.draw(tst.arrays((c,)))
    got = _bn_train(*(tg.tensor(a) for a in (x, g, b)))
    numpy.testing.assert_allclose(got.numpy(), _reference_bn(x, g, b), rtol=1e-9, atol=1e-9)
    xs = [_leaf(a) for a in (x, g, b)]
    assert gradcheck(_bn_train, xs, atol=1e-4)


def test_first_order_kernel_matches_composite_backward():
    x, g, b = _sample((5, 3, 2, 2), seed=3)
    gy = numpy.random.default_rng(4).standard_normal(x.shape)
    results = []
    for create_graph in (False, True):
        xs = [_leaf(a) for a in (x, g, b)]
        grads = tg.grad(_bn_train(*xs), xs, grad_outputs=tg.tensor(gy), create_graph=create_graph)
        results.append([r.numpy() for r in grads])
    for fast, composite in zip(*results):
        numpy.testing.assert_allclose(fast, composite, rtol=1e-10, atol=1e-12)


def test_batch_norm_float32_kernel_is_accurate_with_large_mean():
    rng = numpy.random.default_rng(5)
    x = (rng.standard_normal((8, 4, 5, 5)) * 0.1 + 1000.0).astype(numpy.float32)
    got = _bn_train(tg.tensor(x), tg.ones(4), tg.zeros(4)).numpy()
    ref = _reference_bn(x.astype(numpy.float64), numpy.ones(4), numpy.zeros(4))
    assert got.dtype == numpy.float32
    numpy.testing.assert_allclose(got, ref, atol=2e-2)


def test_running_stats_update_by_hand():
    x = numpy.array([[1.0, -2.0], [3.0, 0.0], [8.0, 4.0]])      # (N=3, C=2)
    rm = tg.tensor([0.5, -1.0], dtype=numpy.float64)
    rv = tg.tensor([2.0, 1.0], dtype=numpy.float64)
    F.batch_norm(tg.tensor(x), rm, rv, training=True, momentum=0.25)
    # channel 0: mean 4, unbiased var ((-3)^2 + (-1)^2 + 4^2) / 2 = 13
    # channel 1: mean 2/3, unbiased var ((-8/3)^2 + (-2/3)^2 + (10/3)^2) / 2 = 28/3
    numpy.testing.assert_allclose(rm.numpy(), [0.75 * 0.5 + 0.25 * 4, 0.75 * -1.0 + 0.25 * 2 / 3])
    numpy.testing.assert_allclose(rv.numpy(), [0.75 * 2.0 + 0.25 * 13, 0.75 * 1.0 + 0.25 * 28 / 3])


def test_running_stats_are_updated_in_place_outside_the_graph():
    rm, rv = tg.zeros(3), tg.ones(3)
    arrays = rm.data, rv.data
    x = tg.randn(4, 3, 2, 2, requires_grad=True)
    y = F.batch_norm(x, rm, rv, training=True)
    assert rm.data is arrays[0] and rv.data is arrays[1]
    assert not rm.requires_grad and rm.is_leaf
    y.sum().backward()
    assert x.grad is not None


def test_eval_mode_uses_running_stats_and_is_differentiable_twice():
    rng = numpy.random.default_rng(6)
    x = rng.standard_normal((3, 2, 2, 2))
    rm, rv = numpy.array([0.3, -0.2]), numpy.array([1.5, 0.7])
    g, b = numpy.array([1.2, 0.8]), numpy.array([0.1, -0.3])
    got = F.batch_norm(tg.tensor(x), tg.tensor(rm), tg.tensor(rv), tg.tensor(g), tg.tensor(b))
    ref = (x - rm[:, None, None]) / numpy.sqrt(rv[:, None, None] + 1e-5) * g[:, None, None] \
        + b[:, None, None]
    numpy.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)

    def fn(x, g, b):
        return F.batch_norm(x, tg.tensor(rm), tg.tensor(rv), g, b, training=False)
    xs = [_leaf(a) for a in (x, g, b)]
    assert gradgradcheck(fn, xs)


def test_batch_norm_without_affine_parameters():
    x = numpy.random.default_rng(7).standard_normal((4, 3))
    got = F.batch_norm(tg.tensor(x), None, None, training=True)
    numpy.testing.assert_allclose(got.numpy(), _reference_bn(x, numpy.ones(3), numpy.zeros(3)))
    assert gradgradcheck(lambda t: F.batch_norm(t, None, None, training=True), [_leaf(x)])


def test_batch_norm_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"batch_norm.*weight.*\(4,\).*3 channels.*\(2, 3\)"):
        F.batch_norm(tg.ones(2, 3), None, None, tg.ones(4), training=True)
    with pytest.raises(ValueError, match=r"batch_norm.*more than 1 value per channel.*\(1, 3\)"):
        F.batch_norm(tg.ones(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="batch_norm.*running_mean"):
        F.batch_norm(tg.ones(2, 3), None, None, training=False)
    with pytest.raises(ValueError, match=r"batch_norm.*\(5,\)"):
        F.batch_norm(tg.ones(5), None, None, training=True)
    with pytest.raises(TypeError, match="batch_norm.*float32.*float64"):
        F.batch_norm(tg.ones(2, 3, dtype=numpy.float64), None, None, tg.ones(3), training=True)


# ------------------------------------------------------------ layer norm

def _reference_ln(x, k, w, b, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mu) / numpy.sqrt(var + eps) * w + b


@settings(max_examples=10, deadline=None)
@given(shape=tst.shapes(min_dims=2, max_dims=4, max_side=3), k=st.integers(1, 3), data=st.data())
def test_layer_norm_matches_reference_to_second_order(shape, k, data):
    k = min(k, len(shape) - 1)
    x = data.draw(tst.arrays(shape))
    norm_shape = shape[len(shape) - k:]
    w = data.draw(tst.arrays(norm_shape, low=0.5, high=1.5))
    b = data.draw(tst.arrays(norm_shape))
    got = F.layer_norm(tg.tensor(x), norm_shape, tg.tensor(w), tg.tensor(b))
    numpy.testing.assert_allclose(got.numpy(), _reference_ln(x, k, w, b), rtol=1e-9, atol=1e-9)
    if numpy.prod(norm_shape) < 2:
        return  # a single value normalises to 0 whatever it is: nothing to differentiate

    def fn(x, w, b):
        return F.layer_norm(x, norm_shape, w, b)
    xs = [_leaf(a) for a in (x, w, b)]
    assert gradcheck(fn, xs, atol=1e-4)
    assert gradgradcheck(fn, xs, atol=1e-4)


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"layer_norm.*\(4,\).*\(2, 3\)"):
        F.layer_norm(tg.ones(2, 3), 4)
    with pytest.raises(ValueError, match=r"layer_norm.*weight.*\(2,\)"):
        F.layer_norm(tg.ones(2, 3), 3, weight=tg.ones(2))


def test_layer_norm_first_order_kernel_matches_composite_backward():
    rng = numpy.random.default_rng(8)
    x, w, b = rng.standard_normal((3, 2, 3, 2)), rng.uniform(0.5, 1.5, (2, 3, 2)), \
        rng.standard_normal((2, 3, 2))
    gy = rng.standard_normal(x.shape)
    results = []
    for create_graph in (False, True):
        xs = [_leaf(a) for a in (x, w, b)]
        y = F.layer_norm(xs[0], (2, 3, 2), xs[1], xs[2])
        grads = tg.grad(y, xs, grad_outputs=tg.tensor(gy), create_graph=create_graph)
        results.append([r.numpy() for r in grads])
    for fast, composite in zip(*results):
        numpy.testing.assert_allclose(fast, composite, rtol=1e-10, atol=1e-12)


def test_layer_norm_of_a_conv_output_to_second_order():
    """Conv outputs are channels-last views on the CPU; layer norm takes them as they are."""
    rng = numpy.random.default_rng(9)
    x, k = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((3, 2, 2, 2))
    w, b = rng.uniform(0.5, 1.5, (3, 2, 2)), rng.standard_normal((3, 2, 2))

    def fn(x, k, w, b):
        return F.layer_norm(F.conv2d(x, k), (3, 2, 2), w, b)
    assert gradgradcheck(fn, [_leaf(a) for a in (x, k, w, b)], atol=1e-4)
