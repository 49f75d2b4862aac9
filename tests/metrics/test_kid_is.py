"""KID (unbiased cubic-kernel MMD^2) and the Inception Score on known inputs."""
import itertools
import math

import numpy as np
import pytest

from tinygan import metrics


def test_the_cubic_kernel_and_the_unbiased_estimator_by_hand():
    x = np.array([[1.0, 2.0]])
    y = np.array([[3.0, 4.0]])
    assert metrics.polynomial_kernel(x, y)[0, 0] == pytest.approx((11 / 2 + 1) ** 3)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)) + 1
    k = lambda u, v: (u @ v / 3 + 1) ** 3                                  # noqa: E731
    xx = sum(k(a[i], a[j]) for i, j in itertools.permutations(range(5), 2)) / 20
    yy = sum(k(b[i], b[j]) for i, j in itertools.permutations(range(4), 2)) / 12
    xy = sum(k(u, v) for u in a for v in b) / 20
    assert metrics.mmd2_unbiased(a, b) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_is_near_zero_for_one_distribution_and_clearly_positive_otherwise():
    rng = np.random.default_rng(1)
    real, same = rng.standard_normal((600, 16)), rng.standard_normal((600, 16))
    shifted = rng.standard_normal((600, 16)) + 0.5
    settings = dict(subsets=10, subset_size=200, rng=0)
    kid_same = metrics.kernel_inception_distance(real, same, **settings)
    kid_shift = metrics.kernel_inception_distance(real, shifted, **settings)
    assert abs(kid_same.mean) < 0.03 and kid_same.std > 0
    assert kid_shift.mean > 0.5 and kid_shift.mean > 10 * kid_same.std
    again = metrics.kernel_inception_distance(real, same, **settings)
    assert again == kid_same and isinstance(again, metrics.Estimate)


def test_kid_refuses_bad_settings():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="subset_size >= 2"):
        metrics.kernel_inception_distance(x, x, subset_size=1)
    with pytest.raises(TypeError, match="seed"):
        metrics.kernel_inception_distance(x, x, rng=None)
    with pytest.raises(ValueError, match="different feature sizes"):
        metrics.mmd2_unbiased(x, np.zeros((10, 4)))


def test_inception_score_is_k_for_confident_even_predictions():
    probabilities = np.eye(10)[np.arange(1000) % 10]
    score = metrics.inception_score(probabilities, splits=10)
    assert score.mean == pytest.approx(10, rel=1e-12) and score.std == pytest.approx(0, abs=1e-12)


def test_inception_score_is_one_for_constant_predictions():
    constant = np.tile([0.7, 0.2, 0.1], (300, 1))
    assert metrics.inception_score(constant, splits=3).mean == pytest.approx(1, rel=1e-12)
    one_class = np.eye(4)[np.zeros(100, int)]
    assert metrics.inception_score(one_class, splits=1) == (pytest.approx(1), 0.0)


def test_inception_score_of_a_two_class_mixture_by_hand():
    probabilities = np.array([[0.9, 0.1]] * 50 + [[0.1, 0.9]] * 50)
    expected = math.exp(0.9 * math.log(1.8) + 0.1 * math.log(0.2))
    assert metrics.inception_score(probabilities, splits=1).mean == pytest.approx(expected)


def test_inception_score_refuses_logits_and_bad_splits():
    with pytest.raises(ValueError, match="softmax"):
        metrics.inception_score(np.array([[2.0, -1.0], [0.5, 0.5]]), splits=1)
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(np.eye(3), splits=4)
