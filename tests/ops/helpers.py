"""One-line checks of an op: forward against NumPy, first and second order against
finite differences (the tinygrad helper_test_op idea, plus the second order)."""
import numpy

import tinygan as tg
from tinygan.testing import gradcheck, gradgradcheck


def leaves(*arrays):
    """float64 leaf tensors that require grad."""
    return [tg.tensor(numpy.array(a, dtype=numpy.float64), requires_grad=True) for a in arrays]


def check_op(op, reference, *arrays, second_order=True, atol=1e-5, rtol=1e-3):
    """op(tensors) matches reference(arrays); its gradients match finite differences."""
    xs = leaves(*arrays)
    got = op(*xs)
    numpy.testing.assert_allclose(got.numpy(), reference(*[numpy.array(a) for a in arrays]),
                                  rtol=1e-7, atol=1e-10)
    assert gradcheck(op, xs, atol=atol, rtol=rtol)
    if second_order:
        assert gradgradcheck(op, xs, atol=atol, rtol=rtol)
