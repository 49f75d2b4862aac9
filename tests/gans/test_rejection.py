"""Discriminator rejection sampling (Azadi et al. 2019): the acceptance rule by hand, exact
rejection sampling with a known density ratio, and the ratio learned by a discriminator."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygan import nn
from tinygan.gans.rejection import RejectionSampler, acceptance_probability, fit_density_ratio

# p_data = N(0, 1), proposal p_g = N(0.5, 1.5^2): p_g has the heavier tails, so p_data / p_g is
# bounded and plain rejection sampling is exact
G_MEAN, G_STD = 0.5, 1.5


def log_ratio(x):
    """log p_data(x) / p_g(x) for the two Gaussians."""
    x = np.asarray(x, dtype=np.float64).ravel()
    return -0.5 * x ** 2 + 0.5 * ((x - G_MEAN) / G_STD) ** 2 + np.log(G_STD)


def proposal(rng):
    return lambda n: G_MEAN + G_STD * rng.standard_normal((n, 1))


def test_acceptance_is_exp_of_the_logit_gap_without_shift():
    logits = np.array([-3.0, -1.0, 0.5, 2.0])
    p = acceptance_probability(logits, 2.0, gamma=0.0, eps=1e-12)
    np.testing.assert_allclose(p[:3], np.exp(logits[:3] - 2.0), rtol=1e-9)
    assert p[3] > 1 - 1e-9                       # the largest logit is always accepted


def test_acceptance_with_shift_matches_the_papers_formula():
    d, d_max, gamma, eps = -0.7, 0.4, 0.3, 1e-3
    f = d - d_max - np.log(1 - np.exp(d - d_max - eps)) - gamma
    expected = 1 / (1 + np.exp(-f))
    assert acceptance_probability(np.array([d]), d_max, gamma, eps)[0] == pytest.approx(expected,
                                                                                       rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=2, max_size=20), st.floats(-3, 3))
def test_acceptance_is_a_probability_that_grows_with_the_logit(logits, gamma):
    logits = np.sort(np.array(logits))
    p = acceptance_probability(logits, logits.max(), gamma)
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p) >= -1e-12)


def test_exact_ratio_turns_proposals_into_data_samples():
    rng = np.random.default_rng(0)
    sampler = RejectionSampler(proposal(rng), log_ratio, burn_in=20000)
    x = sampler.sample(20000, np.random.default_rng(1)).ravel()
    assert x.shape == (20000,)
    assert abs(x.mean()) < 0.03 and abs(x.std() - 1) < 0.03
    # the proposal itself is far off; accepted fraction is 1 / M with M = max p_data / p_g
    assert abs(rng.normal(G_MEAN, G_STD, 20000).mean()) > 0.4
    grid = np.linspace(-10, 10, 200001)
    assert sampler.acceptance_rate == pytest.approx(np.exp(-log_ratio(grid).max()), abs=0.02)


def test_learned_discriminator_estimates_the_log_ratio():
    rng = np.random.default_rng(0)
    logit = fit_density_ratio(lambda m: rng.standard_normal((m, 1)), proposal(rng), (1,),
                              hidden=(32, 32), steps=800, batch_size=256, lr=3e-3)
    x = np.linspace(-1.5, 1.5, 61)
    assert np.abs(logit(x[:, None]) - log_ratio(x)).max() < 0.2


def test_bad_arguments_name_the_function():
    with pytest.raises(ValueError, match="fit_density_ratio.*steps"):
        fit_density_ratio(None, None, (1,), steps=0)
    sampler = RejectionSampler(proposal(np.random.default_rng(0)), log_ratio, burn_in=100)
    with pytest.raises(ValueError, match="RejectionSampler.sample.*n"):
        sampler.sample(-1)
    with pytest.raises(RuntimeError, match="acceptance rate"):
        RejectionSampler(proposal(np.random.default_rng(0)), log_ratio, gamma=40,
                         burn_in=100).sample(10, max_proposals=4000)


def test_a_quantile_of_the_logits_survives_an_outlying_logit():
    def outlying_logit(x):        # the exact ratio, except far above it for x > 5 (0.13 % of G)
        return log_ratio(x) + 40.0 * (np.asarray(x).ravel() > 5)

    with pytest.raises(RuntimeError, match="acceptance rate"):
        RejectionSampler(proposal(np.random.default_rng(0)), outlying_logit,
                         burn_in=20000).sample(100, max_proposals=100_000)
    sampler = RejectionSampler(proposal(np.random.default_rng(0)), outlying_logit,
                               burn_in=20000, max_quantile=99)
    burn_in = proposal(np.random.default_rng(0))(20000)
    assert sampler.logit_max == pytest.approx(np.percentile(outlying_logit(burn_in), 99))
    x = sampler.sample(20000, np.random.default_rng(1)).ravel()
    assert sampler.logit_max == pytest.approx(np.percentile(outlying_logit(burn_in), 99))
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05
    with pytest.raises(ValueError, match="RejectionSampler.*max_quantile"):
        RejectionSampler(proposal(np.random.default_rng(0)), log_ratio, max_quantile=0)


def test_fourier_features_let_the_ratio_resolve_narrow_modes():
    # data: two modes of std 0.01 at -1 and 1; G: the same modes plus a uniform "bridge"
    # between them. The ratio on Fourier features must put the bridge far below the modes.
    def real(m, rng=np.random.default_rng(0)):
        return rng.choice([-1.0, 1.0], (m, 1)) + 0.01 * rng.standard_normal((m, 1))

    def fake(m, rng=np.random.default_rng(1)):
        x = real(m, rng)
        bridge = rng.random(m) < 0.2
        x[bridge, 0] = rng.uniform(-0.8, 0.8, bridge.sum())
        return x

    logit = fit_density_ratio(real, fake, (1,), hidden=(64, 64), steps=600, seed=0,
                              fourier_scales=(1.0, 10.0, 30.0), fourier_features=32)
    modes, bridge = logit(real(2000)), logit(np.linspace(-0.6, 0.6, 200)[:, None])
    assert np.median(bridge) < np.median(modes) - 3


def test_fourier_features_need_vector_samples():
    with pytest.raises(ValueError, match=r"fourier_scales needs vector samples, got data_shape "
                                         r"\(1, 2, 2\)"):
        fit_density_ratio(lambda m: np.zeros((m, 1, 2, 2)), lambda m: np.zeros((m, 1, 2, 2)),
                          (1, 2, 2), steps=1, fourier_scales=(1.0,))


def test_a_given_network_learns_the_ratio_of_image_classes():
    # images of two kinds, a bright square or a dark one (plus noise): the data draws squares
    # 3 : 1, G 1 : 1, so log p_data / p_g is log 1.5 on squares and log 0.5 on the rest
    def images(share_of_squares, rng):
        def draw(m):
            x = 0.1 * rng.standard_normal((m, 1, 8, 8))
            x[rng.random(m) < share_of_squares, :, 2:6, 2:6] += 1.0
            return x
        return draw

    network = nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
                            nn.Linear(4 * 4 * 4, 1))
    logit = fit_density_ratio(images(0.75, np.random.default_rng(0)),
                              images(0.5, np.random.default_rng(1)), (1, 8, 8), steps=400,
                              batch_size=256, lr=3e-3, network=network)
    squares = images(1.0, np.random.default_rng(2))(500)
    plain = images(0.0, np.random.default_rng(3))(500)
    assert abs(np.median(logit(squares)) - np.log(1.5)) < 0.15
    assert abs(np.median(logit(plain)) - np.log(0.5)) < 0.15


def test_a_given_network_must_be_a_module_and_excludes_fourier_features():
    with pytest.raises(TypeError, match="fit_density_ratio: network must be a tinygan.nn.Module"):
        fit_density_ratio(None, None, (1,), network=lambda x: x)
    with pytest.raises(ValueError, match="fit_density_ratio: give either network or "
                                         "fourier_scales"):
        fit_density_ratio(None, None, (1,), fourier_scales=(1.0,), network=nn.Linear(1, 1))
