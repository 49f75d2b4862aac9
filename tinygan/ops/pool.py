"""Average pooling and nearest-neighbour upsampling, built from differentiable ops.

avg_pool2d is a convolution of each channel with a constant 1/(kh kw) kernel
(a reshape and a mean when the windows tile the input), and nearest
upsampling is a broadcast, so both differentiate to any order through the
ops they are made of.
"""
from .. import backend
from ..tensor import Tensor
from .conv import _pair, conv2d
from .reduce import mean
from .shape import broadcast_to, getitem, reshape


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """Mean over each kh x kw window, as torch.nn.functional.avg_pool2d (zero padding
    counted in the mean, floor output size):

    y[n, c, a, b] = 1/(kh kw) sum_{i, j} x_pad[n, c, a s + i, b s + j].

    ``stride`` defaults to the kernel size; padding is at most half the kernel.
    """
    x, name = input, "avg_pool2d"
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W), got shape {tuple(x.shape)}")
    kernel = _pair(name, "kernel_size", kernel_size)
    stride = kernel if stride is None else _pair(name, "stride", stride)
    padding = _pair(name, "padding", padding)
    if min(kernel) < 1 or min(stride) < 1:
        raise ValueError(f"{name}: kernel_size {kernel} and stride {stride} must be positive")
    if any(p < 0 or 2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{name}: padding {padding} must be between 0 and half the kernel "
                         f"size {kernel}")
    n, c, h, w = x.shape
    if stride == kernel and padding == (0, 0) and h >= kernel[0] and w >= kernel[1]:
        return _tiled_mean(x, kernel)
    xp = backend.get_array_module(x.data)
    weight = Tensor(xp.full((1, 1) + kernel, 1.0 / (kernel[0] * kernel[1]), dtype=x.dtype))
    y = conv2d(reshape(x, (n * c, 1, h, w)), weight, stride=stride, padding=padding)
    return reshape(y, (n, c) + y.shape[2:])


def _tiled_mean(x, kernel):
    """Non-overlapping windows: crop to whole windows, then average each one."""
    n, c, h, w = x.shape
    (kh, kw) = kernel
    oh, ow = h // kh, w // kw
    if (oh * kh, ow * kw) != (h, w):
        x = getitem(x, (slice(None), slice(None), slice(0, oh * kh), slice(0, ow * kw)))
    return mean(reshape(x, (n, c, oh, kh, ow, kw)), axis=(3, 5))


def interpolate(input, size=None, scale_factor=None, mode="nearest"):
    """Nearest-neighbour upsampling by an integer factor s per axis:
    y[n, c, a, b] = x[n, c, floor(a / s_h), floor(b / s_w)].

    Give either ``scale_factor`` (an int or a pair) or an output ``size``
    that is an integer multiple of the input size.
    """
    x, name = input, "interpolate"
    if mode != "nearest":
        raise ValueError(f"{name}: only mode='nearest' is supported, got {mode!r}")
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W), got shape {tuple(x.shape)}")
    n, c, h, w = x.shape
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{name}: give exactly one of size and scale_factor")
    if size is not None:
        size = _pair(name, "size", size)
        if size[0] % h or size[1] % w:
            raise ValueError(f"{name}: size {size} is not an integer multiple of the input "
                             f"size {(h, w)}")
        factor = (size[0] // h, size[1] // w)
    else:
        if isinstance(scale_factor, float) and scale_factor.is_integer():
            scale_factor = int(scale_factor)
        factor = _pair(name, "scale_factor", scale_factor)
    if min(factor) < 1:
        raise ValueError(f"{name}: scale factor must be a positive integer, got {factor}")
    sh, sw = factor
    spread = broadcast_to(reshape(x, (n, c, h, 1, w, 1)), (n, c, h, sh, w, sw))
    return reshape(spread, (n, c, h * sh, w * sw))


upsample = interpolate
