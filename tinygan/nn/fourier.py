"""Random Fourier features: a fixed embedding that lets an MLP on low-dimensional inputs
resolve fine detail (Rahimi and Recht, "Random Features for Large-Scale Kernel
Machines", NeurIPS 2007; Tancik et al., "Fourier Features Let Networks Learn High
Frequency Functions in Low Dimensional Domains", NeurIPS 2020).

    phi(x) = [u, sin(B u), cos(B u)],   u = (x - shift) / scale,   B_ij ~ N(0, s_i^2)

with one block of rows of B per frequency scale s. A ReLU MLP on raw 2-D
coordinates changes slowly compared with the 0.01 std of the ring's modes
(its logit barely tells a sample between two modes from one inside a mode);
sin(B u) with s in the tens varies on that scale, so the MLP after it can.
B, shift and scale are buffers, not parameters: nothing here is learned.
"""
import numpy

from .. import backend
from ..ops.shape import concatenate
from ..tensor import tensor
from .module import Module


class FourierFeatures(Module):
    """x (N, d) -> phi(x) (N, d + 2 * features * len(scales)); ``shift``/``scale`` standardise x
    first (numbers or (d,) arrays; typically the data's mean and std)."""

    def __init__(self, in_features, scales=(1.0, 10.0, 30.0), features=64, shift=0.0,
                 scale=1.0, seed=0, dtype=None, device="cpu"):
        super().__init__()
        if in_features < 1 or features < 1 or not scales or min(scales) <= 0:
            raise ValueError(f"FourierFeatures: needs in_features >= 1, features >= 1 and "
                             f"positive scales, got in_features={in_features}, "
                             f"features={features}, scales={scales}")
        rng = numpy.random.default_rng(seed)
        frequencies = numpy.concatenate([rng.standard_normal((features, in_features)) * s
                                         for s in scales])
        dtype = dtype or backend.default_dtype()

        def buffer(value):
            array = numpy.broadcast_to(numpy.asarray(value, dtype=numpy.float64), (in_features,))
            return tensor(array, dtype=dtype, device=device)
        self.in_features, self.scales = in_features, tuple(scales)
        self.register_buffer("frequencies", tensor(frequencies.T, dtype=dtype, device=device))
        self.register_buffer("shift", buffer(shift))
        self.register_buffer("scale", buffer(scale))

    @property
    def out_features(self):
        """Width of phi(x): d + 2 * features * len(scales)."""
        return self.in_features + 2 * self.frequencies.shape[1]

    def forward(self, x):
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"FourierFeatures: expects input (N, {self.in_features}), got "
                             f"shape {x.shape}")
        u = (x - self.shift) / self.scale
        projected = u @ self.frequencies
        return concatenate([u, projected.sin(), projected.cos()], axis=1)

    def extra_repr(self):
        return (f"{self.in_features}, scales={self.scales}, "
                f"features={self.frequencies.shape[1] // len(self.scales)}")
