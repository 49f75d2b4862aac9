"""conv2d and conv_transpose2d: forward against NumPy loops, gradients to third order."""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

import tinygan as tg
import tinygan.functional as F
from tinygan.ops.conv import Conv2dWeightGrad
from tinygan.kernels.conv import ConvGeometry
from tinygan.testing import gradcheck, gradgradcheck
from tests.kernels import reference
from tests.kernels.strategies import conv_cases


def _leaf(a):
    return tg.tensor(numpy.asarray(a, dtype=numpy.float64), requires_grad=True)


def _conv_arrays(case, seed, transposed=False):
    rng = numpy.random.default_rng(seed)
    w_shape = ((case["c_in"], case["c_out"]) if transposed else (case["c_out"], case["c_in"])) \
        + case["kernel"]
    return (rng.standard_normal((case["n"], case["c_in"]) + case["size"]),
            rng.standard_normal(w_shape), rng.standard_normal(case["c_out"]))


def _conv_fn(case):
    def fn(x, w, b=None):
        return F.conv2d(x, w, b, case["stride"], case["padding"], case["dilation"])
    return fn


def _conv_t_fn(case):
    def fn(x, w, b=None):
        return F.conv_transpose2d(x, w, b, case["stride"], case["padding"],
                                  case["output_padding"], case["dilation"])
    return fn


@settings(max_examples=25, deadline=None)
@given(case=conv_cases(), seed=st.integers(0, 2 ** 16))
def test_forward_matches_loops(case, seed):
    x, w, b = _conv_arrays(case, seed)
    y = _conv_fn(case)(tg.tensor(x), tg.tensor(w), tg.tensor(b))
    ref = reference.conv2d(x, w, b, case["stride"], case["padding"], case["dilation"])
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(case=conv_cases(transposed=True), seed=st.integers(0, 2 ** 16))
def test_transposed_forward_matches_loops(case, seed):
    x, w, b = _conv_arrays(case, seed, transposed=True)
    y = _conv_t_fn(case)(tg.tensor(x), tg.tensor(w), tg.tensor(b))
    ref = reference.conv_transpose2d(x, w, b, case["stride"], case["padding"],
                                     case["output_padding"], case["dilation"])
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(case=conv_cases(max_side=5, max_channels=2), bias=st.booleans(), seed=st.integers(0, 99))
def test_conv2d_first_and_second_order(case, bias, seed):
    arrays = _conv_arrays(case, seed)
    xs = [_leaf(a) for a in (arrays if bias else arrays[:2])]
    assert gradcheck(_conv_fn(case), xs)
    assert gradgradcheck(_conv_fn(case), xs)


@settings(max_examples=15, deadline=None)
@given(case=conv_cases(max_side=4, max_channels=2, transposed=True), bias=st.booleans(),
       seed=st.integers(0, 99))
def test_conv_transpose2d_first_and_second_order(case, bias, seed):
    arrays = _conv_arrays(case, seed, transposed=True)
    xs = [_leaf(a) for a in (arrays if bias else arrays[:2])]
    assert gradcheck(_conv_t_fn(case), xs)
    assert gradgradcheck(_conv_t_fn(case), xs)


@pytest.mark.parametrize("stride,dilation,output_padding", [(2, 1, 1), (1, 2, 1), (3, 1, 2)])
def test_output_padding_sizes_to_second_order(stride, dilation, output_padding):
    """Output sizes a conv cannot reproduce from the input size (incl. output_padding >= stride,
    allowed because it is below the dilation)."""
    rng = numpy.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 3, 2)), rng.standard_normal((2, 1, 2, 2))

    def fn(x, w):
        return F.conv_transpose2d(x, w, stride=stride, padding=1, output_padding=output_padding,
                                  dilation=dilation)
    y = fn(tg.tensor(x), tg.tensor(w))
    ref = reference.conv_transpose2d(x, w, None, (stride,) * 2, (1, 1), (output_padding,) * 2,
                                     (dilation,) * 2)
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y.numpy(), ref, rtol=1e-12)
    assert gradgradcheck(fn, [_leaf(x), _leaf(w)])


def test_weight_grad_op_to_second_order():
    rng = numpy.random.default_rng(4)
    # natural output (3, 1); (2, 1) crops a row, as a conv feeding output_padding does
    x, gy = rng.standard_normal((2, 2, 4, 3)), rng.standard_normal((2, 3, 2, 1))
    g = ConvGeometry((2, 2), (2, 1), (1, 0), (1, 2), (4, 3), (2, 1))

    def fn(x, gy):
        return Conv2dWeightGrad(g)(x, gy)
    ref = reference.conv2d_weight_grad(x, gy, (2, 2), (2, 1), (1, 0), (1, 2))
    numpy.testing.assert_allclose(fn(tg.tensor(x), tg.tensor(gy)).numpy(), ref, rtol=1e-12)
    assert gradcheck(fn, [_leaf(x), _leaf(gy)])
    assert gradgradcheck(fn, [_leaf(x), _leaf(gy)])


