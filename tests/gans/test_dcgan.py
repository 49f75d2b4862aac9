"""DCGAN: its losses by hand, its architecture guidelines, and one iteration replayed."""
import copy
import re

import numpy as np
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.gans import get
from tinygan.gans.dcgan import DCGAN, discriminator_loss, generator_loss, interpolate_latents
from tinygan.gans.penalties import r1_penalty

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 4}
REAL, FAKE = np.array([0.3, -1.2, 2.0, 0.0]), np.array([-0.5, 0.8, 0.1, -2.5])


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def test_losses_are_binary_cross_entropies_by_hand():
    d = -(np.log(sigmoid(REAL)).mean() + np.log(1 - sigmoid(FAKE)).mean())
    g = -np.log(sigmoid(FAKE)).mean()
    np.testing.assert_allclose(discriminator_loss(tg.tensor(REAL), tg.tensor(FAKE)).item(), d,
                               rtol=1e-12)
    np.testing.assert_allclose(generator_loss(tg.tensor(FAKE)).item(), g, rtol=1e-12)


def test_loss_gradients_by_hand():
    real, fake = tg.tensor(REAL, requires_grad=True), tg.tensor(FAKE, requires_grad=True)
    g_real, g_fake = tg.grad(discriminator_loss(real, fake), [real, fake])
    m = len(REAL)
    np.testing.assert_allclose(g_real.numpy(), (sigmoid(REAL) - 1) / m, rtol=1e-12)
    np.testing.assert_allclose(g_fake.numpy(), sigmoid(FAKE) / m, rtol=1e-12)
    (g,) = tg.grad(generator_loss(fake), [fake])
    np.testing.assert_allclose(g.numpy(), (sigmoid(FAKE) - 1) / m, rtol=1e-12)


def test_extreme_logits_stay_finite():
    big = tg.tensor([100.0, -100.0])
    assert np.isfinite(discriminator_loss(big, -big).item())
    assert np.isfinite(generator_loss(big).item())


def test_batch_norms_keep_default_eps_and_momentum():
    """Catches BatchNorm2d(c, 0.8): a momentum passed where eps belongs."""
    dcgan = DCGAN((1, 28, 28), {"width": 8})
    norms = [m for net in dcgan.networks().values() for m in net.modules()
             if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    assert len(norms) == 3
    for norm in norms:
        assert norm.eps == 1e-5 and norm.momentum == 0.1


def test_architecture_follows_the_guidelines():
    dcgan = DCGAN((1, 28, 28), {"width": 8})
    g, d = list(dcgan.generator), list(dcgan.discriminator[0]) + [dcgan.discriminator[1]]
    # no batch norm at G's output or D's input; tanh out of G, LeakyReLU(0.2) in D
    assert isinstance(g[-2], nn.ConvTranspose2d) and isinstance(g[-1], nn.Tanh)
    assert isinstance(d[0], nn.Conv2d) and isinstance(d[1], nn.LeakyReLU)
    assert all(m.negative_slope == 0.2 for m in d if isinstance(m, nn.LeakyReLU))
    assert any(isinstance(m, nn.ReLU) for m in g)
    # strided convolutions, no pooling
    convs = [m for m in g + d if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert all(m.stride == (2, 2) for m in convs)
    assert not any(isinstance(m, nn.AvgPool2d) for net in dcgan.networks().values()
                   for m in net.modules())
    assert dcgan.sample(3).shape == (3, 1, 28, 28)


def test_weights_start_from_normal_with_std_002():
    dcgan = DCGAN((1, 28, 28))
    weights = np.concatenate([m.weight.numpy().ravel() for net in dcgan.networks().values()
                              for m in net.modules()
                              if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))])
    assert abs(weights.mean()) < 1e-3 and weights.std() == pytest.approx(0.02, rel=0.02)


def test_paper_defaults():
    assert DCGAN.defaults["lr"] == 2e-4 and DCGAN.defaults["betas"][0] == 0.5
    assert DCGAN.defaults["batch_size"] == 128 and DCGAN.defaults["noise"] == "uniform"
    dcgan = DCGAN(SHAPE, SMALL)
    for opt in dcgan.optimizers().values():
        assert opt.param_groups[0]["lr"] == 2e-4 and opt.param_groups[0]["betas"] == (0.5, 0.999)
    assert get("dcgan") is DCGAN


