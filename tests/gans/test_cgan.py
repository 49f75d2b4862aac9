"""CGAN: both players see the label, the conditional value function, one iteration replayed."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import get
from tinygan.gans.cgan import CGAN
from tinygan.gans.dcgan import discriminator_loss, generator_loss

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 4}


def test_is_registered_and_needs_labels():
    assert get("cgan") is CGAN and CGAN.needs_labels is True
    assert CGAN.defaults["noise"] == "uniform" and CGAN.defaults["z_dim"] == 100


def test_the_label_changes_both_players_outputs():
    cgan = CGAN(SHAPE, SMALL)
    z = cgan.sample_z(2)
    x = tg.randn(2, *SHAPE)
    with tg.no_grad():
        a, b = cgan.generator(z, np.array([0, 0])), cgan.generator(z, np.array([7, 7]))
        assert not np.allclose(a.numpy(), b.numpy())
        d_a, d_b = cgan.discriminator(x, np.array([1, 1])), cgan.discriminator(x, np.array([2, 2]))
        assert not np.allclose(d_a.numpy(), d_b.numpy())


def test_discriminator_gradient_reaches_only_the_labels_used():
    cgan = CGAN(SHAPE, SMALL)
    out = cgan.discriminator(tg.randn(2, *SHAPE), tg.tensor(np.array([3, 5]))).sum()
    (g,) = tg.grad(out, [cgan.discriminator.embed.weight])
    used = np.abs(g.numpy()).sum(axis=1) > 0
    assert used.tolist() == [k in (3, 5) for k in range(10)]


def test_sample_honours_the_requested_labels_and_checks_them():
    cgan = CGAN(SHAPE, SMALL)
    assert cgan.sample(3, labels=[0, 1, 2]).shape == (3,) + SHAPE
    assert cgan.sample(5).shape == (5,) + SHAPE
    with pytest.raises(ValueError, match="lie in"):
        cgan.sample(2, labels=[0, 10])


def test_train_step_is_one_d_step_then_one_g_step(float64):
    cgan = CGAN(SHAPE, SMALL)
    z_d, z_g = cgan.sample_z(4), cgan.sample_z(4)
    y, y_d, y_g = np.array([0, 3, 3, 9]), np.array([1, 2, 4, 4]), np.array([8, 0, 5, 6])
    x = np.random.default_rng(1).uniform(-1, 1, (4,) + SHAPE)
    replay = copy.deepcopy(cgan)
    before = [p.numpy().copy() for p in cgan.generator.parameters()]
    cgan.sample_z, cgan.sample_labels = queue(z_d, z_g), queue(y_d, y_g)
    metrics = cgan.train_step(lambda m: (tg.tensor(x), tg.tensor(y)))
    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())
    assert any(not np.array_equal(p.numpy(), b) for p, b in zip(cgan.generator.parameters(), before))

    with tg.no_grad():
        fake = replay.generator(z_d, y_d)
    d_loss = discriminator_loss(replay.discriminator(tg.tensor(x), y), replay.discriminator(fake, y_d))
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-10)
    d_params = list(replay.discriminator.parameters())
    for p, g, done in zip(d_params, tg.grad(d_loss, d_params), cgan.discriminator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
        p.grad = g
    replay.opt_d.step()
    g_loss = generator_loss(replay.discriminator(replay.generator(z_g, y_g), y_g))
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-10)
    g_params = list(replay.generator.parameters())
    for g, done in zip(tg.grad(g_loss, g_params), cgan.generator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
