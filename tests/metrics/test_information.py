"""discrete_mutual_information against hand computations."""
import math

import numpy as np
import pytest

from tinygan.metrics.information import discrete_mutual_information


def test_by_hand_on_a_two_by_two_table():
    # p(x, y) = [[0.4, 0.1], [0.1, 0.4]] from 10 samples, marginals uniform
    x = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])
    expected = 2 * 0.4 * math.log(0.4 / 0.25) + 2 * 0.1 * math.log(0.1 / 0.25)
    assert discrete_mutual_information(x, y) == pytest.approx(expected, rel=1e-12)
    assert discrete_mutual_information(y, x) == pytest.approx(expected, rel=1e-12)


def test_a_relabelling_gives_the_entropy_and_independent_labels_almost_nothing():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, 5000)
    permuted = rng.permutation(10)[x]
    entropy = -sum(p * math.log(p) for p in np.bincount(x) / x.size)
    assert discrete_mutual_information(x, permuted) == pytest.approx(entropy, rel=1e-12)
    assert entropy == pytest.approx(math.log(10), abs=0.01)
    independent = discrete_mutual_information(x, rng.integers(0, 10, 5000))
    assert 0 <= independent < 0.03          # the plug-in bias, about 81 / 10,000


def test_bad_input_names_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"discrete_mutual_information: .*\(3,\).*\(2,\)"):
        discrete_mutual_information([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="int label arrays"):
        discrete_mutual_information([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="labels >= 0"):
        discrete_mutual_information([0, -1], [0, 1])


def test_a_constant_labelling_carries_no_information_not_minus_zero():
    """Ten codes against one digit: the plug-in sum rounds to -2.8e-16 for these draws."""
    codes = np.random.default_rng(0).integers(0, 10, (20, 5000))
    values = [discrete_mutual_information(c, np.zeros(5000, dtype=int)) for c in codes]
    assert min(values) == 0.0 and f"{min(values):.2f}" == "0.00"
