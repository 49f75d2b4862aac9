"""SAGAN: hinge losses by hand, spectral norm and attention everywhere they belong, TTUR,
attention maps, and one iteration replayed."""
import copy

import numpy as np
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.gans.sagan import (SAGAN, attention_layers, attention_maps, discriminator_loss,
                                generator_loss)

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 8}
REAL, FAKE = np.array([0.3, 1.7, -0.4, 2.0]), np.array([-1.5, 0.2, -0.6, 1.1])


def test_hinge_losses_and_gradients_by_hand():
    m = len(REAL)
    d = np.maximum(0, 1 - REAL).mean() + np.maximum(0, 1 + FAKE).mean()
    real, fake = tg.tensor(REAL, requires_grad=True), tg.tensor(FAKE, requires_grad=True)
    loss = discriminator_loss(real, fake)
    np.testing.assert_allclose(loss.item(), d, rtol=1e-12)
    g_real, g_fake = tg.grad(loss, [real, fake])
    np.testing.assert_allclose(g_real.numpy(), np.where(REAL < 1, -1.0, 0.0) / m)
    np.testing.assert_allclose(g_fake.numpy(), np.where(FAKE > -1, 1.0, 0.0) / m)
    g_loss = generator_loss(fake)
    np.testing.assert_allclose(g_loss.item(), -FAKE.mean(), rtol=1e-12)
    np.testing.assert_allclose(tg.grad(g_loss, [fake])[0].numpy(), np.full(m, -1 / m))


def test_every_weight_layer_is_spectrally_normalised():
    sagan = SAGAN(SHAPE, SMALL)
    for net in sagan.networks().values():
        layers = [m for m in net.modules()
                  if hasattr(m, "weight_orig") or isinstance(m, (nn.Linear, nn.Conv2d,
                                                                 nn.ConvTranspose2d))]
        assert layers and all(hasattr(m, "weight_orig") and hasattr(m, "weight_u") for m in layers)
        attention = attention_layers(net)
        assert len(attention) == 1
        assert all(hasattr(conv, "weight_orig") for conv in (attention[0].f, attention[0].g,
                                                               attention[0].h, attention[0].v))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in sagan.discriminator.modules())


def test_spectral_norm_divides_by_the_largest_singular_value():
    sagan = SAGAN(SHAPE, SMALL)
    conv = sagan.discriminator[0]
    for _ in range(30):                     # the power iteration converges over forwards
        conv(tg.randn(1, 1, 8, 8))
    w = conv.weight.numpy().reshape(conv.weight.shape[0], -1)
    assert np.linalg.svd(w, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-3)


def test_attention_sits_at_the_middle_resolution_and_starts_switched_off():
    sagan = SAGAN((1, 28, 28), {"width": 8, "z_dim": 4})
    images, maps = sagan.generator_attention(sagan.sample_z(2), [(0, 0), (7, 7)])
    assert images.shape == (2, 1, 28, 28) and maps.shape == (2, 2, 14, 14)
    for net in sagan.networks().values():
        assert attention_layers(net)[0].gamma.item() == 0.0


def test_two_time_scale_update_rule():
    sagan = SAGAN(SHAPE, SMALL)
    d, g = sagan.opt_d.param_groups[0], sagan.opt_g.param_groups[0]
    assert (d["lr"], g["lr"]) == (4e-4, 1e-4)
    assert d["betas"] == g["betas"] == (0.0, 0.9)


def test_attention_maps_sum_to_one_and_pick_the_query_row():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((2, 12, 12))
    beta = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    maps = attention_maps(beta, (3, 4), [(0, 0), (2, 1)])
    assert maps.shape == (2, 2, 3, 4)
    np.testing.assert_allclose(maps.sum(axis=(2, 3)), 1.0)
    np.testing.assert_array_equal(maps[:, 1].reshape(2, -1), beta[:, 2 * 4 + 1])
    with pytest.raises(ValueError, match="must lie"):
        attention_maps(beta, (3, 4), [(3, 0)])


def test_generator_attention_maps_sum_to_one():
    sagan = SAGAN(SHAPE, SMALL)
    _, maps = sagan.generator_attention(sagan.sample_z(3), [(0, 0), (1, 3), (3, 2)])
    assert maps.shape == (3, 3, 4, 4) and (maps >= 0).all()
    np.testing.assert_allclose(maps.sum(axis=(2, 3)), 1.0, rtol=1e-5)


def test_train_step_is_one_d_step_then_one_g_step(float64):
    sagan = SAGAN(SHAPE, SMALL)
    z_d, z_g = sagan.sample_z(4), sagan.sample_z(4)
    x = np.random.default_rng(1).uniform(-1, 1, (4,) + SHAPE)
    replay = copy.deepcopy(sagan)
    before = [p.numpy().copy() for p in sagan.generator.parameters()]
    sagan.sample_z = queue(z_d, z_g)
    metrics = sagan.train_step(lambda m: tg.tensor(x))
    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())
    assert any(not np.array_equal(p.numpy(), b) for p, b in zip(sagan.generator.parameters(), before))

    with tg.no_grad():
        fake = replay.generator(z_d)
    d_loss = discriminator_loss(replay.discriminate(tg.tensor(x)), replay.discriminate(fake))
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-10)
    d_params = list(replay.discriminator.parameters())
    for p, g, done in zip(d_params, tg.grad(d_loss, d_params), sagan.discriminator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
        p.grad = g
    replay.opt_d.step()
    g_loss = generator_loss(replay.discriminate(replay.generator(z_g)))
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-10)
    g_params = list(replay.generator.parameters())
    for g, done in zip(tg.grad(g_loss, g_params), sagan.generator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
