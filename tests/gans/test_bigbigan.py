"""BigBiGAN: the three heads, the losses of eqs. 24-27 by hand, one iteration."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.bigbigan import BigBiGAN, discriminator_loss, encoder_generator_loss

SMALL = {"batch_size": 4, "z_dim": 3, "width": 2, "hidden": 8}
RNG = np.random.default_rng(0)
DATA = [np.array([0.5, -0.2, 1.4]), np.array([1.2, 0.3, -0.7]), np.array([-0.1, 2.0, 0.4])]
GEN = [np.array([-1.3, 0.1, 0.6]), np.array([0.2, -2.0, -0.5]), np.array([0.9, -0.4, -1.1])]


def hinge(t):
    return np.maximum(0, 1 - t)


def test_discriminator_loss_eqs_26_27_by_hand(float64):
    expected = sum(hinge(d).mean() + hinge(-g).mean() for d, g in zip(DATA, GEN))
    got = discriminator_loss([tg.tensor(s) for s in DATA], [tg.tensor(s) for s in GEN]).item()
    assert got == pytest.approx(expected)


def test_encoder_generator_loss_eqs_24_25_by_hand(float64):
    expected = (+1 * sum(DATA)).mean() + (-1 * sum(GEN)).mean()
    got = encoder_generator_loss([tg.tensor(s) for s in DATA], [tg.tensor(s) for s in GEN])
    assert got.item() == pytest.approx(expected)


def test_heads_see_what_they_should():
    gan = BigBiGAN((1, 8, 8), SMALL)
    d = gan.discriminator
    x, z = tg.randn(2, 1, 8, 8), tg.randn(2, 3)
    s_x, s_z, s_xz = d(x, z)
    s_x2, s_z2, s_xz2 = d(x, tg.randn(2, 3))
    np.testing.assert_allclose(s_x.numpy(), s_x2.numpy())          # F ignores z
    assert not np.allclose(s_z.numpy(), s_z2.numpy()) and not np.allclose(s_xz.numpy(),
                                                                          s_xz2.numpy())
    s_x3, s_z3, _ = d(tg.randn(2, 1, 8, 8), z)
    np.testing.assert_allclose(s_z.numpy(), s_z3.numpy())          # H ignores x


def test_one_step_changes_all_three_networks():
    gan = BigBiGAN((1, 8, 8), SMALL)
    before = {k: [p.numpy().copy() for p in net.parameters()] for k, net in gan.networks().items()}
    stats = gan.train_step(lambda m: tg.tensor(RNG.uniform(-1, 1, (m, 1, 8, 8)),
                                               dtype=tg.default_dtype()))
    assert np.isfinite(stats["loss/D"]) and "s_xz/data" in stats
    for k, net in gan.networks().items():
        assert any(not np.allclose(a, p.numpy()) for a, p in zip(before[k], net.parameters())), k
    assert gan.reconstruct(tg.randn(2, 1, 8, 8)).shape == (2, 1, 8, 8)
