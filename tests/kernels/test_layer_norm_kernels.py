"""CPU layer-norm kernels against per-sample NumPy loops, C order and channels-last."""
import numpy
import pytest

from tinygan.kernels import norm
from tests.kernels import reference


def _channels_last(a):
    return numpy.moveaxis(numpy.ascontiguousarray(numpy.moveaxis(a, 1, -1)), -1, 1)


CASES = [((3, 5), 1, False), ((2, 3, 4), 2, False), ((4, 3, 2, 2), 3, False),
         ((4, 3, 2, 2), 3, True), ((2, 5, 1, 3), 3, True), ((2, 3, 4, 2), 1, False),
         ((2, 3, 4, 2), 2, True)]


@pytest.mark.parametrize("dtype,tol", [(numpy.float64, 1e-10), (numpy.float32, 1e-4)])
@pytest.mark.parametrize("shape,k,channels_last", CASES)
def test_layer_norm_forward_and_backward(dtype, tol, shape, k, channels_last):
    rng = numpy.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    if channels_last:
        x = _channels_last(x)
    w = rng.uniform(0.5, 1.5, shape[len(shape) - k:]).astype(dtype)
    b = rng.standard_normal(w.shape).astype(dtype)
    y, mean, rstd = norm.layer_norm_forward(x, w, b, k, 1e-5)
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_allclose(y, reference.layer_norm(x, w, b, k, 1e-5), rtol=tol, atol=tol)
    gy = rng.standard_normal(shape).astype(dtype)
    got = norm.layer_norm_backward(gy, x, mean, rstd, w, k)
    for g, r in zip(got, reference.layer_norm_backward(gy, x, w, k, 1e-5)):
        assert g.dtype == dtype and g.shape == r.shape
        numpy.testing.assert_allclose(g, r, rtol=tol, atol=tol)


def test_channels_last_input_keeps_its_layout_and_large_means_stay_accurate():
    x = _channels_last(numpy.random.default_rng(1).standard_normal((3, 4, 2, 5)) + 1e4)
    w, b = numpy.ones((4, 2, 5)), numpy.zeros((4, 2, 5))
    y, _, _ = norm.layer_norm_forward(x, w, b, 3, 1e-5)
    assert numpy.moveaxis(y, 1, -1).flags.c_contiguous
    numpy.testing.assert_allclose(y, reference.layer_norm(x, w, b, 3, 1e-5), atol=1e-8)
