"""Fréchet distance: zero on itself, the closed form (scipy's sqrtm), monotone in noise."""
import numpy as np
import pytest
from scipy.linalg import sqrtm

from tinygan import metrics


def random_spd(d, rng, rank=None):
    a = rng.standard_normal((d, rank or d))
    return a @ a.T / d + (0 if rank else 0.1 * np.eye(d))


def reference_fd(mu1, c1, mu2, c2):
    """The Heusel et al. formula with scipy's general matrix square root of C1 C2."""
    root = sqrtm(c1 @ c2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(c1 + c2 - 2 * root))


def test_fd_of_a_set_with_itself_is_zero():
    x = np.random.default_rng(0).standard_normal((500, 32)) * 3 + 1
    assert metrics.frechet_distance(x, x) == pytest.approx(0, abs=1e-7)
    few = np.random.default_rng(1).standard_normal((10, 64))       # singular covariance
    assert metrics.frechet_distance(few, few) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("d", [1, 3, 16])
def test_fd_from_statistics_matches_the_closed_form(d):
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    c1, c2 = random_spd(d, rng), random_spd(d, rng)
    assert metrics.frechet_distance_from_statistics(mu1, c1, mu2, c2) == pytest.approx(
        reference_fd(mu1, c1, mu2, c2), rel=1e-8)


def test_fd_of_diagonal_gaussians_is_the_sum_of_squared_root_differences():
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 0.0])
    expected = 5.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert metrics.frechet_distance_from_statistics(mu1, np.diag(a), mu2, np.diag(b)) \
        == pytest.approx(expected, rel=1e-12)


def test_fd_of_samples_approaches_the_fd_of_their_gaussians():
    rng = np.random.default_rng(4)
    mu1, mu2 = np.zeros(4), np.array([0.5, 0.0, -0.5, 1.0])
    c1, c2 = random_spd(4, rng), random_spd(4, rng)
    x = rng.multivariate_normal(mu1, c1, 50_000)
    y = rng.multivariate_normal(mu2, c2, 50_000)
    assert metrics.frechet_distance(x, y) == pytest.approx(reference_fd(mu1, c1, mu2, c2), rel=0.03)


def test_fd_grows_as_noise_is_added():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2000, 8))
    noise = rng.standard_normal((2000, 8))
    distances = [metrics.frechet_distance(x, x + s * noise) for s in (0.0, 0.1, 0.3, 1.0, 3.0)]
    assert distances[0] == pytest.approx(0, abs=1e-8)
    assert all(a < b for a, b in zip(distances, distances[1:]))


def test_symmetric_square_root_and_trace():
    rng = np.random.default_rng(6)
    c = random_spd(6, rng)
    s = metrics.sqrtm_psd(c)
    assert np.allclose(s @ s, c) and np.allclose(s, s.T)
    low_rank = random_spd(6, rng, rank=2)
    assert metrics.trace_sqrt_product(c, low_rank) == pytest.approx(
        np.trace(sqrtm(c @ low_rank).real), rel=1e-6)


def test_bad_feature_arrays_are_refused():
    with pytest.raises(ValueError, match=r"frechet_distance: features_a must be a 2-D.*\(5,\)"):
        metrics.frechet_distance(np.zeros(5), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="different feature sizes"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        metrics.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        metrics.frechet_distance(np.full((4, 3), np.nan), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"\(d,\) and \(d, d\)"):
        metrics.frechet_distance_from_statistics(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))
