"""Exact 1-D divergences against closed forms; D*, C(G) and V(D, G); W1 of samples."""
import math

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from tinygan import data, metrics

GRID = np.linspace(-30, 30, 60001)


def normal(mu, sigma):
    return data.gaussian_mixture_1d([mu], [sigma])


def kl_normals(m1, s1, m2, s2):
    return math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5


@pytest.mark.parametrize("m1, s1, m2, s2", [(0, 1, 1, 1), (0, 1, 0.5, 2), (-1, 0.5, 2, 1.5)])
def test_kl_of_two_gaussians_matches_the_closed_form(m1, s1, m2, s2):
    p, q = normal(m1, s1), normal(m2, s2)
    assert metrics.kl_divergence(p.pdf, q.pdf, GRID) == pytest.approx(kl_normals(m1, s1, m2, s2),
                                                                      rel=1e-7)
    exact = kl_normals(m2, s2, m1, s1)
    assert metrics.kl_divergence(q.log_pdf(GRID), p.log_pdf(GRID), GRID,
                                 log_density=True) == pytest.approx(exact, rel=1e-7)


def test_kl_is_infinite_where_q_vanishes_under_p():
    x = np.linspace(-1, 3, 4001)
    p = ((x >= 0) & (x <= 1)).astype(float)
    q = ((x >= 0.5) & (x <= 1.5)).astype(float)
    assert metrics.kl_divergence(p, q, x) == math.inf


def test_js_is_zero_for_identical_symmetric_and_at_most_log_2():
    p, q = data.gauss1d(), normal(0.5, 1.5)
    assert metrics.js_divergence(p.pdf, p.pdf, GRID) == pytest.approx(0, abs=1e-12)
    forward = metrics.js_divergence(p.pdf, q.pdf, GRID)
    assert forward == pytest.approx(metrics.js_divergence(q.pdf, p.pdf, GRID), rel=1e-12)
    assert 0 < forward < math.log(2)
    far = metrics.js_divergence(normal(-15, 1).log_pdf, normal(15, 1).log_pdf, GRID,
                                log_density=True)
    assert far == pytest.approx(math.log(2), rel=1e-9)


def test_js_of_half_overlapping_uniforms_is_half_log_2():
    x = np.linspace(-1, 3, 400001)
    p = ((x >= 0) & (x <= 1)).astype(float)
    q = ((x >= 0.5) & (x <= 1.5)).astype(float)
    assert metrics.js_divergence(p, q, x) == pytest.approx(0.5 * math.log(2), abs=1e-4)


def test_c_of_g_is_minus_log_4_plus_2_jsd_and_the_value_at_d_star():
    p_data, p_g = data.gauss1d(), normal(0.5, 1.5)
    assert metrics.gan_criterion(p_data.pdf, p_data.pdf, GRID) == pytest.approx(-math.log(4))
    c = metrics.gan_criterion(p_data.pdf, p_g.pdf, GRID)
    assert c == pytest.approx(-math.log(4) + 2 * metrics.js_divergence(p_data.pdf, p_g.pdf, GRID))
    d_star = metrics.optimal_discriminator(p_data.pdf, p_g.pdf, GRID)
    assert metrics.value_function(d_star, p_data.pdf, p_g.pdf, GRID) == pytest.approx(c, rel=1e-9)
    # any other discriminator does worse
    for other in (np.full_like(GRID, 0.5), np.clip(d_star + 0.05, 0, 1), d_star ** 2):
        assert metrics.value_function(other, p_data.pdf, p_g.pdf, GRID) < c


def test_optimal_discriminator_matches_the_closed_form_even_in_the_tails():
    p_data, p_g = normal(0, 1), normal(1, 1)
    x = np.array([-40.0, -1.0, 0.5, 3.0, 40.0])
    # log p_data - log p_g = ((x - 1)^2 - x^2) / 2 = 1/2 - x
    exact = 1 / (1 + np.exp(x - 0.5))
    d = metrics.optimal_discriminator(p_data.log_pdf, p_g.log_pdf, x, log_density=True)
    assert np.allclose(d, exact, rtol=1e-12, atol=0)
    from_densities = metrics.optimal_discriminator(p_data.pdf, p_g.pdf, x)
    assert np.isnan(from_densities[[0, -1]]).all()                # 0 / 0 where both underflow
    assert np.allclose(from_densities[1:-1], exact[1:-1])
    assert np.all(metrics.optimal_discriminator(p_data.pdf, p_data.pdf, GRID[::100]) == 0.5)


def test_w1_of_shifted_samples_is_the_shift():
    a = np.random.default_rng(0).standard_normal(1000)
    assert metrics.wasserstein1(a, a + 0.7) == pytest.approx(0.7, rel=1e-12)
    assert metrics.wasserstein1(a, a) == 0
    b = 2 * np.random.default_rng(1).standard_normal(333) + 1
    w = metrics.wasserstein1(a, b)
    assert w == pytest.approx(wasserstein_distance(a, b), rel=1e-12)
    assert w == pytest.approx(metrics.wasserstein1(b[:, None], a), rel=1e-12)
    big = np.random.default_rng(2).standard_normal(100_000)
    assert metrics.wasserstein1(big, np.random.default_rng(3).standard_normal(100_000) + 1) \
        == pytest.approx(1.0, abs=0.02)


def test_bad_grids_and_densities_are_refused():
    p = normal(0, 1)
    with pytest.raises(ValueError, match="kl_divergence: grid must be strictly increasing"):
        metrics.kl_divergence(p.pdf, p.pdf, GRID[::-1])
    with pytest.raises(ValueError, match=r"js_divergence: q has shape \(3,\)"):
        metrics.js_divergence(p.pdf, np.ones(3), GRID)
    with pytest.raises(ValueError, match="negative.*log_density=True"):
        metrics.kl_divergence(p.log_pdf, p.pdf, GRID)
    with pytest.raises(ValueError, match=r"value_function.*\[0, 1\]"):
        metrics.value_function(GRID, p.pdf, p.pdf, GRID)
    with pytest.raises(ValueError, match="wasserstein1: a must be a 1-D"):
        metrics.wasserstein1(np.zeros((3, 2)), np.zeros(3))
