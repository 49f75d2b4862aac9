"""The original GAN's Algorithm 1, step by step."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import GAN

from tests.gans.helpers import counting_sampler, fixed_batches


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


@pytest.mark.parametrize("gamma", [0.0, 0.7])
def test_discriminator_step_ascends_the_value_function_by_hand(float64, gamma):
    """k = 1, plain SGD, linear D(x) = sigma(w.x + b): one step is w += lr dV/dw; with the
    R1 penalty gamma/2 ||grad_x (w.x + b)||^2 = gamma/2 ||w||^2 it is w += lr (dV/dw - gamma w)."""
    tg.manual_seed(0)
    lr, m = 0.1, 5
    gan = GAN((2,), {"d_hidden": (), "g_hidden": (), "z_dim": 2, "optimizer": "sgd", "lr": lr,
                     "batch_size": m, "k": 1, "loss": "minimax", "r1_gamma": gamma})
    rng = np.random.default_rng(1)
    x, z = rng.standard_normal((m, 2)), rng.standard_normal((m, 2))
    gan.sample_z = lambda n: tg.tensor(z)
    linear_d, linear_g = gan.discriminator[0], gan.generator[0]
    w, b = linear_d.weight.numpy()[0].copy(), linear_d.bias.numpy()[0].copy()
    fake = z @ linear_g.weight.numpy().T + linear_g.bias.numpy()

    gan.discriminator_step(fixed_batches(x))

    # V = mean log sigma(w.x + b) + mean log(1 - sigma(w.G(z) + b))
    s_real, s_fake = x @ w + b, fake @ w + b
    dv_dw = ((1 - sigmoid(s_real))[:, None] * x).mean(0) - (sigmoid(s_fake)[:, None] * fake).mean(0)
    dv_db = (1 - sigmoid(s_real)).mean() - sigmoid(s_fake).mean()
    np.testing.assert_allclose(linear_d.weight.numpy()[0], w + lr * (dv_dw - gamma * w),
                               rtol=1e-12)
    np.testing.assert_allclose(linear_d.bias.numpy()[0], b + lr * dv_db, rtol=1e-12)


def test_generator_step_descends_its_cost_and_leaves_d_alone(float64):
    tg.manual_seed(0)
    gan = GAN((2,), {"d_hidden": (8,), "g_hidden": (8,), "optimizer": "sgd", "lr": 0.05})
    before_d = {k: v.copy() for k, v in gan.discriminator.state_dict().items()}
    z = gan.sample_z(64)
    loss_before = gan.generator_loss(z).item()
    from tinygan.gans.base import descend
    descend(gan.generator_loss(z), gan.generator, gan.opt_g)
    assert gan.generator_loss(z).item() < loss_before
    for k, v in gan.discriminator.state_dict().items():
        np.testing.assert_array_equal(v, before_d[k])


@pytest.mark.parametrize("k", [1, 3])
def test_k_discriminator_steps_draw_k_real_batches(k):
    gan = GAN((2,), {"k": k, "batch_size": 16})
    sampler = counting_sampler()
    metrics = gan.train_step(sampler)
    assert sampler.calls == k
    assert set(metrics) >= {"loss/D", "loss/G", "D(x)", "D(G(z))", "grad_norm/D", "grad_norm/G"}
    assert 0 < metrics["D(x)"] < 1 and all(isinstance(v, float) for v in metrics.values())


@pytest.mark.parametrize("loss", ["minimax", "non-saturating", "maximum-likelihood",
                                  "least-squares", "hinge"])
def test_every_loss_trains_a_step(loss):
    gan = GAN((2,), {"loss": loss, "batch_size": 16})
    metrics = gan.train_step(counting_sampler())
    assert all(np.isfinite(v) for v in metrics.values())


def test_sample_has_no_graph_and_the_data_shape():
    gan = GAN((2,))
    x = gan.sample(10)
    assert x.shape == (10, 2) and not x.requires_grad


def test_replay_mixes_past_samples_into_the_fake_batch():
    gan = GAN((2,), {"replay_size": 100, "replay_fraction": 0.5, "batch_size": 8})
    sampler = counting_sampler()
    for _ in range(3):
        gan.train_step(sampler)
    assert gan.replay.size == 24
    fake = gan.sample(8)
    mixed = gan.replay.mix(fake)
    assert mixed.shape == (8, 2)
    stored = {tuple(np.round(r, 6)) for r in gan.replay.store[:gan.replay.size]}
    assert all(tuple(np.round(r, 6)) in stored for r in mixed.numpy()[:4])
    np.testing.assert_array_equal(mixed.numpy()[4:], fake.numpy()[4:])


def test_unknown_config_key_names_the_valid_keys():
    with pytest.raises(ValueError, match=r"unknown config keys \['n_critic'\].*batch_size"):
        GAN((2,), {"n_critic": 5})
