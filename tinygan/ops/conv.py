"""2-D convolution and transposed convolution, differentiable to any order.

Three Functions whose backwards are each other (``g`` the geometry, fixing
kernel, stride, padding, dilation and both spatial sizes):

    Conv2d:           y  = conv(x, W) + b
                      dx = ConvTranspose2d(gy, W),  dW = Conv2dWeightGrad(x, gy),  db = sum gy
    ConvTranspose2d:  y  = conv^T(x, W) + b      (the adjoint of conv in its input)
                      dx = Conv2d(gy, W),           dW = Conv2dWeightGrad(gy, x),  db = sum gy
    Conv2dWeightGrad: gW = corr(x, gy)            (bilinear: <gW, V> = <gy, conv(x, V)>)
                      dx = ConvTranspose2d(gy, ggW), dgy = Conv2d(x, ggW)

Every size is passed explicitly through the geometry, so a transposed conv
whose output size is not reproduced by a conv (output_padding) needs no
special case at any order. Weight layouts follow PyTorch: conv
(C_out, C_in, kh, kw), transposed conv (C_in, C_out, kh, kw).
"""
import numpy

from .. import backend
from ..autograd import Function
from ..kernels import conv as kernels
from ..kernels.conv import ConvGeometry, conv_output_size
from .reduce import sum as _sum


def _bias_grad(gy):
    return _sum(gy, axis=(0, 2, 3))


class MemoryOrder(Function):
    """y = x, with y's memory laid out in the axis order ``order`` (outermost first).

    Only the layout changes, so the gradient passes through unchanged. The
    CPU kernels read channels-last data without copying; converting a
    gradient once here saves each of its consumers a copy.
    """

    def __init__(self, order):
        self.order = tuple(order)

    def forward(self, x):
        inverse = tuple(int(i) for i in numpy.argsort(self.order))
        xp = backend.get_array_module(x)
        return xp.ascontiguousarray(x.transpose(self.order)).transpose(inverse)

    def backward(self, gy):
        return gy


def laid_out(t, order):
    """t with its CPU memory in axis order ``order``: t itself when it already is
    (or lives on the GPU, whose kernels are channels-first), else a MemoryOrder copy."""
    if t.device != "cpu" or t.data.transpose(order).flags.c_contiguous:
        return t
    return MemoryOrder(order)(t)


CHANNELS_LAST = (0, 2, 3, 1)


class Conv2d(Function):
    """y = conv(x, W) (+ b) with geometry g. ``cols`` may carry x's patch
    matrix when the caller already has it; it is kept for dW."""

    def __init__(self, geometry, cols=None):
        self.geometry, self.cols = geometry, cols

    def forward(self, x, w, b=None):
        y, self.cols = kernels.conv2d(x, w, b, self.geometry, self.cols)
        return y

    def backward(self, gy):
        x, w = self.inputs[:2]
        need = self.needs_input_grad
        if need[0] and need[1]:
            gy = laid_out(gy, CHANNELS_LAST)       # one layout change shared by both products
        gx = ConvTranspose2d(self.geometry)(gy, w) if need[0] else None
        gw = Conv2dWeightGrad(self.geometry, self.cols)(x, gy) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, _bias_grad(gy) if need[2] else None


class ConvTranspose2d(Function):
    """y = conv^T(x, W) (+ b): x lives on the conv's output grid, y on its input grid."""

    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x, w, b=None):
        return kernels.conv_transpose2d(x, w, b, self.geometry)

    def backward(self, gy):
        x, w = self.inputs[:2]
        need = self.needs_input_grad
        cols = kernels.lower(gy.data, self.geometry) if need[0] and need[1] else None
        gx = Conv2d(self.geometry, cols)(gy, w) if need[0] else None
        gw = Conv2dWeightGrad(self.geometry, cols)(gy, x) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, _bias_grad(gy) if need[2] else None


class Conv2dWeightGrad(Function):
    """gW[o, c, i, j] = sum_{n, a, b} gy[n, o, a, b] x_pad[n, c, a s + i d, b s + j d]."""

    def __init__(self, geometry, cols=None):
        self.geometry, self.cols = geometry, cols

    def forward(self, x, gy):
        if self.cols is None:
            self.cols = kernels.lower(x, self.geometry)
        return kernels.conv2d_weight_grad(x, gy, self.geometry, self.cols)

    def backward(self, ggw):
        x, gy = self.inputs
        need = self.needs_input_grad
        gx = ConvTranspose2d(self.geometry)(gy, ggw) if need[0] else None
        ggy = Conv2d(self.geometry, self.cols)(x, ggw) if need[1] else None
        return gx, ggy


# ------------------------------------------------------------ argument checks