@pytest.mark.parametrize("transposed", [False, True])
def test_third_order(transposed):
    """gradcheck of a second derivative: checks the third derivatives of a loss
    that is cubic in the conv output."""
    rng = numpy.random.default_rng(5)
    if transposed:
        x, w = rng.standard_normal((1, 2, 2, 2)), rng.standard_normal((2, 1, 3, 2))

        def conv(x, w):
            return F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    else:
        x, w = rng.standard_normal((1, 2, 4, 3)), rng.standard_normal((2, 2, 2, 2))

        def conv(x, w):
            return F.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2))

    def second_derivative(x, w):
        y = conv(x, w)
        gx, gw = tg.grad((y * y * y).sum(), [x, w], create_graph=True)
        return tg.grad((gx * gx).sum() + (gw * gw * gw).sum(), [x, w], create_graph=True)

    assert gradcheck(second_derivative, [_leaf(x), _leaf(w)], atol=1e-4)


def test_transposed_conv_is_the_adjoint_of_conv():
    rng = numpy.random.default_rng(6)
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    y = F.conv2d(tg.tensor(x), tg.tensor(w), stride=2, padding=1, dilation=(1, 2))
    u = rng.standard_normal(y.shape)
    back = F.conv_transpose2d(tg.tensor(u), tg.tensor(w), stride=2, padding=1, dilation=(1, 2),
                              output_padding=(0, 1))
    assert back.shape == x.shape
    numpy.testing.assert_allclose(numpy.vdot(back.numpy(), x), numpy.vdot(u, y.numpy()), rtol=1e-12)


def test_float32_and_bias_gradient():
    x = tg.randn(2, 3, 5, 5, requires_grad=True)
    w = tg.randn(4, 3, 3, 3, requires_grad=True)
    b = tg.randn(4, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.dtype == numpy.float32 and y.shape == (2, 4, 5, 5)
    y.sum().backward()
    numpy.testing.assert_allclose(b.grad.numpy(), numpy.full(4, 50.0))
    assert x.grad.dtype == numpy.float32 and w.grad.shape == w.shape


def test_no_gradient_for_inputs_that_do_not_need_it():
    x = tg.randn(1, 2, 4, 4)
    w = tg.randn(3, 2, 3, 3, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad is not None


# ------------------------------------------------------------ errors

def test_channel_mismatch():
    with pytest.raises(ValueError, match=r"conv2d.*\(1, 3, 5, 5\).*3 channels.*\(4, 2, 3, 3\).*2"):
        F.conv2d(tg.ones(1, 3, 5, 5), tg.ones(4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d.*\(1, 3, 5, 5\).*\(2, 4, 3, 3\)"):
        F.conv_transpose2d(tg.ones(1, 3, 5, 5), tg.ones(2, 4, 3, 3))


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: kernel.*\(5, 5\).*larger than the padded input "
                                         r"\(4, 6\).*\(1, 1, 2, 4\)"):
        F.conv2d(tg.ones(1, 1, 2, 4), tg.ones(1, 1, 5, 5), padding=1)
    with pytest.raises(ValueError, match=r"conv2d: kernel.*dilated extent \(5, 5\)"):
        F.conv2d(tg.ones(1, 1, 4, 4), tg.ones(1, 1, 3, 3), dilation=2)


def test_non_positive_output_size():
    with pytest.raises(ValueError, match=r"conv_transpose2d.*\(1, 1, 1, 1\).*output of size "
                                         r"\(-2, -2\).*not positive"):
        F.conv_transpose2d(tg.ones(1, 1, 1, 1), tg.ones(1, 1, 2, 2), padding=2)


def test_output_padding_not_smaller_than_stride_or_dilation():
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 2\).*stride "
                                         r"\(2, 2\).*dilation \(1, 1\)"):
        F.conv_transpose2d(tg.ones(1, 1, 3, 3), tg.ones(1, 1, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(tg.ones(1, 1, 3, 3), tg.ones(1, 1, 3, 3), output_padding=1)


def test_mixed_dtypes():
    x64 = tg.ones(1, 1, 3, 3, dtype=numpy.float64)
    with pytest.raises(TypeError, match=r"conv2d.*float64 \(1, 1, 3, 3\).*float32 \(1, 1, 2, 2\)"):
        F.conv2d(x64, tg.ones(1, 1, 2, 2))
    with pytest.raises(TypeError, match=r"conv_transpose2d.*float32 \(1,\)"):
        F.conv_transpose2d(x64, tg.ones(1, 1, 2, 2, dtype=numpy.float64), tg.ones(1))


def test_wrong_ndim():
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input.*\(3, 5, 5\)"):
        F.conv2d(tg.ones(3, 5, 5), tg.ones(1, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 4-D weight.*\(3, 3\)"):
        F.conv_transpose2d(tg.ones(1, 3, 5, 5), tg.ones(3, 3))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive.*\(0, 0\)"):
        F.conv2d(tg.ones(1, 1, 3, 3), tg.ones(1, 1, 2, 2), stride=0)
    with pytest.raises(ValueError, match=r"conv2d: padding must be an int or a pair"):
        F.conv2d(tg.ones(1, 1, 3, 3), tg.ones(1, 1, 2, 2), padding=(1, 1, 1))
    with pytest.raises(ValueError, match=r"conv2d: bias of shape \(2,\).*3 output channels"):
        F.conv2d(tg.ones(1, 1, 3, 3), tg.ones(3, 1, 2, 2), tg.ones(2))
