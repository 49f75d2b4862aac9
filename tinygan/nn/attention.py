"""Self-attention over the positions of a feature map (SAGAN, Zhang et al. 2018).

With x in R^{C x N} (N = H W positions) and 1x1 convolutions
f(x) = W_f x, g(x) = W_g x, h(x) = W_h x (each C~ x C, C~ = C / 8) and v (C x C~):

    s_ij = f(x_i)^T g(x_j),   beta_{j,i} = exp(s_ij) / sum_i exp(s_ij)        (eq. 6)
    o_j = v( sum_i beta_{j,i} h(x_i) )                                       (eq. 7)
    y_i = gamma o_i + x_i,    gamma initialised at 0                          (eq. 8)

(equation numbers of the SAGAN section of the lesson notes). A 1x1
convolution is a matrix product over the channel axis, which is how it is
computed here; the weights keep Conv2d's (out, in, 1, 1) layout.
"""
import math

from .. import functional as F
from ..ops.linalg import matmul
from ..ops.shape import reshape, transpose
from ..tensor import zeros
from . import init
from .module import Module, Parameter


class _PointwiseConv(Module):
    """A 1x1 convolution on flattened maps (N, C_in, P) -> (N, C_out, P), Conv2d's init."""

    def __init__(self, in_channels, out_channels, dtype=None, device="cpu"):
        super().__init__()
        self.weight = Parameter(zeros(out_channels, in_channels, 1, 1, dtype=dtype, device=device))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = Parameter(zeros(out_channels, dtype=dtype, device=device))
        init.uniform_(self.bias, -1 / math.sqrt(in_channels), 1 / math.sqrt(in_channels))

    def forward(self, x):
        w = reshape(self.weight, self.weight.shape[:2])
        return matmul(w, x) + reshape(self.bias, (-1, 1))


class SelfAttention2d(Module):
    """y = gamma * o + x with o the self-attention output of eqs. 6-7 (SAGAN)."""

    def __init__(self, channels, reduction=8, dtype=None, device="cpu"):
        super().__init__()
        if channels < reduction:
            raise ValueError(f"SelfAttention2d: {channels} channels cannot be reduced by {reduction}")
        inner = channels // reduction
        self.channels = channels
        self.f = _PointwiseConv(channels, inner, dtype, device)
        self.g = _PointwiseConv(channels, inner, dtype, device)
        self.h = _PointwiseConv(channels, inner, dtype, device)
        self.v = _PointwiseConv(inner, channels, dtype, device)
        self.gamma = Parameter(zeros(1, dtype=dtype, device=device))
        self.last_attention = None

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"SelfAttention2d: expected (N, {self.channels}, H, W), got {x.shape}")
        n, c, height, width = x.shape
        flat = reshape(x, (n, c, height * width))
        f, g, h = self.f(flat), self.g(flat), self.h(flat)
        scores = matmul(transpose(f, 0, 2, 1), g)                 # s[n, i, j]
        beta = F.softmax(transpose(scores, 0, 2, 1), axis=-1)     # beta[n, j, i], sums to 1 over i
        self.last_attention = beta.data                            # for attention-map pictures
        attended = matmul(h, transpose(beta, 0, 2, 1))            # sum_i beta[j, i] h_i
        o = self.v(attended)
        return self.gamma * reshape(o, x.shape) + x

    def extra_repr(self):
        return f"channels={self.channels}"
