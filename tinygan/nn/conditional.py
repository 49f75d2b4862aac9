"""Class-conditional layers of BigGAN (Brock, Donahue, Simonyan, "Large Scale GAN Training for
High Fidelity Natural Image Synthesis", ICLR 2019) and its projection discriminator
(Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018).

    conditional batch norm  y = (1 + gamma(c)) * (x - mu) / sigma + beta(c)
                            gamma, beta linear in the condition c (BigGAN: a shared
                            class embedding, concatenated with a chunk of z)
    projection head         D(x, y) = psi(phi(x)) + <embed(y), phi(x)>
"""
from ..tensor import Tensor
from .linear import Embedding, Linear
from .module import Module
from .norm import BatchNorm2d


class ConditionalBatchNorm2d(Module):
    """Batch norm whose per-channel gain and bias are linear functions of a condition vector.

    y = (1 + W_g c + b_g) * BN(x) + (W_b c + b_b); the gain and bias layers start
    at 0, so the layer starts as plain batch norm (BigGAN section 3).
    """

    def __init__(self, num_features, condition_dim, eps=1e-5, momentum=0.1, dtype=None,
                 device="cpu"):
        super().__init__()
        self.norm = BatchNorm2d(num_features, eps, momentum, affine=False, dtype=dtype,
                                device=device)
        self.gain = Linear(condition_dim, num_features, dtype=dtype, device=device)
        self.bias = Linear(condition_dim, num_features, dtype=dtype, device=device)
        for layer in (self.gain, self.bias):
            layer.weight.data[...] = 0
            layer.bias.data[...] = 0

    def forward(self, x, condition):
        n, c = x.shape[:2]
        gain = 1 + self.gain(condition).reshape(n, c, 1, 1)
        return self.norm(x) * gain + self.bias(condition).reshape(n, c, 1, 1)


def embed(embedding, labels):
    """embedding(labels) for int labels as a Tensor or a raw integer array."""
    return embedding(labels if isinstance(labels, Tensor) else Tensor(labels))


class ProjectionHead(Module):
    """D(x, y) = psi(phi) + <embed(y), phi> on pooled features phi (Miyato & Koyama 2018, eq. 3)."""

    def __init__(self, features, n_classes, dtype=None, device="cpu"):
        super().__init__()
        self.linear = Linear(features, 1, dtype=dtype, device=device)
        self.embed = Embedding(n_classes, features, dtype=dtype, device=device)

    def forward(self, phi, labels):
        projection = (embed(self.embed, labels) * phi).sum(axis=1)
        return self.linear(phi).reshape(-1) + projection
