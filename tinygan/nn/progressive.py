"""The layers of progressive growing (Karras, Aila, Laine, Lehtinen, "Progressive Growing
of GANs for Improved Quality, Stability, and Variation", ICLR 2018, section 3-4).

    pixel norm        b_{x,y} = a_{x,y} / sqrt(1/N sum_j (a^j_{x,y})^2 + eps)      (eq. in 4.2)
    minibatch stddev  one extra feature map: the standard deviation of every
                      feature at every position over the minibatch (or groups
                      of it), averaged                                           (section 3)
    equalised lr      w ~ N(0, 1), used as w_hat = w * c with c = gain / sqrt(fan_in) (4.1)

All three are built from differentiable Tensor ops, so they can be
differentiated twice (the R1 and path-length penalties need it).
"""
import math

from .. import functional as F
from ..ops.shape import concatenate
from ..tensor import zeros
from . import init
from .module import Module, Parameter


def pixel_norm(x, eps=1e-8):
    """b = a / sqrt(mean over channels of a^2 + eps), per sample and position (ProGAN 4.2)."""
    return x / ((x * x).mean(axis=1, keepdims=True) + eps).sqrt()


def splits_into_groups(n, group_size):
    """Whether a batch of n splits into ``minibatch_stddev``'s groups: always for group_size
    None (one group), else when n is a multiple of G = min(group_size, n) >= 1."""
    return group_size is None or (int(group_size) >= 1 and n % min(int(group_size), n) == 0)


def minibatch_stddev(x, eps=1e-8, group_size=None):
    """x (N, C, H, W) with one more channel: the mean over (C, H, W) of the batch std (ProGAN 3).

    sigma_{c,h,w} = sqrt(1/G sum_n (x_n - mean_n x)^2 + eps) over a group of G
    samples, s = mean sigma, then s is replicated into an (1, H, W) map for
    each sample of the group and concatenated to x. ``group_size`` None takes
    the whole minibatch as one group (the paper's text); the authors' code
    for ProGAN and StyleGAN2 uses groups of 4, sample i in group i mod (N / G),
    so that every sample gets a statistic of its own few neighbours.
    """
    n, c, h, w = x.shape
    if not splits_into_groups(n, group_size):
        raise ValueError(f"minibatch_stddev: a batch of {n} does not split into groups of "
                         f"{group_size}")
    g = n if group_size is None else min(int(group_size), n)
    groups = x.reshape(g, n // g, c, h, w)
    centred = groups - groups.mean(axis=0, keepdims=True)
    sigma = ((centred * centred).mean(axis=0) + eps).sqrt()            # (N / G, C, H, W)
    s = sigma.mean(axis=(1, 2, 3)).reshape(1, n // g, 1, 1, 1)
    return concatenate([x, s.broadcast_to(g, n // g, 1, h, w).reshape(n, 1, h, w)], axis=1)


class PixelNorm(Module):
    """``pixel_norm`` as a layer."""

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return pixel_norm(x, self.eps)


class MinibatchStdDev(Module):
    """``minibatch_stddev`` as a layer: adds one channel."""

    def __init__(self, eps=1e-8, group_size=None):
        super().__init__()
        self.eps, self.group_size = eps, group_size

    def forward(self, x):
        return minibatch_stddev(x, self.eps, self.group_size)


class EqualLinear(Module):
    """y = x (c W)^T + b with W ~ N(0, 1), c = gain / sqrt(in_features), b = 0 (ProGAN 4.1).

    ``lr_mul`` scales both W and b at runtime (StyleGAN's mapping network uses 0.01).
    """

    def __init__(self, in_features, out_features, bias=True, gain=math.sqrt(2), lr_mul=1.0,
                 bias_init=0.0, dtype=None, device="cpu"):
        super().__init__()
        self.in_features, self.out_features, self.lr_mul = in_features, out_features, lr_mul
        self.scale = gain / math.sqrt(in_features) * lr_mul
        self.weight = Parameter(zeros(out_features, in_features, dtype=dtype, device=device))
        init.normal_(self.weight, 0.0, 1.0 / lr_mul)
        self.bias = None
        if bias:
            self.bias = Parameter(zeros(out_features, dtype=dtype, device=device))
            init.constant_(self.bias, bias_init / lr_mul)

    def forward(self, x):
        bias = None if self.bias is None else self.bias * self.lr_mul
        return F.linear(x, self.weight * self.scale, bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"scale={self.scale:.4g}"


class EqualConv2d(Module):
    """y = conv2d(x, c W) + b with W ~ N(0, 1), c = gain / sqrt(C_in kh kw), b = 0 (ProGAN 4.1)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 gain=math.sqrt(2), dtype=None, device="cpu"):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.padding = stride, padding
        self.scale = gain / math.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = Parameter(zeros(out_channels, in_channels, kernel_size, kernel_size,
                                      dtype=dtype, device=device))
        init.normal_(self.weight)
        self.bias = Parameter(zeros(out_channels, dtype=dtype, device=device)) if bias else None

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.weight.shape[2]}, " \
               f"scale={self.scale:.4g}"