def test_a_hidden_layer_in_d_and_separate_rates_for_g_and_d():
    """d_hidden: D's body -> Linear(features, hidden) -> BN -> LeakyReLU(0.2) -> Linear(hidden, 1);
    lr_g and lr_d replace lr for their own network only."""
    dcgan = DCGAN((1, 28, 28), {"width": 8, "d_hidden": 16, "lr_g": 1e-3, "lr_d": 3e-4})
    body, fc, norm, act, logit = list(dcgan.discriminator)
    assert (fc.in_features, fc.out_features, fc.bias) == (2 * 8 * 7 * 7, 16, None)
    assert isinstance(norm, nn.BatchNorm1d) and norm.num_features == 16
    assert isinstance(act, nn.LeakyReLU) and act.negative_slope == 0.2
    assert (logit.in_features, logit.out_features) == (16, 1)
    assert abs(fc.weight.numpy().std() - 0.02) < 0.002     # DCGAN's init reaches it too
    assert dcgan.discriminate(dcgan.sample(5)).shape == (5,)
    assert dcgan.opt_g.param_groups[0]["lr"] == 1e-3 and dcgan.opt_d.param_groups[0]["lr"] == 3e-4
    for bad in (-1, 2.5, [16]):
        message = r"dcgan: d_hidden must be .* got " + re.escape(repr(bad))
        with pytest.raises(ValueError, match=message):
            DCGAN((1, 28, 28), {"width": 8, "d_hidden": bad})
    plain = DCGAN((1, 28, 28), {"width": 8, "lr": 5e-4})
    assert len(plain.discriminator) == 2
    assert all(opt.param_groups[0]["lr"] == 5e-4 for opt in plain.optimizers().values())


@pytest.mark.parametrize("r1_gamma,r1_interval,d_hidden",
                         [(0.0, 1, 0), (2.0, 1, 0), (2.0, 3, 0), (2.0, 1, 5)])
def test_train_step_is_one_d_step_then_one_g_step(float64, r1_gamma, r1_interval, d_hidden):
    """Replays the iteration with the loss functions on a copy and compares every gradient
    (with R1, D's loss adds interval * gamma / 2 E ||grad_x D(x)||^2 on the real batch,
    at every interval-th step)."""
    dcgan = DCGAN(SHAPE, {**SMALL, "r1_gamma": r1_gamma, "r1_interval": r1_interval,
                          "d_hidden": d_hidden})
    dcgan.step = r1_interval - 1            # the next step is one that adds R1
    z_d, z_g = dcgan.sample_z(4), dcgan.sample_z(4)
    x = np.random.default_rng(1).uniform(-1, 1, (4,) + SHAPE)
    replay = copy.deepcopy(dcgan)
    before = {k: [p.numpy().copy() for p in net.parameters()] for k, net in dcgan.networks().items()}
    dcgan.sample_z = queue(z_d, z_g)
    metrics = dcgan.train_step(lambda m: tg.tensor(x))

    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())
    for name, net in dcgan.networks().items():
        assert any(not np.array_equal(p.numpy(), b) for p, b in zip(net.parameters(), before[name]))

    with tg.no_grad():
        fake = replay.generator(z_d)
    d_loss = discriminator_loss(replay.discriminate(tg.tensor(x)), replay.discriminate(fake))
    if r1_gamma:
        r1 = r1_penalty(replay.discriminate, tg.tensor(x), r1_gamma)
        assert r1.item() > 0
        np.testing.assert_allclose(metrics["r1"], r1.item(), rtol=1e-10)
        d_loss = d_loss + r1_interval * r1
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-10)
    d_params = list(replay.discriminator.parameters())
    for p, g, done in zip(d_params, tg.grad(d_loss, d_params), dcgan.discriminator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
        p.grad = g
    replay.opt_d.step()
    g_params = list(replay.generator.parameters())
    g_loss = generator_loss(replay.discriminate(replay.generator(z_g)))
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-10)
    for g, done in zip(tg.grad(g_loss, g_params), dcgan.generator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)


def test_lazy_r1_is_added_every_interval_th_step_only():
    dcgan = DCGAN(SHAPE, {**SMALL, "r1_gamma": 1.0, "r1_interval": 2})
    x = np.random.default_rng(1).uniform(-1, 1, (4,) + SHAPE)
    added = ["r1" in dcgan.train_step(lambda m: tg.tensor(x, dtype=tg.default_dtype()))
             for _ in range(4)]
    assert added == [False, True, False, True] and dcgan.get_extra_state()["step"] == 4
    with pytest.raises(ValueError, match="dcgan: r1_gamma must be >= 0 and r1_interval >= 1"):
        DCGAN(SHAPE, {**SMALL, "r1_interval": 0})


def test_interpolation_runs_from_one_latent_to_the_other():
    z0, z1 = tg.tensor([0.0, 1.0, -1.0]), tg.tensor([1.0, 1.0, 1.0])
    path = interpolate_latents(z0, z1, 5).numpy()
    assert path.shape == (5, 3)
    np.testing.assert_allclose(path[0], z0.numpy())
    np.testing.assert_allclose(path[-1], z1.numpy())
    np.testing.assert_allclose(path[2], [0.5, 1.0, 0.0])


def test_image_shapes_are_checked():
    with pytest.raises(ValueError, match="divisible by 4"):
        DCGAN((1, 10, 10))
