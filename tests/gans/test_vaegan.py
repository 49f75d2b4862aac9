"""VAE-GAN: the reparameterisation, the three losses, and who learns from which loss."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.vaegan import (VAEGAN, decoder_gan_loss, discriminator_loss,
                                 feature_reconstruction, kl_prior, reparameterise)
from tinygan.testing import gradcheck

from tests.gans.helpers import fixed_batches

SMALL = {"batch_size": 4, "z_dim": 3, "width": 2, "d_hidden": 8}
RNG = np.random.default_rng(0)
MU, LOG_VAR, EPS = (RNG.standard_normal((4, 3)) for _ in range(3))


def softplus(s):
    return np.log1p(np.exp(s))


def test_reparameterisation_value_and_gradient_by_hand():
    mu, log_var = tg.tensor(MU, requires_grad=True), tg.tensor(LOG_VAR, requires_grad=True)
    z = reparameterise(mu, log_var, tg.tensor(EPS))
    sigma = np.exp(LOG_VAR / 2)
    np.testing.assert_allclose(z.numpy(), MU + sigma * EPS, rtol=1e-12)
    d_mu, d_log_var = tg.grad(z.sum(), [mu, log_var])
    np.testing.assert_allclose(d_mu.numpy(), np.ones_like(MU))          # dz/dmu = 1
    np.testing.assert_allclose(d_log_var.numpy(), 0.5 * sigma * EPS, rtol=1e-12)  # dz/dlog s^2
    gradcheck(lambda m, v: reparameterise(m, v, tg.tensor(EPS)), [mu, log_var])


def test_reparameterised_samples_have_the_posterior_moments():
    eps = np.random.default_rng(1).standard_normal((200000, 1))
    mu, log_var = np.array([[1.5]]), np.array([[np.log(0.25)]])
    z = reparameterise(tg.tensor(mu), tg.tensor(log_var), tg.tensor(eps)).numpy()
    assert abs(z.mean() - 1.5) < 0.01 and abs(z.std() - 0.5) < 0.01


def test_kl_prior_by_hand_and_zero_at_the_prior():
    expected = (0.5 * (MU ** 2 + np.exp(LOG_VAR) - LOG_VAR - 1).sum(1)).mean()
    np.testing.assert_allclose(kl_prior(tg.tensor(MU), tg.tensor(LOG_VAR)).item(), expected,
                               rtol=1e-12)
    assert kl_prior(tg.zeros(4, 3), tg.zeros(4, 3)).item() == 0.0
    # a one-dimensional N(m, s^2) against N(0, 1): log(1/s) + (s^2 + m^2)/2 - 1/2
    m, s = 0.7, 1.9
    mu, log_var = tg.tensor(np.array([[m]])), tg.tensor(np.array([[2 * np.log(s)]]))
    np.testing.assert_allclose(kl_prior(mu, log_var).item(),
                               np.log(1 / s) + (s * s + m * m) / 2 - 0.5, rtol=1e-12)


def test_feature_and_gan_losses_by_hand():
    a, b = RNG.standard_normal((4, 2, 2, 2)), RNG.standard_normal((4, 2, 2, 2))
    expected = (0.5 * ((a - b) ** 2).reshape(4, -1).sum(1)).mean()
    np.testing.assert_allclose(feature_reconstruction(tg.tensor(a), tg.tensor(b)).item(), expected,
                               rtol=1e-12)
    real, recon, prior = RNG.standard_normal(4), RNG.standard_normal(4), RNG.standard_normal(4)
    sig = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    l_gan = np.log(sig(real)).mean() + np.log(1 - sig(recon)).mean() + np.log(1 - sig(prior)).mean()
    t = tg.tensor
    np.testing.assert_allclose(discriminator_loss(t(real), t(recon), t(prior)).item(), -l_gan,
                               rtol=1e-12)
    np.testing.assert_allclose(decoder_gan_loss(t(recon), t(prior), "minimax").item(),
                               np.log(1 - sig(recon)).mean() + np.log(1 - sig(prior)).mean(),
                               rtol=1e-12)
    np.testing.assert_allclose(decoder_gan_loss(t(recon), t(prior), "non-saturating").item(),
                               -np.log(sig(recon)).mean() - np.log(sig(prior)).mean(), rtol=1e-12)


def test_loss_gradients_match_finite_differences():
    def leaf(shape):
        return tg.tensor(RNG.standard_normal(shape), requires_grad=True)
    gradcheck(kl_prior, [leaf((3, 2)), leaf((3, 2))])
    gradcheck(feature_reconstruction, [leaf((3, 4)), leaf((3, 4))])
    gradcheck(discriminator_loss, [leaf(3), leaf(3), leaf(3)])
    for kind in ("minimax", "non-saturating"):
        gradcheck(lambda r, p: decoder_gan_loss(r, p, kind), [leaf(3), leaf(3)])


def test_each_network_learns_only_from_its_own_loss(float64):
    """Enc: L_prior + L_llike (no GAN term); Dec: gamma L_llike + GAN; Dis: L_GAN only."""
    tg.manual_seed(0)
    vaegan = VAEGAN((1, 8, 8), {**SMALL, "gamma": 0.3})
    x = np.random.default_rng(2).uniform(-1, 1, (4, 1, 8, 8))
    eps, z_p = tg.randn(4, 3), tg.randn(4, 3)
    vaegan.sample_eps, vaegan.sample_z = (lambda m: eps), (lambda m: z_p)
    replay = copy.deepcopy(vaegan)

    vaegan.train_step(fixed_batches(x))

    loss = replay.losses(tg.tensor(x), eps, z_p)
    assignments = {"Enc": loss["prior"] + loss["llike"],
                   "Dec": 0.3 * loss["llike"] + loss["dec_gan"], "Dis": loss["gan"]}
    for name, network in replay.networks().items():
        expected = tg.grad(assignments[name], list(network.parameters()), retain_graph=True)
        got = [p.grad for p in vaegan.networks()[name].parameters()]
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    with_gan = tg.grad(assignments["Enc"] + loss["dec_gan"], list(replay.encoder.parameters()))
    assert any(not np.allclose(w.numpy(), p.grad.numpy())
               for w, p in zip(with_gan, vaegan.encoder.parameters()))


def test_protocol_reconstruction_and_sizes():
    vaegan = VAEGAN((1, 8, 8), SMALL)
    assert set(vaegan.networks()) == set(vaegan.optimizers()) == {"Enc", "Dec", "Dis"}
    assert type(vaegan.opt_d).__name__ == "RMSprop"
    mu, log_var = vaegan.encode(tg.randn(5, 1, 8, 8))
    assert mu.shape == log_var.shape == (5, 3)
    assert vaegan.reconstruct(tg.randn(5, 1, 8, 8)).shape == (5, 1, 8, 8)
    assert vaegan.sample(2).shape == (2, 1, 8, 8)
    metrics = vaegan.train_step(lambda m: tg.randn(m, 1, 8, 8).clip(-1, 1))
    assert all(np.isfinite(v) for v in metrics.values()) and metrics["prior"] >= 0
    assert VAEGAN((1, 28, 28), SMALL).reconstruct(tg.randn(2, 1, 28, 28)).shape == (2, 1, 28, 28)
    with pytest.raises(ValueError, match="decoder_loss"):
        VAEGAN((1, 8, 8), {**SMALL, "decoder_loss": "hinge"})
