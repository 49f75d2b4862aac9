"""CycleGAN: least-squares and cycle losses, the image pool, one iteration."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.cyclegan import (CycleGAN, ImagePool, InstanceNorm2d, cycle_consistency_loss,
                                   discriminator_loss, generator_adversarial_loss, identity_loss)
from tinygan.testing import gradcheck

SMALL = {"batch_size": 3, "width": 2, "residual_blocks": 1}
RNG = np.random.default_rng(0)


def unpaired(x, y):
    """sample_real returning the fixed pair (x, y)."""
    def sample_real(m):
        assert len(x) == len(y) == m
        return tg.tensor(x, dtype=tg.default_dtype()), tg.tensor(y, dtype=tg.default_dtype())
    return sample_real


def test_least_squares_losses_by_hand():
    real, fake = RNG.standard_normal((2, 1, 3, 3)), RNG.standard_normal((2, 1, 3, 3))
    np.testing.assert_allclose(generator_adversarial_loss(tg.tensor(fake)).item(),
                               ((fake - 1) ** 2).mean(), rtol=1e-12)
    np.testing.assert_allclose(discriminator_loss(tg.tensor(real), tg.tensor(fake)).item(),
                               (((real - 1) ** 2).mean() + (fake ** 2).mean()) / 2, rtol=1e-12)


def test_cycle_and_identity_losses_by_hand():
    x, fx, y, gy = (RNG.standard_normal((2, 1, 4, 4)) for _ in range(4))
    t = tg.tensor
    np.testing.assert_allclose(cycle_consistency_loss(t(x), t(fx), t(y), t(gy)).item(),
                               np.abs(fx - x).mean() + np.abs(gy - y).mean(), rtol=1e-12)
    np.testing.assert_allclose(identity_loss(t(x), t(fx), t(y), t(gy)).item(),
                               np.abs(gy - y).mean() + np.abs(fx - x).mean(), rtol=1e-12)
    assert cycle_consistency_loss(t(x), t(x), t(y), t(y)).item() == 0


def test_loss_gradients_match_finite_differences():
    def leaf():
        return tg.tensor(RNG.standard_normal((2, 1, 2, 2)), requires_grad=True)
    gradcheck(generator_adversarial_loss, [leaf()])
    gradcheck(discriminator_loss, [leaf(), leaf()])
    gradcheck(cycle_consistency_loss, [leaf(), leaf(), leaf(), leaf()])


def test_instance_norm_normalises_each_channel_of_each_image():
    x = tg.tensor(RNG.standard_normal((2, 3, 4, 4)) * 5 + 2)
    y = InstanceNorm2d()(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(2, 3)), 1, rtol=1e-4)


def test_cycle_loss_reaches_both_generators():
    cycle = CycleGAN((1, 8, 8), SMALL)
    x, y = tg.randn(3, 1, 8, 8), tg.randn(3, 1, 8, 8)
    only_x = cycle_consistency_loss(x, cycle.inverse(cycle.generator(x)), y, y)
    g_params, f_params = list(cycle.generator.parameters()), list(cycle.inverse.parameters())
    grads = tg.grad(only_x, g_params + f_params)
    assert all(float(np.abs(g.numpy()).sum()) > 0 for g in grads[:len(g_params)])
    assert all(float(np.abs(g.numpy()).sum()) > 0 for g in grads[len(g_params):])


def test_image_pool_keeps_history():
    tg.manual_seed(0)
    pool = ImagePool(2)
    first = tg.tensor(np.arange(2.0).reshape(2, 1))
    np.testing.assert_array_equal(pool.query(first).numpy(), first.numpy())  # filling: as given
    seen = np.concatenate([pool.query(tg.tensor(np.full((1, 1), 10.0 + k))).numpy().ravel()
                           for k in range(40)])
    assert set(seen) <= {0.0, 1.0} | {10.0 + k for k in range(40)}
    assert {0.0, 1.0} & set(seen) and len(pool.images) == 2
    assert ImagePool(0).query(first).numpy().tolist() == first.numpy().tolist()


def test_train_step_updates_generators_jointly_then_discriminators(float64):
    """G and F descend L_GAN(G) + L_GAN(F) + lambda L_cyc + identity; D_Y sees pre-update fakes."""
    tg.manual_seed(0)
    cycle = CycleGAN((1, 8, 8), {**SMALL, "identity_weight": 5.0})
    x, y = RNG.uniform(-1, 1, (3, 1, 8, 8)), RNG.uniform(-1, 1, (3, 1, 8, 8))
    replay = copy.deepcopy(cycle)

    metrics = cycle.train_step(unpaired(x, y))

    xt, yt = tg.tensor(x), tg.tensor(y)
    losses, fake_y, fake_x = replay.generator_losses(xt, yt)
    total = losses["gan_G"] + losses["gan_F"] + 10 * losses["cycle"] + 5 * losses["identity"]
    params = list(replay.generator.parameters()) + list(replay.inverse.parameters())
    expected = tg.grad(total, params)
    got = [p.grad for net in (cycle.generator, cycle.inverse) for p in net.parameters()]
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    d_y = discriminator_loss(replay.discriminator_y(yt), replay.discriminator_y(fake_y.detach()))
    expected = tg.grad(d_y, list(replay.discriminator_y.parameters()))
    for e, p in zip(expected, cycle.discriminator_y.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(metrics["loss/G+F"], total.item(), rtol=1e-9)
    np.testing.assert_allclose(metrics["loss/D_Y"], d_y.item(), rtol=1e-9)


def test_protocol_translation_and_sizes():
    cycle = CycleGAN((1, 8, 8), SMALL)
    assert CycleGAN.paired_domains is True and cycle.config["cycle_weight"] == 10.0
    assert set(cycle.networks()) == set(cycle.optimizers()) == {"G", "F", "D_X", "D_Y"}
    x = tg.randn(2, 1, 8, 8)
    assert cycle.translate(x).shape == cycle.translate_back(x).shape == (2, 1, 8, 8)
    assert cycle.discriminator_y(x).shape == (2, 1, 2, 2)
    metrics = cycle.train_step(lambda m: (tg.randn(m, 1, 8, 8), tg.randn(m, 1, 8, 8)))
    assert "loss/identity" not in metrics and all(np.isfinite(v) for v in metrics.values())
    with pytest.raises(NotImplementedError, match="translate"):
        cycle.sample(2)
    assert CycleGAN((1, 28, 28), SMALL).translate(tg.randn(1, 1, 28, 28)).shape == (1, 1, 28, 28)
    with pytest.raises(ValueError, match="even"):
        CycleGAN((1, 7, 7), SMALL)


def test_checkpoints_keep_the_image_pools(tmp_path):
    from tinygan.checkpoint import load_checkpoint, save_checkpoint
    cycle = CycleGAN((1, 8, 8), SMALL)
    assert cycle.get_extra_state()["pool_x"].shape == (0, 1, 8, 8)
    for _ in range(2):
        cycle.train_step(lambda m: (tg.randn(m, 1, 8, 8), tg.randn(m, 1, 8, 8)))
    path = save_checkpoint(tmp_path / "cycle.npz", cycle, 2, cycle.config)
    restored = CycleGAN((1, 8, 8), SMALL)
    load_checkpoint(path, restored)
    assert len(restored.pool_x.images) == len(restored.pool_y.images) == 6
    for mine, theirs in zip(cycle.pool_y.images, restored.pool_y.images):
        np.testing.assert_array_equal(mine, theirs)
