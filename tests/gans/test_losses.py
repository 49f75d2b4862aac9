"""Each adversarial loss against a hand computation, including |logit| = 100."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import losses

REAL = np.array([2.0, -1.0, 0.5])
FAKE = np.array([-3.0, 0.0, 1.5])


def log_sigmoid(d):
    """log(1 / (1 + e^-d)), evaluated the textbook way (fine for small |d|)."""
    return np.log(1 / (1 + np.exp(-d)))


def t(values, dtype=np.float64):
    return tg.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_cross_entropy_discriminator_is_minus_the_value_function():
    expected = -(log_sigmoid(REAL).mean() + np.log(1 - 1 / (1 + np.exp(-FAKE))).mean())
    got = losses.discriminator_cross_entropy(t(REAL), t(FAKE)).item()
    assert got == pytest.approx(expected, rel=1e-12)


def test_generator_costs_match_their_formulas():
    d_fake = 1 / (1 + np.exp(-FAKE))
    assert losses.generator_minimax(t(FAKE)).item() == pytest.approx(np.log(1 - d_fake).mean())
    assert losses.generator_non_saturating(t(FAKE)).item() == pytest.approx(-np.log(d_fake).mean())
    # sigma^-1(D) is the logit itself.
    ml = -0.5 * np.exp(np.log(d_fake / (1 - d_fake))).mean()
    assert losses.generator_maximum_likelihood(t(FAKE)).item() == pytest.approx(ml)


def test_least_squares_hinge_and_wasserstein_match_their_formulas():
    a, b, c = -1.0, 1.0, 0.0
    ls_d = 0.5 * ((REAL - b) ** 2).mean() + 0.5 * ((FAKE - a) ** 2).mean()
    assert losses.discriminator_least_squares(t(REAL), t(FAKE), a, b).item() == pytest.approx(ls_d)
    assert losses.generator_least_squares(t(FAKE), c).item() == pytest.approx(
        0.5 * ((FAKE - c) ** 2).mean())
    hinge_d = np.maximum(0, 1 - REAL).mean() + np.maximum(0, 1 + FAKE).mean()
    assert losses.discriminator_hinge(t(REAL), t(FAKE)).item() == pytest.approx(hinge_d)
    assert losses.generator_hinge(t(FAKE)).item() == pytest.approx(-FAKE.mean())
    assert losses.critic_wasserstein(t(REAL), t(FAKE)).item() == pytest.approx(
        FAKE.mean() - REAL.mean())
    assert losses.generator_wasserstein(t(FAKE)).item() == pytest.approx(-FAKE.mean())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_losses_are_finite_at_logits_of_100(dtype):
    big = t([100.0, -100.0], dtype)
    # D(x) = sigma(+-100): log D(100) = -e^-100 ~ 0, log D(-100) = -100 - e^-100 ~ -100.
    d_loss = losses.discriminator_cross_entropy(big, big)
    assert d_loss.item() == pytest.approx((100 + 100) / 2, rel=1e-6)
    (g,) = tg.grad(d_loss, big)
    # d/dd [softplus(-d) + softplus(d)] / 2 = (sigma(d) - sigma(-d)) / 2 = +-1/2
    np.testing.assert_allclose(g.numpy(), [0.5, -0.5], rtol=1e-6)
    assert losses.generator_minimax(big).item() == pytest.approx(-50.0, rel=1e-6)
    assert losses.generator_non_saturating(big).item() == pytest.approx(50.0, rel=1e-6)
    for cost in (losses.generator_minimax, losses.generator_non_saturating):
        (g,) = tg.grad(cost(big), big)
        assert np.all(np.isfinite(g.numpy()))


def test_minimax_saturates_where_non_saturating_does_not():
    """The practical aside: at D(G(z)) ~ 0 (logit -10) the minimax gradient vanishes."""
    d = t([-10.0])
    (g_minimax,) = tg.grad(losses.generator_minimax(d), d)
    (g_ns,) = tg.grad(losses.generator_non_saturating(d), d)
    assert abs(g_minimax.item()) < 1e-4 and abs(g_ns.item()) > 0.99


def test_maximum_likelihood_cost_at_large_logits_in_float64():
    d = t([100.0, -100.0])
    assert losses.generator_maximum_likelihood(d).item() == pytest.approx(
        -0.25 * (np.exp(100.0) + np.exp(-100.0)))
    (g,) = tg.grad(losses.generator_maximum_likelihood(d), d)
    np.testing.assert_allclose(g.numpy(), -0.25 * np.exp([100.0, -100.0]))


def test_unknown_loss_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="non-saturating"):
        losses.get_loss("nonsaturating")
