"""Average pooling and upsampling (nearest, bilinear), built from differentiable ops.

avg_pool2d is a convolution of each channel with a constant 1/(kh kw) kernel
(a reshape and a mean when the windows tile the input), nearest upsampling
is a broadcast, and bilinear upsampling is a product with a constant
interpolation matrix on each side, so all differentiate to any order
through the ops they are made of.
"""
import numpy

from .. import backend
from ..tensor import Tensor
from .conv import _pair, conv2d
from .linalg import matmul
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
    """Upsampling by an integer factor s per axis.

    mode="nearest":  y[n, c, a, b] = x[n, c, floor(a / s_h), floor(b / s_w)].
    mode="bilinear": y = A_h x A_w^T, where row a of A_h weighs the two input
    rows nearest to the source coordinate (a + 1/2) / s_h - 1/2 (clamped to
    the image) linearly, as torch's bilinear mode with align_corners=False.
    At s = 2 it is nearest upsampling followed by the blur [1, 2, 1] / 4 per
    axis, i.e. the [1, 3, 3, 1] upsampling filter of StyleGAN2.

    Give either ``scale_factor`` (an int or a pair) or an output ``size``
    that is an integer multiple of the input size.
    """
    x, name = input, "interpolate"
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{name}: mode must be 'nearest' or 'bilinear', got {mode!r}")
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
    if mode == "bilinear":
        xp = backend.get_array_module(x.data)
        rows, cols = (Tensor(xp.asarray(_bilinear_matrix(size, s), dtype=x.dtype))
                      for size, s in ((h, sh), (w, sw)))
        return matmul(matmul(rows, x), cols.T)
    spread = broadcast_to(reshape(x, (n, c, h, 1, w, 1)), (n, c, h, sh, w, sw))
    return reshape(spread, (n, c, h * sh, w * sw))


def _bilinear_matrix(size, factor):
    """A (size * factor, size): row j interpolates linearly at source coordinate
    (j + 1/2) / factor - 1/2, clamped to [0, size - 1]."""
    source = numpy.clip((numpy.arange(size * factor) + 0.5) / factor - 0.5, 0, size - 1)
    low = numpy.floor(source).astype(int)
    high = numpy.minimum(low + 1, size - 1)
    frac = source - low
    matrix = numpy.zeros((size * factor, size))
    rows = numpy.arange(size * factor)
    numpy.add.at(matrix, (rows, low), 1 - frac)
    numpy.add.at(matrix, (rows, high), frac)
    return matrix


upsample = interpolate
