"""Unrolled GAN: G's gradient flows through K functional discriminator updates."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import GAN, UnrolledGAN
from tinygan.train import train

from tests.gans.helpers import Gaussian


def softplus(s):
    return np.logaddexp(0, s)


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def hand_unrolled_loss(a, c, w, b, x, z, lr):
    """The minimax G cost against D unrolled one SGD step, in NumPy.

    G(z) = a z + c, D(x) = sigma(w x + b), L_D = mean softplus(-(w x + b)) + mean softplus(w G + b).
    """
    fake = a * z + c
    s_real, s_fake = w * x + b, w * fake + b
    dw = (-sigmoid(-s_real) * x).mean() + (sigmoid(s_fake) * fake).mean()
    db = (-sigmoid(-s_real)).mean() + sigmoid(s_fake).mean()
    w1, b1 = w - lr * dw, b - lr * db
    return -softplus(w1 * fake + b1).mean()          # E log(1 - D_1(G(z)))


def test_k1_generator_gradient_matches_a_hand_unrolled_computation(float64):
    tg.manual_seed(0)
    lr = 0.5
    gan = UnrolledGAN((1,), {"g_hidden": (), "d_hidden": (), "z_dim": 1, "loss": "minimax",
                             "unroll_steps": 1, "unroll_optimizer": "sgd", "unroll_lr": lr})
    g_lin, d_lin = gan.generator[0], gan.discriminator[0]
    a, c = g_lin.weight.item(), g_lin.bias.item()
    w, b = d_lin.weight.item(), d_lin.bias.item()
    rng = np.random.default_rng(0)
    x, z = rng.standard_normal(6) + 1.0, rng.standard_normal(6)

    loss = gan.unrolled_generator_loss(tg.tensor(x[:, None]), tg.tensor(z[:, None]))
    assert loss.item() == pytest.approx(hand_unrolled_loss(a, c, w, b, x, z, lr), rel=1e-12)
    grad_a, grad_c = tg.grad(loss, [g_lin.weight, g_lin.bias])

    h = 1e-6
    numeric_a = (hand_unrolled_loss(a + h, c, w, b, x, z, lr)
                 - hand_unrolled_loss(a - h, c, w, b, x, z, lr)) / (2 * h)
    numeric_c = (hand_unrolled_loss(a, c + h, w, b, x, z, lr)
                 - hand_unrolled_loss(a, c - h, w, b, x, z, lr)) / (2 * h)
    assert grad_a.item() == pytest.approx(numeric_a, rel=1e-6)
    assert grad_c.item() == pytest.approx(numeric_c, rel=1e-6)

    # The look-ahead matters: the gradient differs from the plain (K = 0) one.
    plain = gan.loss.generator(gan.discriminate(gan.generator(tg.tensor(z[:, None]))))
    plain_a, _ = tg.grad(plain, [g_lin.weight, g_lin.bias])
    assert abs(plain_a.item() - grad_a.item()) > 1e-3


def test_adam_unrolling_gives_finite_gradients_through_every_step():
    tg.manual_seed(0)
    gan = UnrolledGAN((2,), {"unroll_steps": 3, "batch_size": 32, "g_hidden": (16,),
                             "d_hidden": (16,)})
    history = train(gan, Gaussian(0.0, 1.0, dim=2), steps=3, progress=False)
    assert all(np.isfinite(r["grad_norm/G"]) and r["grad_norm/G"] > 0 for r in history)


def test_zero_unrolling_steps_is_the_plain_gan():
    config = {"loss": "minimax", "batch_size": 32, "g_hidden": (16,), "d_hidden": (16,),
              "lr": 1e-3}
    runs = []
    for cls, extra in ((GAN, {}), (UnrolledGAN, {"unroll_steps": 0})):
        tg.manual_seed(1)
        variant = cls((2,), {**config, **extra})
        runs.append(train(variant, Gaussian(1.0, 0.5, dim=2), steps=5, seed=1, progress=False))
    assert runs[0] == runs[1]
