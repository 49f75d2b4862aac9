"""Matrix products. ``matmul`` follows numpy.matmul: 1-D operands are promoted
to matrices and the added axis removed again; leading (batch) axes broadcast.
"""
from ..autograd import Function
from .. import backend
from .shape import reshape, sum_to, swapaxes


class MatMul(Function):
    """a @ b for a, b of at least 2 axes: d/da = gy @ b^T, d/db = a^T @ gy."""

    def forward(self, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
                             f"match ({a.shape[-1]} != {b.shape[-2]})")
        try:
            return backend.get_array_module(a).matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul: batch axes of {tuple(a.shape)} and {tuple(b.shape)} "
                             f"cannot be broadcast together") from None

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(matmul(gy, swapaxes(b, -1, -2)), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(matmul(swapaxes(a, -1, -2), gy), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def matmul(a, b):
    """Matrix product with NumPy's rules for 1-D operands and batch broadcasting."""
    from ..tensor import as_tensor
    a, b = as_tensor(a, b if hasattr(b, "data") else None), as_tensor(b, a)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: scalar operands are not allowed (shapes {a.shape}, {b.shape})")
    vec_a, vec_b = a.ndim == 1, b.ndim == 1
    if vec_a:
        a = reshape(a, (1, a.shape[0]))
    if vec_b:
        b = reshape(b, (b.shape[0], 1))
    y = MatMul()(a, b)
    if vec_a and vec_b:
        return reshape(y, ())
    if vec_a:
        return reshape(y, y.shape[:-2] + (y.shape[-1],))
    if vec_b:
        return reshape(y, y.shape[:-1])
    return y
