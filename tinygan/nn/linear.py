"""Fully connected layers and shape helpers."""
import math

import numpy

from .. import backend
from .. import functional as F
from ..tensor import Tensor, zeros
from ..ops.shape import flatten, getitem, reshape
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x W^T + b, W of shape (out_features, in_features).

    Initialised as PyTorch does: W, b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None, device="cpu"):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(zeros(out_features, in_features, dtype=dtype, device=device))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = None
        if bias:
            self.bias = Parameter(zeros(out_features, dtype=dtype, device=device))
            bound = 1 / math.sqrt(in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, dim) for index i; init N(0, 1)."""

    def __init__(self, num_embeddings, embedding_dim, dtype=None, device="cpu"):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(zeros(num_embeddings, embedding_dim, dtype=dtype, device=device))
        init.normal_(self.weight)

    def forward(self, indices):
        data = indices.data if isinstance(indices, Tensor) else indices
        if not hasattr(data, "shape"):
            data = numpy.asarray(data)
        data = backend.to_device(data, self.weight.device)
        if data.size and (int(data.min()) < 0 or int(data.max()) >= self.num_embeddings):
            raise IndexError(f"Embedding: indices must lie in [0, {self.num_embeddings}), got "
                             f"[{int(data.min())}, {int(data.max())}]")
        return getitem(self.weight, data)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Flatten(Module):
    """Merge axes start_dim..end_dim (default: all but the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)


class Unflatten(Module):
    """Reshape each sample (all but the batch axis) to ``shape``."""

    def __init__(self, *shape):
        super().__init__()
        self.shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple) else shape

    def forward(self, x):
        return reshape(x, (x.shape[0],) + self.shape)

    def extra_repr(self):
        return str(self.shape)


class Identity(Module):
    """Returns its input."""

    def forward(self, x):
        return x
