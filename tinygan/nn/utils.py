"""Helpers that act on modules, named as in PyTorch's ``nn.utils``."""
import math

from .. import backend
from .spectral_norm import spectral_norm  # noqa: F401


def clip_grad_norm_(parameters, max_norm):
    """Scale all gradients so that their joint L2 norm is at most ``max_norm``; returns the norm."""
    grads = [p.grad for p in parameters if p.grad is not None]
    total = math.sqrt(sum(float((g.data * g.data).sum()) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g.data = g.data * scale
    return total


def parameters_to_vector(parameters):
    """All parameters flattened into one array (no graph)."""
    params = list(parameters)
    xp = backend.get_array_module(params[0].data)
    return xp.concatenate([p.data.reshape(-1) for p in params])
