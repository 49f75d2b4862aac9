"""BigGAN: truncation, hinge losses by hand, spectral norm and orthogonal init, the shared
class embedding, one iteration."""
import math

import numpy as np
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.gans.biggan import BigGAN, discriminator_loss, generator_loss, truncated_normal

SMALL = {"batch_size": 4, "z_dim": 6, "embed_dim": 3, "width": 4, "n_d_steps": 1}
RNG = np.random.default_rng(0)


def sampler():
    return lambda m: (tg.tensor(RNG.uniform(-1, 1, (m, 1, 8, 8)), dtype=tg.default_dtype()),
                      RNG.integers(0, 10, m))


def test_truncated_noise_stays_within_the_threshold():
    tg.manual_seed(0)
    z = truncated_normal(2000, 5, 0.5).numpy()
    assert np.abs(z).max() <= 0.5
    a, density = 0.5, np.exp(-0.125) / np.sqrt(2 * np.pi)
    mass = math.erf(a / np.sqrt(2))                            # P(|z| < a)
    assert z.var() == pytest.approx(1 - 2 * a * density / mass, rel=0.05)


def test_hinge_losses_by_hand(float64):
    real, fake = np.array([0.5, 1.5, -2.0]), np.array([-1.5, 0.2, 0.9])
    expected = np.maximum(0, 1 - real).mean() + np.maximum(0, 1 + fake).mean()
    assert discriminator_loss(tg.tensor(real), tg.tensor(fake)).item() == pytest.approx(expected)
    assert generator_loss(tg.tensor(fake)).item() == pytest.approx(-fake.mean())


def test_every_weight_is_spectrally_normalised_and_orthogonally_initialised():
    gan = BigGAN((1, 8, 8), SMALL)
    convs = [m for net in gan.networks().values() for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear)) and not isinstance(
                 m, type(gan.generator.block1.bn1.gain))]
    assert convs and all(hasattr(m, "weight_orig") for m in convs)
    assert hasattr(gan.discriminator.head.embed, "weight_orig")
    w = gan.generator.block1.conv1.weight_orig.numpy().reshape(4, -1)
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=1e-5)


def test_biases_start_at_zero_so_samples_differ_through_z_alone():
    gan = BigGAN((1, 8, 8), SMALL)
    layers = [m for net in gan.networks().values() for m in net.modules()
              if hasattr(m, "weight_orig") and getattr(m, "bias", None) is not None]
    assert layers and all(np.all(m.bias.numpy() == 0) for m in layers)
    # what batch norm sees first: h = linear(z chunk), shape (m, C, H, W); its variance
    # across samples at a fixed position is all of its variance per channel
    tg.manual_seed(1)
    with tg.no_grad():
        h = gan.generator.linear(tg.randn(4000, 2)).numpy().reshape(4000, 8, 2, 2)
    across_samples = h.var(axis=0).mean(axis=(1, 2))
    per_channel = h.transpose(1, 0, 2, 3).reshape(8, -1).var(axis=1)
    np.testing.assert_allclose(across_samples, per_channel, rtol=0.1)


def test_conditional_batch_norms_share_the_class_embedding():
    gan = BigGAN((1, 8, 8), SMALL)
    g = gan.generator
    for block in (g.block1, g.block2):
        block.bn1.gain.weight.data[...] = 0.3
    y = np.array([1, 2])
    loss = g(tg.randn(2, 6), y).sum()
    (grad,) = tg.grad(loss, [g.shared.weight])
    grad = grad.numpy()
    assert np.abs(grad[[1, 2]]).sum() > 0 and np.all(grad[[0, 3, 4]] == 0)


def test_one_step_changes_both_networks_and_samples_are_conditional():
    gan = BigGAN((1, 8, 8), SMALL)
    g0 = gan.generator.linear.weight_orig.numpy().copy()
    d0 = gan.discriminator.head.embed.weight_orig.numpy().copy()
    stats = gan.train_step(sampler())
    assert np.isfinite(stats["loss/D"]) and np.isfinite(stats["loss/G"])
    assert not np.allclose(g0, gan.generator.linear.weight_orig.numpy())
    assert not np.allclose(d0, gan.discriminator.head.embed.weight_orig.numpy())
    assert gan.sample(3, labels=[0, 1, 2], truncation=0.5).shape == (3, 1, 8, 8)
