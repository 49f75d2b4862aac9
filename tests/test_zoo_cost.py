"""The multiply-add counter of benchmarks/zoo_cost.py against counts made by hand."""
import os
import sys

import numpy as np

import tinygan as tg
import tinygan.functional as F
from tinygan.ops import conv as conv_ops

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))
from zoo_cost import counting_multiply_adds, zoo_variant  # noqa: E402


def test_a_convolution_and_its_two_gradients_count_three_times_its_products():
    x = tg.tensor(np.ones((2, 3, 8, 8)), requires_grad=True)
    w = tg.tensor(np.ones((4, 3, 3, 3)), requires_grad=True)
    forward = 2 * 8 * 8 * 4 * 3 * 3 * 3           # N oh ow C_out C_in kh kw
    with counting_multiply_adds() as counts:
        y = F.conv2d(x, w, padding=1)
        assert counts == {"conv": forward, "matmul": 0}
        y.sum().backward()                          # dx (transposed conv) and dW
    assert counts == {"conv": 3 * forward, "matmul": 0}


def test_a_strided_transposed_convolution_counts_its_input_grid():
    x = tg.tensor(np.ones((1, 4, 5, 5)))
    w = tg.tensor(np.ones((4, 2, 4, 4)))            # (C_in, C_out, kh, kw)
    with counting_multiply_adds() as counts:
        F.conv_transpose2d(x, w, stride=2, padding=1)
    assert counts["conv"] == 1 * 5 * 5 * 4 * 2 * 4 * 4


def test_matrix_products_and_their_gradients_are_counted_and_the_kernels_restored():
    kernel = conv_ops.kernels.conv2d
    a = tg.tensor(np.ones((5, 7)), requires_grad=True)
    b = tg.tensor(np.ones((7, 3)), requires_grad=True)
    with counting_multiply_adds() as counts:
        (a @ b).sum().backward()
    assert counts == {"conv": 0, "matmul": 3 * 5 * 7 * 3}
    assert conv_ops.kernels.conv2d is kernel


def test_progan_is_measured_at_its_last_stage():
    progan, per_step, shape = zoo_variant("progan")
    assert progan.size == 32 and progan.alpha == 1.0 and shape == (1, 32, 32)
    assert per_step == progan.batch_size == 32
