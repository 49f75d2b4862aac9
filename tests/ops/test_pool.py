"""avg_pool2d, nearest and bilinear upsampling: forward against NumPy loops, gradients to second
order."""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

import tinygan as tg
import tinygan.functional as F
from tinygan.testing import gradcheck, gradgradcheck
from tinygan.testing import strategies as tst


def _leaf(a):
    return tg.tensor(numpy.asarray(a, dtype=numpy.float64), requires_grad=True)


def _avg_pool_loops(x, k, s, p):
    n, c, h, w = x.shape
    xp = numpy.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh, ow = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    y = numpy.zeros((n, c, oh, ow))
    for a in range(oh):
        for b in range(ow):
            window = xp[:, :, a * s[0]: a * s[0] + k[0], b * s[1]: b * s[1] + k[1]]
            y[:, :, a, b] = window.mean(axis=(2, 3))
    return y


@st.composite
def _pool_cases(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    size = tuple(draw(st.integers(max(1, kk - 2 * pp), 5)) for kk, pp in zip(k, p))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size
    return shape, k, s, p


@settings(max_examples=15, deadline=None)
@given(case=_pool_cases(), data=st.data())
def test_avg_pool2d(case, data):
    shape, k, s, p = case
    x = data.draw(tst.arrays(shape))

    def fn(t):
        return F.avg_pool2d(t, k, s, p)
    numpy.testing.assert_allclose(fn(tg.tensor(x)).numpy(), _avg_pool_loops(x, k, s, p), rtol=1e-12,
                                  atol=1e-12)
    assert gradcheck(fn, [_leaf(x)])
    assert gradgradcheck(fn, [_leaf(x)])


@pytest.mark.parametrize("shape,k", [((2, 3, 4, 6), (2, 3)), ((1, 2, 5, 7), (2, 2))])
def test_avg_pool2d_tiled_path_matches_the_conv_path(shape, k):
    """stride == kernel without padding takes a reshape-and-mean path (odd sizes cropped)."""
    x = numpy.random.default_rng(1).standard_normal(shape)
    tiled = F.avg_pool2d(tg.tensor(x), k)
    numpy.testing.assert_allclose(tiled.numpy(), _avg_pool_loops(x, k, k, (0, 0)), rtol=1e-12)
    assert gradgradcheck(lambda t: F.avg_pool2d(t, k), [_leaf(x)])


def test_avg_pool2d_default_stride_is_the_kernel():
    x = numpy.arange(2 * 3 * 4 * 6, dtype=numpy.float64).reshape(2, 3, 4, 6)
    y = F.avg_pool2d(tg.tensor(x), 2)
    assert y.shape == (2, 3, 2, 3)
    numpy.testing.assert_allclose(y.numpy(), x.reshape(2, 3, 2, 2, 3, 2).mean(axis=(3, 5)))


def _bilinear_loops(x, sh, sw):
    """Each output pixel from its source coordinate (a + 1/2) / s - 1/2, clamped, one at a time."""
    n, c, h, w = x.shape
    y = numpy.zeros((n, c, h * sh, w * sw))
    for a in range(h * sh):
        for b in range(w * sw):
            u = min(max((a + 0.5) / sh - 0.5, 0.0), h - 1)
            v = min(max((b + 0.5) / sw - 0.5, 0.0), w - 1)
            i, j = int(u), int(v)
            i1, j1 = min(i + 1, h - 1), min(j + 1, w - 1)
            fu, fv = u - i, v - j
            y[:, :, a, b] = ((1 - fu) * (1 - fv) * x[:, :, i, j] + (1 - fu) * fv * x[:, :, i, j1]
                             + fu * (1 - fv) * x[:, :, i1, j] + fu * fv * x[:, :, i1, j1])
    return y


def _nearest_repeats(x, sh, sw):
    return x.repeat(sh, axis=2).repeat(sw, axis=3)


# (mode, reference, tolerance): nearest upsampling copies values, so it must match exactly
@pytest.mark.parametrize("mode,reference,tol", [("nearest", _nearest_repeats, 0.0),
                                                ("bilinear", _bilinear_loops, 1e-12)])
@settings(max_examples=10, deadline=None)
@given(shape=tst.shapes(min_dims=4, max_dims=4, max_side=3), sh=st.integers(1, 3),
       sw=st.integers(1, 3), data=st.data())
def test_upsampling(mode, reference, tol, shape, sh, sw, data):
    x = data.draw(tst.arrays(shape))

    def fn(t):
        return F.interpolate(t, scale_factor=(sh, sw), mode=mode)
    numpy.testing.assert_allclose(fn(tg.tensor(x)).numpy(), reference(x, sh, sw), rtol=tol,
                                  atol=tol)
    assert gradcheck(fn, [_leaf(x)])
    assert gradgradcheck(fn, [_leaf(x)])


def test_bilinear_doubling_is_nearest_doubling_then_a_121_blur():
    """StyleGAN2's [1, 3, 3, 1] upsampling filter, with the edge rows repeated."""
    x = numpy.random.default_rng(2).standard_normal((2, 3, 4, 5))
    u = numpy.pad(x.repeat(2, axis=2).repeat(2, axis=3), ((0, 0), (0, 0), (1, 1), (1, 1)),
                  mode="edge")
    u = (u[:, :, :-2] + 2 * u[:, :, 1:-1] + u[:, :, 2:]) / 4
    u = (u[..., :-2] + 2 * u[..., 1:-1] + u[..., 2:]) / 4
    y = F.interpolate(tg.tensor(x), scale_factor=2, mode="bilinear").numpy()
    numpy.testing.assert_allclose(y, u, rtol=1e-12, atol=1e-12)


def test_interpolate_by_size_and_float_factor():
    x = tg.randn(1, 2, 3, 2)
    a = F.interpolate(x, size=(6, 6))
    b = F.interpolate(x, scale_factor=(2, 3))
    c = F.upsample(x, scale_factor=2.0)
    numpy.testing.assert_array_equal(a.numpy(), b.numpy())
    assert c.shape == (1, 2, 6, 4)


def test_pool_errors():
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 2\).*half.*\(3, 3\)"):
        F.avg_pool2d(tg.ones(1, 1, 5, 5), 3, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: expected a 4-D input.*\(5, 5\)"):
        F.avg_pool2d(tg.ones(5, 5), 2)
    with pytest.raises(ValueError, match="interpolate: mode must be 'nearest' or 'bilinear'"):
        F.interpolate(tg.ones(1, 1, 2, 2), scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"interpolate: scale_factor must be an int"):
        F.interpolate(tg.ones(1, 1, 2, 2), scale_factor=1.5)
    with pytest.raises(ValueError, match=r"interpolate: size \(5, 4\) is not an integer multiple"):
        F.interpolate(tg.ones(1, 1, 2, 2), size=(5, 4))
    with pytest.raises(ValueError, match="interpolate: give exactly one"):
        F.interpolate(tg.ones(1, 1, 2, 2))