def _pair(name, what, value):
    if isinstance(value, int):
        return (value, value)
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name}: {what} must be an int or a pair of ints, got {value!r}")
    return value


def _check_inputs(name, x, w, b, weight_in_axis):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W), got shape {tuple(x.shape)}")
    if w.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D weight, got shape {tuple(w.shape)}")
    dtypes = {t.dtype for t in (x, w, b) if t is not None}
    if len(dtypes) > 1:
        shapes = ", ".join(f"{t.dtype} {tuple(t.shape)}" for t in (x, w, b) if t is not None)
        raise TypeError(f"{name}: input, weight and bias must share one dtype, got {shapes}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating input, got {x.dtype}")
    if x.shape[1] != w.shape[weight_in_axis]:
        raise ValueError(f"{name}: input of shape {tuple(x.shape)} has {x.shape[1]} channels but "
                         f"the weight of shape {tuple(w.shape)} expects {w.shape[weight_in_axis]}")
    out_channels = w.shape[1 - weight_in_axis]
    if b is not None and tuple(b.shape) != (out_channels,):
        raise ValueError(f"{name}: bias of shape {tuple(b.shape)} does not match the "
                         f"{out_channels} output channels of the weight {tuple(w.shape)}")


def _check_positive(name, **pairs):
    for what, pair in pairs.items():
        if min(pair) < 1:
            raise ValueError(f"{name}: {what} must be positive, got {pair}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation, as torch.nn.functional.conv2d:

    y[n, o, a, b] = bias[o] + sum_{c, i, j} weight[o, c, i, j] x_pad[n, c, a s + i d, b s + j d]

    with x = input (N, C_in, H, W), weight (C_out, C_in, kH, kW), zero padding p,
    stride s and dilation d; the output has size floor((H + 2p - d(k-1) - 1)/s) + 1.
    """
    x, name = input, "conv2d"
    stride, padding = _pair(name, "stride", stride), _pair(name, "padding", padding)
    dilation = _pair(name, "dilation", dilation)
    _check_inputs(name, x, weight, bias, 1)
    _check_positive(name, stride=stride, dilation=dilation)
    if min(padding) < 0:
        raise ValueError(f"{name}: padding must be non-negative, got {padding}")
    kernel = tuple(weight.shape[2:])
    in_size = tuple(x.shape[2:])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(h + 2 * p for h, p in zip(in_size, padding))
    if any(s > h for s, h in zip(span, padded)):
        raise ValueError(f"{name}: kernel of size {kernel} (dilated extent {span}) is larger than "
                         f"the padded input {padded} (input {tuple(x.shape)}, padding {padding})")
    out_size = conv_output_size(in_size, kernel, stride, padding, dilation)
    geometry = ConvGeometry(kernel, stride, padding, dilation, in_size, out_size)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d(geometry)(*inputs)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     dilation=1):
    """2-D transposed convolution, as torch.nn.functional.conv_transpose2d: the
    adjoint of conv2d in its input, with weight (C_in, C_out, kH, kW):

    y[n, o, a s - p + i d, b s - p + j d] += x[n, c, a, b] weight[c, o, i, j]   (+ bias[o])

    with x = input (N, C_in, H, W).

    The output has size (H - 1) s - 2p + d (k - 1) + output_padding + 1, and
    output_padding must be smaller than the stride or the dilation.
    """
    x, name = input, "conv_transpose2d"
    stride, padding = _pair(name, "stride", stride), _pair(name, "padding", padding)
    dilation = _pair(name, "dilation", dilation)
    output_padding = _pair(name, "output_padding", output_padding)
    _check_inputs(name, x, weight, bias, 0)
    _check_positive(name, stride=stride, dilation=dilation)
    if min(padding) < 0 or min(output_padding) < 0:
        raise ValueError(f"{name}: padding {padding} and output_padding {output_padding} "
                         f"must be non-negative")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise ValueError(f"{name}: output_padding {output_padding} must be smaller than "
                             f"either the stride {stride} or the dilation {dilation}")
    kernel = tuple(weight.shape[2:])
    in_size = tuple(x.shape[2:])
    out_size = tuple((h - 1) * s - 2 * p + d * (k - 1) + op + 1 for h, s, p, d, k, op in
                     zip(in_size, stride, padding, dilation, kernel, output_padding))
    if min(out_size) < 1:
        raise ValueError(f"{name}: input of shape {tuple(x.shape)} with kernel {kernel}, stride "
                         f"{stride}, padding {padding} and dilation {dilation} gives an output "
                         f"of size {out_size}, which is not positive")
    # The conv that this op is the adjoint of maps out_size back to in_size.
    geometry = ConvGeometry(kernel, stride, padding, dilation, out_size, in_size)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d(geometry)(*inputs)
