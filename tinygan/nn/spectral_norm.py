"""Spectral normalisation (Miyato et al. 2018), as used by SAGAN and BigGAN.

The weight W is replaced by W / sigma(W), where sigma(W) is the largest
singular value of W reshaped to (out, -1), estimated by power iteration with
a persistent vector u:

    v = W^T u / ||W^T u||,   u = W v / ||W v||,   sigma = u^T W v.

One iteration per training forward pass is enough because u carries over
from step to step. u and v are constants for differentiation (as in the
paper and PyTorch): the gradient flows through W in sigma = u^T W v.
"""
from .. import backend
from ..ops.linalg import matmul
from ..ops.shape import reshape
from ..tensor import Tensor
from .module import Parameter


def _normalize(xp, a, eps):
    return a / max(float(xp.linalg.norm(a)), eps)


class _SpectralNorm:
    def __init__(self, name, n_power_iterations, eps, dim):
        self.name, self.n_power_iterations, self.eps, self.dim = name, n_power_iterations, eps, dim

    def as_matrix(self, w):
        """W with axis ``dim`` first, flattened to (W.shape[dim], -1)."""
        if self.dim != 0:
            axes = (self.dim,) + tuple(a for a in range(w.ndim) if a != self.dim)
            w = w.transpose(*axes)
        return w.reshape(w.shape[0], -1)

    def __call__(self, module, args):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = self.as_matrix(weight.data)
        if module.training:
            xp = backend.get_array_module(matrix)
            for _ in range(self.n_power_iterations):
                v.data = _normalize(xp, matrix.T @ u.data, self.eps)
                u.data = _normalize(xp, matrix @ v.data, self.eps)
        w = self.as_matrix(weight)
        sigma = matmul(u, matmul(w, v))
        object.__setattr__(module, self.name, weight / sigma)


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrise ``module.<name>`` as W / sigma(W) (in place; returns the module).

    sigma is taken of W reshaped to (W.shape[dim], -1); ``dim`` defaults to 1 for
    transposed convolutions (whose weight is (in, out, kH, kW)) and 0 otherwise, as in PyTorch.

    Adds the parameter ``<name>_orig`` and the buffers ``<name>_u``, ``<name>_v``,
    the names PyTorch's ``nn.utils.spectral_norm`` uses.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Parameter):
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    if n_power_iterations < 1:
        raise ValueError(f"spectral_norm: n_power_iterations must be >= 1, got {n_power_iterations}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    xp = backend.get_array_module(weight.data)
    rows = weight.shape[dim]
    cols = weight.size // rows
    gen = backend.generator(weight.device)
    u = _normalize(xp, gen.standard_normal(rows).astype(weight.dtype), eps)
    v = _normalize(xp, gen.standard_normal(cols).astype(weight.dtype), eps)
    del module.__dict__[name]
    setattr(module, name + "_orig", weight)
    module.register_buffer(name + "_u", Tensor(u))
    module.register_buffer(name + "_v", Tensor(v))
    hook = _SpectralNorm(name, n_power_iterations, eps, dim)
    module.register_forward_pre_hook(hook)
    with_grad = module.training
    module.training = False
    hook(module, ())          # so module.<name> exists before the first forward
    module.training = with_grad
    return module
