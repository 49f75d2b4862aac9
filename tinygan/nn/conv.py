"""Convolution layers with PyTorch's parameters, names and initialisation."""
import math

from .. import functional as F
from ..tensor import zeros
from . import init
from .module import Module, Parameter


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """Shared set-up: weight of ``weight_shape`` ~ kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias ~ the same U, fan_in taken from
    the weight as PyTorch does (weight.shape[1] * kh * kw)."""

    def __init__(self, weight_shape, in_channels, out_channels, kernel_size, stride, padding,
                 dilation, bias, dtype, device):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.padding, self.dilation = _pair(padding), _pair(dilation)
        self.weight = Parameter(zeros(*weight_shape(self.kernel_size), dtype=dtype, device=device))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = None
        if bias:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            self.bias = Parameter(zeros(out_channels, dtype=dtype, device=device))
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"bias={self.bias is not None}")


class Conv2d(_ConvNd):
    """y = conv2d(x, weight, bias) with weight (out_channels, in_channels, kH, kW)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 bias=True, dtype=None, device="cpu"):
        super().__init__(lambda k: (out_channels, in_channels) + k, in_channels, out_channels,
                         kernel_size, stride, padding, dilation, bias, dtype, device)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class ConvTranspose2d(_ConvNd):
    """y = conv_transpose2d(x, weight, bias) with weight (in_channels, out_channels, kH, kW)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, bias=True, dilation=1, dtype=None, device="cpu"):
        super().__init__(lambda k: (in_channels, out_channels) + k, in_channels, out_channels,
                         kernel_size, stride, padding, dilation, bias, dtype, device)
        self.output_padding = _pair(output_padding)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.dilation)

    def extra_repr(self):
        return super().extra_repr() + f", output_padding={self.output_padding}"
