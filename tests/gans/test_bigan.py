"""BiGAN / ALI: the joint discriminator's losses and one iteration of the algorithm."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.base import descend_jointly
from tinygan.gans.bigan import BiGAN, discriminator_loss, encoder_generator_loss
from tinygan.testing import gradcheck

from tests.gans.helpers import fixed_batches

SMALL = {"batch_size": 4, "z_dim": 3, "width": 2, "d_hidden": 8}


def softplus(s):
    return np.log1p(np.exp(s))


def log_sigmoid(s):
    return -softplus(-s)


REAL, FAKE = np.array([0.3, -1.2, 2.0]), np.array([-0.5, 0.8, 0.1])


def test_discriminator_loss_is_minus_v_by_hand():
    expected = -(log_sigmoid(REAL).mean() + np.log(1 - 1 / (1 + np.exp(-FAKE))).mean())
    got = discriminator_loss(tg.tensor(REAL), tg.tensor(FAKE)).item()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_encoder_generator_losses_by_hand():
    sig_r, sig_f = 1 / (1 + np.exp(-REAL)), 1 / (1 + np.exp(-FAKE))
    v = np.log(sig_r).mean() + np.log(1 - sig_f).mean()
    inverted = -np.log(1 - sig_r).mean() - np.log(sig_f).mean()
    real, fake = tg.tensor(REAL), tg.tensor(FAKE)
    np.testing.assert_allclose(encoder_generator_loss(real, fake, "minimax").item(), v, rtol=1e-12)
    np.testing.assert_allclose(encoder_generator_loss(real, fake, "non-saturating").item(),
                               inverted, rtol=1e-12)
    with pytest.raises(ValueError, match="minimax"):
        encoder_generator_loss(real, fake, "hinge")


@pytest.mark.parametrize("kind", ["minimax", "non-saturating"])
def test_loss_gradients_match_finite_differences(kind):
    real = tg.tensor(REAL, requires_grad=True)
    fake = tg.tensor(FAKE, requires_grad=True)
    gradcheck(lambda r, f: discriminator_loss(r, f), [real, fake])
    gradcheck(lambda r, f: encoder_generator_loss(r, f, kind), [real, fake])


def test_extreme_logits_stay_finite():
    big = tg.tensor([100.0, -100.0])
    assert np.isfinite(discriminator_loss(big, -big).item())
    assert np.isfinite(encoder_generator_loss(big, -big).item())


def test_encoder_and_generator_meet_only_in_the_discriminator():
    bigan = BiGAN((1, 8, 8), SMALL)
    x, z = tg.randn(4, 1, 8, 8), bigan.sample_z(4)
    real_pair, fake_pair = bigan.pair_logits(x, z)
    e_params, g_params = list(bigan.encoder.parameters()), list(bigan.generator.parameters())
    grads = tg.grad(real_pair.sum(), e_params + g_params, allow_unused=True, retain_graph=True)
    assert all(g is not None for g in grads[:len(e_params)])
    assert all(g is None for g in grads[len(e_params):])
    grads = tg.grad(fake_pair.sum(), e_params + g_params, allow_unused=True)
    assert all(g is None for g in grads[:len(e_params)])
    assert all(g is not None for g in grads[len(e_params):])


def test_train_step_is_one_d_step_then_one_joint_e_g_step(float64):
    """Replays the iteration with the loss functions on a copy and compares every gradient."""
    tg.manual_seed(0)
    bigan = BiGAN((1, 8, 8), SMALL)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 1, 8, 8))
    z = bigan.sample_z(4)
    bigan.sample_z = lambda m: z
    replay = copy.deepcopy(bigan)
    params = {name: [p.numpy().copy() for p in net.parameters()]
              for name, net in bigan.networks().items()}

    metrics = bigan.train_step(fixed_batches(x))

    xt = tg.tensor(x)
    with tg.no_grad():
        encoded, generated = replay.encoder(xt), replay.generator(z)
    d_loss = discriminator_loss(replay.discriminator(xt, encoded),
                                replay.discriminator(generated, z))
    descend_jointly(d_loss, [replay.discriminator], [replay.opt_d])
    eg_loss = encoder_generator_loss(*replay.pair_logits(xt, z))
    e_params, g_params = list(replay.encoder.parameters()), list(replay.generator.parameters())
    expected = tg.grad(eg_loss, e_params + g_params)
    got = [p.grad for net in (bigan.encoder, bigan.generator) for p in net.parameters()]
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    for mine, theirs in zip(bigan.discriminator.parameters(), replay.discriminator.parameters()):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-9)
    np.testing.assert_allclose(metrics["loss/EG"], eg_loss.item(), rtol=1e-9)
    for name, net in bigan.networks().items():
        assert any(not np.array_equal(p.numpy(), old)
                   for p, old in zip(net.parameters(), params[name]))


def test_protocol_and_reconstruction():
    bigan = BiGAN((1, 8, 8), SMALL)
    assert set(bigan.networks()) == set(bigan.optimizers()) == {"E", "G", "D"}
    assert bigan.config["noise"] == "uniform" and bigan.config["z_dim"] == 3
    z = bigan.sample_z(1000)
    assert -1 <= z.numpy().min() and z.numpy().max() <= 1
    x = tg.randn(5, 1, 8, 8)
    assert bigan.encode(x).shape == (5, 3)
    recon = bigan.reconstruct(x)
    assert recon.shape == (5, 1, 8, 8) and not recon.requires_grad
    assert np.abs(recon.numpy()).max() <= 1
    assert bigan.sample(3).shape == (3, 1, 8, 8)


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 32, 32)])
def test_mnist_sizes_build(shape):
    bigan = BiGAN(shape, SMALL)
    assert bigan.reconstruct(tg.randn(2, *shape)).shape == (2,) + shape


def test_bad_shape_and_loss_are_refused():
    with pytest.raises(ValueError, match="divisible by 4"):
        BiGAN((1, 10, 10), SMALL)
    with pytest.raises(ValueError, match="unknown loss"):
        BiGAN((1, 8, 8), {**SMALL, "loss": "hinge"})
