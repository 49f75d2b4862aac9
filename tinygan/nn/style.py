"""The layers of StyleGAN2 (Karras, Laine, Aittala, Hellsten, Lehtinen, Aila, "Analyzing and
Improving the Image Quality of StyleGAN", CVPR 2020, section 2).

    mapping network   w = f(z), an MLP on the pixel-normalised z
    modulation        w'_ijk = s_i w_ijk                                   (eq. 1)
    demodulation      w''_ijk = w'_ijk / sqrt(sum_{i,k} w'_ijk^2 + eps)     (eq. 3)
    noise injection   x + B * noise, noise ~ N(0, 1) one map per sample, B per channel
                      (or one per layer)

with s = A(w) an affine map of the style (bias initialised to 1). The
modulated convolution is computed, as the paper notes, by scaling the
input by s and the output by the demodulation factor instead of building
one weight per sample: the same numbers, one ordinary convolution.
"""
import math

from .. import backend
from .. import functional as F
from ..tensor import Tensor, zeros
from . import init
from .module import Module, Parameter
from .progressive import EqualLinear, pixel_norm


def modulated_conv2d(x, weight, styles, demodulate=True, padding=0, eps=1e-8):
    """conv2d(x_n, w''_n) for every sample n, with w'_jik = s_ni w_jik and w'' = demodulated w'.

    ``x`` (N, C_in, H, W), ``weight`` (C_out, C_in, k, k), ``styles`` s (N, C_in).
    Computed as conv2d(x * s, w) * d with d_nj = 1 / sqrt(sum_{i,k} (s_ni w_jik)^2 + eps)
    (StyleGAN2 eqs. 1 and 3): d does not depend on the position, so it can
    scale the output instead of the weight.
    """
    n, c_in = styles.shape
    y = F.conv2d(x * styles.reshape(n, c_in, 1, 1), weight, None, 1, padding)
    if not demodulate:
        return y
    energy = (weight * weight).sum(axis=(2, 3))                   # (C_out, C_in)
    d = ((styles * styles) @ energy.T + eps) ** -0.5               # (N, C_out)
    return y * d.reshape(n, weight.shape[0], 1, 1)


class ModulatedConv2d(Module):
    """A k x k convolution whose weight is modulated by s = A(w) and demodulated (StyleGAN2 2.2).

    weight ~ N(0, 1) scaled at runtime by 1 / sqrt(C_in k^2) (equalised learning
    rate); A = EqualLinear(style_dim, C_in) with bias 1, so s starts near 1.
    ``upsample`` doubles the resolution before the convolution, bilinearly (the paper's
    [1, 3, 3, 1] filter; nearest neighbour would leave 2x2 blocks for the conv to undo).
    """

    def __init__(self, in_channels, out_channels, kernel_size, style_dim, demodulate=True,
                 upsample=False, dtype=None, device="cpu"):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.demodulate, self.upsample = demodulate, upsample
        self.padding = kernel_size // 2
        self.scale = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = Parameter(zeros(out_channels, in_channels, kernel_size, kernel_size,
                                      dtype=dtype, device=device))
        init.normal_(self.weight)
        self.affine = EqualLinear(style_dim, in_channels, gain=1.0, bias_init=1.0, dtype=dtype,
                                  device=device)

    def forward(self, x, w):
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear")
        return modulated_conv2d(x, self.weight * self.scale, self.affine(w), self.demodulate,
                                self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.weight.shape[2]}, "
                f"demodulate={self.demodulate}, upsample={self.upsample}")


class NoiseInjection(Module):
    """x + B * noise with noise ~ N(0, 1) of shape (N, 1, H, W) and B learned, initially 0.

    B holds one strength per channel (StyleGAN, Karras et al. 2019, Figure 1), or with
    ``per_channel=False`` one for the whole layer (the StyleGAN2 authors' code).
    """

    def __init__(self, channels, per_channel=True, dtype=None, device="cpu"):
        super().__init__()
        self.per_channel = per_channel
        self.weight = Parameter(zeros(channels if per_channel else 1, dtype=dtype,
                                      device=device))

    def forward(self, x, noise=None):
        n, c, h, w = x.shape
        if noise is None:
            gen = backend.generator(x.device)
            noise = Tensor(gen.standard_normal((n, 1, h, w)).astype(x.dtype))
        return x + self.weight.reshape(1, -1, 1, 1) * noise


class MappingNetwork(Module):
    """f: z -> w, pixel norm then ``n_layers`` EqualLinear + LeakyReLU(0.2) (StyleGAN 2.1).

    ``lr_mul`` = 0.01 slows the mapping network's learning rate as in the paper.
    """

    def __init__(self, z_dim, w_dim, n_layers=8, lr_mul=0.01, dtype=None, device="cpu"):
        super().__init__()
        self.n_layers = n_layers
        for i in range(n_layers):
            setattr(self, f"fc{i}", EqualLinear(z_dim if i == 0 else w_dim, w_dim, lr_mul=lr_mul,
                                                dtype=dtype, device=device))

    def forward(self, z):
        h = pixel_norm(z)
        for i in range(self.n_layers):
            h = F.leaky_relu(getattr(self, f"fc{i}")(h), 0.2)
        return h
