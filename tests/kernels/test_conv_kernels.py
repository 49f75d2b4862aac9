"""CPU convolution kernels against slow NumPy loops, in float32 and float64."""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

from tinygan.kernels import conv, cpu_conv
from tinygan.kernels.conv import ConvGeometry
from tests.kernels import reference
from tests.kernels.strategies import conv_cases

DTYPES = [numpy.float32, numpy.float64]
TOL = {numpy.float32: dict(rtol=1e-4, atol=1e-4), numpy.float64: dict(rtol=1e-10, atol=1e-10)}


def _geometry(case):
    out = reference.conv_output_size(case["size"], case["kernel"], case["stride"],
                                      case["padding"], case["dilation"])
    return ConvGeometry(case["kernel"], case["stride"], case["padding"], case["dilation"],
                        case["size"], out)


def _im2col_loops(x, g):
    """cols[(n, y, x), (i, j, c)] = x_pad[n, c, y s + i d, x s + j d], by loops."""
    n, c, h, w = x.shape
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    cols = numpy.zeros((n * oh * ow, kh * kw * c), dtype=x.dtype)
    for ni in range(n):
        for y in range(oh):
            for xo in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        hh = y * g.stride[0] - g.padding[0] + i * g.dilation[0]
                        ww = xo * g.stride[1] - g.padding[1] + j * g.dilation[1]
                        if 0 <= hh < h and 0 <= ww < w:
                            cols[(ni * oh + y) * ow + xo, (i * kw + j) * c:(i * kw + j + 1) * c] = \
                                x[ni, :, hh, ww]
    return cols


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=15, deadline=None)
@given(case=conv_cases(), seed=st.integers(0, 2 ** 16))
def test_im2col_and_its_adjoint(dtype, case, seed):
    rng = numpy.random.default_rng(seed)
    g = _geometry(case)
    x = rng.standard_normal((case["n"], case["c_in"]) + case["size"]).astype(dtype)
    cols = cpu_conv.im2col(cpu_conv.channels_last(x), g)
    numpy.testing.assert_array_equal(cols, _im2col_loops(x, g))
    other = rng.standard_normal(cols.shape).astype(dtype)
    back = cpu_conv.col2im(other, case["n"], case["c_in"], g).transpose(0, 3, 1, 2)
    # col2im is the adjoint of im2col: <col2im(C), x> = <C, im2col(x)>
    numpy.testing.assert_allclose(numpy.vdot(back, x), numpy.vdot(other, cols), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 1, 3, 5), (1, 17, 4, 3), (3, 40, 5, 7)])
def test_channels_last_layout(dtype, shape):
    x = numpy.random.default_rng(0).standard_normal(shape).astype(dtype)
    last = cpu_conv.channels_last(x)
    assert last.flags.c_contiguous
    numpy.testing.assert_array_equal(last, x.transpose(0, 2, 3, 1))
    view = cpu_conv.channels_first_view(last.reshape(-1, shape[1]), shape[0], *shape[2:])
    numpy.testing.assert_array_equal(view, x)
    again = cpu_conv.channels_last(view)       # already channels-last: no copy
    assert numpy.shares_memory(again, last)
    noncontig = numpy.asfortranarray(x)
    numpy.testing.assert_array_equal(cpu_conv.channels_last(noncontig), last)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(case=conv_cases(), bias=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_conv2d_and_weight_grad_match_loops(dtype, case, bias, seed):
    rng = numpy.random.default_rng(seed)
    g = _geometry(case)
    x = rng.standard_normal((case["n"], case["c_in"]) + case["size"]).astype(dtype)
    w = rng.standard_normal((case["c_out"], case["c_in"]) + case["kernel"]).astype(dtype)
    b = rng.standard_normal(case["c_out"]).astype(dtype) if bias else None
    y, cols = conv.conv2d(x, w, b, g)
    assert y.dtype == dtype
    ref = reference.conv2d(x.astype(numpy.float64), w.astype(numpy.float64),
                           None if b is None else b.astype(numpy.float64),
                           case["stride"], case["padding"], case["dilation"])
    numpy.testing.assert_allclose(y, ref, **TOL[dtype])
    gy = rng.standard_normal(y.shape).astype(dtype)
    gw_ref = reference.conv2d_weight_grad(x, gy, case["kernel"], case["stride"],
                                          case["padding"], case["dilation"])
    numpy.testing.assert_allclose(conv.conv2d_weight_grad(x, gy, g), gw_ref, **TOL[dtype])
    numpy.testing.assert_allclose(conv.conv2d_weight_grad(x, gy, g, cols), gw_ref, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(case=conv_cases(transposed=True), bias=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_conv_transpose2d_matches_loops(dtype, case, bias, seed):
    rng = numpy.random.default_rng(seed)
    x = rng.standard_normal((case["n"], case["c_in"]) + case["size"]).astype(dtype)
    w = rng.standard_normal((case["c_in"], case["c_out"]) + case["kernel"]).astype(dtype)
    b = rng.standard_normal(case["c_out"]).astype(dtype) if bias else None
    ref = reference.conv_transpose2d(x.astype(numpy.float64), w.astype(numpy.float64),
                                     None if b is None else b.astype(numpy.float64),
                                     case["stride"], case["padding"], case["output_padding"],
                                     case["dilation"])
    g = ConvGeometry(case["kernel"], case["stride"], case["padding"], case["dilation"],
                     ref.shape[2:], case["size"])
    y = conv.conv_transpose2d(x, w, b, g)
    assert y.shape == ref.shape and y.dtype == dtype
    numpy.testing.assert_allclose(y, ref, **TOL[dtype])


def test_conv2d_with_output_smaller_than_natural():
    """An explicit out_size crops the conv (used when output_padding >= stride)."""
    rng = numpy.random.default_rng(1)
    x, w = rng.standard_normal((2, 2, 7, 6)), rng.standard_normal((3, 2, 2, 3))
    g = ConvGeometry((2, 3), (1, 1), (1, 0), (2, 1), (7, 6), (5, 3))
    y, _ = conv.conv2d(x, w, None, g)
    full = reference.conv2d(x, w, None, (1, 1), (1, 0), (2, 1))
    assert full.shape[2:] == (7, 4)
    numpy.testing.assert_allclose(y, full[:, :, :5, :3], rtol=1e-12)


def test_dcgan_layer_shapes_in_float32():
    """The shapes the DCGAN-32 networks use, against the loops."""
    rng = numpy.random.default_rng(2)
    for (c, h, o, k, s, p) in [(1, 32, 8, 4, 2, 1), (16, 8, 4, 4, 2, 1), (12, 4, 1, 4, 1, 0)]:
        x = rng.standard_normal((3, c, h, h)).astype(numpy.float32)
        w = rng.standard_normal((o, c, k, k)).astype(numpy.float32)
        out = reference.conv_output_size((h, h), (k, k), (s, s), (p, p), (1, 1))
        g = ConvGeometry((k, k), (s, s), (p, p), (1, 1), (h, h), out)
        y, _ = conv.conv2d(x, w, None, g)
        numpy.testing.assert_allclose(y, reference.conv2d(x, w, None, (s, s), (p, p)),
                                      rtol=1e-4, atol=1e-4)
        u = rng.standard_normal(y.shape).astype(numpy.float32)
        back = conv.conv_transpose2d(u, w, None, g)
        ref = reference.conv_transpose2d(u.astype(numpy.float64), w.astype(numpy.float64),
                                         None, (s, s), (p, p))
        numpy.testing.assert_allclose(back, ref, rtol=1e-4, atol=1e-4)
