"""CPU batch-norm kernels against per-channel NumPy loops, in both memory layouts."""
import numpy
import pytest

from tinygan.kernels import norm
from tests.kernels import reference


def _in_layout(a, layout):
    """a (N, C, ...) with the same values, stored channels-first ("planes") or
    channels-last ("rows")."""
    if layout == "planes" or a.ndim == 2:
        return numpy.ascontiguousarray(a)
    return numpy.moveaxis(numpy.ascontiguousarray(numpy.moveaxis(a, 1, -1)), -1, 1)


def _is_channels_last(a):
    return numpy.moveaxis(a, 1, -1).flags.c_contiguous


@pytest.mark.parametrize("dtype,tol", [(numpy.float64, 1e-10), (numpy.float32, 1e-4)])
@pytest.mark.parametrize("shape", [(2, 3), (64, 3), (5, 1, 7), (4, 6, 3, 3), (2, 17, 2, 5)])
@pytest.mark.parametrize("layout,gy_layout", [("planes", "planes"), ("rows", "rows"),
                                              ("rows", "planes")])
def test_batch_norm_forward_and_backward(dtype, tol, shape, layout, gy_layout):
    rng = numpy.random.default_rng(0)
    x = _in_layout((rng.standard_normal(shape) * 2 + 3).astype(dtype), layout)
    gamma = rng.uniform(0.5, 1.5, shape[1]).astype(dtype)
    beta = rng.standard_normal(shape[1]).astype(dtype)
    y, mean, var = norm.batch_norm_forward(x, gamma, beta, 1e-5)
    y_ref, mean_ref, var_ref = reference.batch_norm(x, gamma, beta, 1e-5)
    assert y.dtype == dtype and y.shape == x.shape
    assert _is_channels_last(y) == _is_channels_last(x)        # the layout is kept
    numpy.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(mean, mean_ref, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(var, var_ref, rtol=tol, atol=tol)

    gy = _in_layout(rng.standard_normal(shape).astype(dtype), gy_layout)
    gx, ggamma, gbeta = norm.batch_norm_backward(gy, x, mean, 1 / numpy.sqrt(var + 1e-5), gamma)
    refs = reference.batch_norm_backward(gy, x, gamma, 1e-5)
    assert gx.shape == x.shape
    for got, ref in zip((gx, ggamma, gbeta), refs):
        assert got.dtype == dtype
        numpy.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("layout", ["planes", "rows"])
def test_batch_norm_forward_one_pass_is_accurate_for_large_means(layout):
    x = _in_layout(numpy.random.default_rng(1).standard_normal((16, 2, 4, 2)) + 1e4, layout)
    _, mean, var = norm.batch_norm_forward(x, numpy.ones(2), numpy.zeros(2), 1e-5)
    numpy.testing.assert_allclose(var, x.var(axis=(0, 2, 3)), rtol=1e-9)
    numpy.testing.assert_allclose(mean, x.mean(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("layout", ["planes", "rows"])
def test_nan_propagates(layout):
    x = numpy.ones((3, 2, 2, 1))
    x[1, 0, 1] = numpy.nan
    y, _, _ = norm.batch_norm_forward(_in_layout(x, layout), numpy.ones(2), numpy.zeros(2), 1e-5)
    assert numpy.isnan(y[:, 0]).all() and numpy.isfinite(y[:, 1]).all()
