"""matmul: NumPy's rules for 1-D operands and batch broadcasting, to second order."""
import numpy
import pytest
from hypothesis import given, strategies as st

import tinygan as tg
from tinygan.testing import strategies as tst
from tests.ops.helpers import check_op


@given(data=st.data())
def test_matmul_batched_and_broadcast(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    batch_a = data.draw(st.sampled_from([(), (2,), (1,), (2, 1)]))
    batch_b = data.draw(st.sampled_from([(), (2,), (1,), (3, 1, 1)]))
    a = data.draw(tst.arrays(batch_a + (n, k)))
    b = data.draw(tst.arrays(batch_b + (k, m)))
    check_op(tg.matmul, numpy.matmul, a, b)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3,))])
def test_matmul_vectors(shapes):
    rng = numpy.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(lambda x, y: x @ y, numpy.matmul, a, b)


def test_matmul_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)
