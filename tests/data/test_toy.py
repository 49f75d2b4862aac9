"""Toy mixtures: exact densities, exact moments, seeded sampling, the benchmark layouts."""
import math

import numpy as np
import pytest

from tinygan import data
from tinygan.data import GaussianMixture, SwissRoll


def trapezoid(y, x):
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)


def test_gauss1d_density_is_normalised_and_matches_the_closed_form():
    g = data.gauss1d()
    x = np.linspace(-10, 10, 20001)
    assert trapezoid(g.pdf(x), x) == pytest.approx(1.0, abs=1e-9)
    peak = 0.5 / (0.5 * math.sqrt(2 * math.pi)) * (1 + math.exp(-16 / (2 * 0.25)))
    assert g.pdf(np.array([2.0]))[0] == pytest.approx(peak, rel=1e-12)
    assert np.allclose(g.log_pdf(x), np.log(g.pdf(x)))
    # far in the tail the density underflows but the log-density stays exact
    tail = math.log(0.5) - math.log(0.5 * math.sqrt(2 * math.pi)) - 58.0 ** 2 / (2 * 0.25)
    assert g.pdf(np.array([60.0]))[0] == 0.0
    assert g.log_pdf(np.array([60.0]))[0] == pytest.approx(tail, rel=1e-12)
    assert g.pdf(x[:, None]).shape == x.shape


def test_gauss1d_samples_match_the_exact_moments():
    g = data.gauss1d()
    x = g.sample(200_000, np.random.default_rng(0))
    assert x.shape == (200_000, 1) and x.dtype == np.float32 and g.shape == (1,)
    assert g.mean()[0] == 0.0 and g.covariance()[0, 0] == pytest.approx(4.25)
    assert x.mean() == pytest.approx(0.0, abs=0.03)
    assert x.var() == pytest.approx(4.25, rel=0.02)
    assert np.mean(x > 0) == pytest.approx(0.5, abs=0.01)


def test_sampling_is_seeded():
    ring = data.ring8()
    assert np.array_equal(ring.sample(50, 3), ring.sample(50, np.random.default_rng(3)))
    assert not np.array_equal(ring.sample(50, 3), ring.sample(50, 4))
    with pytest.raises(TypeError, match="ring8.sample.*seed"):
        ring.sample(5, None)
    with pytest.raises(ValueError, match="ring8.sample"):
        ring.sample(-1, 0)


def test_ring8_has_eight_modes_on_the_unit_circle():
    ring = data.ring8()
    assert ring.centres.shape == (8, 2) and ring.std == 0.01 and ring.shape == (2,)
    assert np.allclose(np.linalg.norm(ring.centres, axis=1), 1.0)
    angles = np.mod(np.arctan2(ring.centres[:, 1], ring.centres[:, 0]), 2 * np.pi)
    assert np.allclose(angles, 2 * np.pi * np.arange(8) / 8)
    x = ring.sample(40_000, np.random.default_rng(1)).astype(np.float64)
    distance = np.linalg.norm(x[:, None] - ring.centres[None], axis=2)
    # |x - c| / std is Rayleigh distributed: P(within 3 std) = 1 - exp(-9/2)
    assert np.mean(distance.min(1) < 3 * 0.01) == pytest.approx(1 - math.exp(-4.5), abs=0.003)
    counts = np.bincount(distance.argmin(1), minlength=8)
    assert np.all(np.abs(counts - 5000) < 300)


def test_grid25_has_25_modes_on_the_even_grid():
    grid = data.grid25()
    expected = {(i, j) for i in range(-4, 5, 2) for j in range(-4, 5, 2)}
    assert {tuple(c) for c in grid.centres.astype(int)} == expected
    assert np.array_equal(grid.centres, np.round(grid.centres)) and grid.std == 0.05
    log_at_centre = math.log(1 / 25) - math.log(2 * math.pi * 0.05 ** 2)
    assert grid.log_pdf(np.array([[2.0, -4.0]]))[0] == pytest.approx(log_at_centre, rel=1e-12)


def test_a_general_2d_mixture_integrates_to_one_and_has_the_exact_moments():
    mixture = GaussianMixture([[0, 0], [1, 0.5], [-1, -1]], std=[0.3, 0.5, 0.4],
                              weights=[0.2, 0.3, 0.5])
    axis = np.linspace(-5, 5, 401)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    density = mixture.pdf(np.stack([xx.ravel(), yy.ravel()], 1))
    assert density.sum() * (axis[1] - axis[0]) ** 2 == pytest.approx(1.0, abs=1e-6)
    x = mixture.sample(100_000, 7).astype(np.float64)
    assert np.allclose(x.mean(0), mixture.mean(), atol=0.01)
    assert np.allclose(np.cov(x, rowvar=False), mixture.covariance(), atol=0.02)


def test_bad_mixtures_and_points_raise_clear_errors():
    with pytest.raises(ValueError, match="std"):
        GaussianMixture([[0.0, 0.0]], std=-1)
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture([[0.0], [1.0]], std=1, weights=[0.5, 0.6])
    with pytest.raises(ValueError, match="centres"):
        GaussianMixture([0.0, 1.0], std=1)
    with pytest.raises(ValueError, match=r"ring8.log_pdf.*\(n, 2\).*\(3, 3\)"):
        data.ring8().log_pdf(np.zeros((3, 3)))


def test_noise_free_swiss_roll_lies_on_its_curve():
    roll = SwissRoll(noise=0.0)
    x = roll.sample(2000, 0).astype(np.float64)
    t = np.linalg.norm(x, axis=1) * roll.scale
    assert t.min() >= 1.5 * np.pi - 1e-4 and t.max() <= 4.5 * np.pi + 1e-4
    assert np.allclose(x, roll.curve(t), atol=1e-5)


def test_swiss_roll_defaults_and_seeding():
    roll = data.swissroll()
    x = roll.sample(5000, np.random.default_rng(2))
    assert x.shape == (5000, 2) and x.dtype == np.float32 and roll.shape == (2,)
    assert np.array_equal(x, roll.sample(5000, 2))
    assert np.abs(x).max() < 2.2
    # same seed, same t: the difference to the noise-free roll is the noise, std noise / scale
    noise = x.astype(np.float64) - SwissRoll(noise=0.0).sample(5000, 2)
    assert np.allclose(noise.mean(0), 0, atol=0.002)
    assert np.allclose(noise.std(0), 0.25 / 7.5, rtol=0.05)
