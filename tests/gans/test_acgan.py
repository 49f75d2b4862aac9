"""AC-GAN: L_S and L_C (seeds 001 eqs. 2-3) by hand, logits into the cross-entropy, one
iteration replayed."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import get
from tinygan.gans.acgan import (ACGAN, class_log_likelihood, discriminator_loss, generator_loss,
                                source_log_likelihood)

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 4, "n_classes": 3}
REAL_S, FAKE_S = np.array([0.3, -1.2, 2.0]), np.array([-0.5, 0.8, 0.1])
REAL_C = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0], [-2.0, 1.0, 0.0]])
FAKE_C = np.array([[0.0, 4.0, 1.0], [1.0, -1.0, 0.0], [0.2, 0.1, 0.3]])
REAL_Y, FAKE_Y = np.array([0, 2, 1]), np.array([1, 0, 2])


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def picked(logits, labels):
    return log_softmax(logits)[np.arange(len(labels)), labels]


L_S = np.log(sigmoid(REAL_S)).mean() + np.log(1 - sigmoid(FAKE_S)).mean()
L_C = picked(REAL_C, REAL_Y).mean() + picked(FAKE_C, FAKE_Y).mean()


def test_source_and_class_log_likelihoods_by_hand():
    np.testing.assert_allclose(source_log_likelihood(tg.tensor(REAL_S), tg.tensor(FAKE_S)).item(),
                               L_S, rtol=1e-12)
    got = class_log_likelihood(tg.tensor(REAL_C), REAL_Y, tg.tensor(FAKE_C), FAKE_Y).item()
    np.testing.assert_allclose(got, L_C, rtol=1e-12)


def test_class_logits_go_into_the_cross_entropy_without_a_softmax():
    """A softmax before the cross-entropy would give log softmax(softmax(l)), a different number."""
    got = class_log_likelihood(tg.tensor(REAL_C), REAL_Y, tg.tensor(FAKE_C), FAKE_Y).item()
    probs = lambda l: np.exp(log_softmax(l))
    wrong = picked(probs(REAL_C), REAL_Y).mean() + picked(probs(FAKE_C), FAKE_Y).mean()
    assert abs(got - wrong) > 0.1
    np.testing.assert_allclose(got, L_C, rtol=1e-12)


def test_discriminator_maximises_ls_plus_lc():
    loss = discriminator_loss(tg.tensor(REAL_S), tg.tensor(FAKE_S), tg.tensor(REAL_C), REAL_Y,
                              tg.tensor(FAKE_C), FAKE_Y)
    np.testing.assert_allclose(loss.item(), -(L_S + L_C), rtol=1e-12)


def test_discriminator_can_classify_real_images_only():
    loss = discriminator_loss(tg.tensor(REAL_S), tg.tensor(FAKE_S), tg.tensor(REAL_C), REAL_Y,
                              tg.tensor(FAKE_C), FAKE_Y, classify_fakes=False)
    np.testing.assert_allclose(loss.item(), -(L_S + picked(REAL_C, REAL_Y).mean()), rtol=1e-12)
    assert ACGAN.defaults["classify_fakes"] is True


def test_generator_costs_by_hand():
    fake_class_term = picked(FAKE_C, FAKE_Y).mean()                       # E log P(C = c | X_fake)
    minimax = np.log(1 - sigmoid(FAKE_S)).mean() - fake_class_term        # G-part of -(L_C - L_S)
    non_saturating = -np.log(sigmoid(FAKE_S)).mean() - fake_class_term
    s, c = tg.tensor(FAKE_S), tg.tensor(FAKE_C)
    np.testing.assert_allclose(generator_loss(s, c, FAKE_Y, "minimax").item(), minimax, rtol=1e-12)
    np.testing.assert_allclose(generator_loss(s, c, FAKE_Y).item(), non_saturating, rtol=1e-12)
    with pytest.raises(ValueError, match="minimax"):
        generator_loss(s, c, FAKE_Y, "hinge")


def test_loss_gradients_by_hand():
    m = len(FAKE_Y)
    s = tg.tensor(FAKE_S, requires_grad=True)
    c = tg.tensor(FAKE_C, requires_grad=True)
    g_s, g_c = tg.grad(generator_loss(s, c, FAKE_Y), [s, c])
    np.testing.assert_allclose(g_s.numpy(), (sigmoid(FAKE_S) - 1) / m, rtol=1e-12)
    expected = (np.exp(log_softmax(FAKE_C)) - np.eye(3)[FAKE_Y]) / m      # softmax - one_hot
    np.testing.assert_allclose(g_c.numpy(), expected, rtol=1e-10, atol=1e-15)
    r = tg.tensor(REAL_S, requires_grad=True)
    g_r, g_f = tg.grad(discriminator_loss(r, s, tg.tensor(REAL_C), REAL_Y, c, FAKE_Y), [r, s])
    np.testing.assert_allclose(g_r.numpy(), (sigmoid(REAL_S) - 1) / m, rtol=1e-12)
    np.testing.assert_allclose(g_f.numpy(), sigmoid(FAKE_S) / m, rtol=1e-12)


def test_discriminator_has_source_and_class_heads_that_output_logits():
    acgan = ACGAN(SHAPE, SMALL)
    x = tg.randn(5, *SHAPE)
    source, classes = acgan.discriminator(x)
    assert source.shape == (5,) and classes.shape == (5, 3)
    d = acgan.discriminator
    np.testing.assert_allclose(classes.numpy(), d.classes(d.body(x)).numpy(), rtol=1e-6)
    assert get("acgan") is ACGAN and ACGAN.needs_labels is True


def test_train_step_is_one_d_step_then_one_g_step(float64):
    acgan = ACGAN(SHAPE, SMALL)
    z_d, z_g = acgan.sample_z(4), acgan.sample_z(4)
    y, c_d, c_g = np.array([0, 2, 2, 1]), np.array([1, 1, 0, 2]), np.array([2, 0, 1, 1])
    x = np.random.default_rng(1).uniform(-1, 1, (4,) + SHAPE)
    replay = copy.deepcopy(acgan)
    before = [p.numpy().copy() for p in acgan.generator.parameters()]
    acgan.sample_z, acgan.sample_labels = queue(z_d, z_g), queue(c_d, c_g)
    metrics = acgan.train_step(lambda m: (tg.tensor(x), y))
    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())
    assert any(not np.array_equal(p.numpy(), b) for p, b in zip(acgan.generator.parameters(), before))

    with tg.no_grad():
        fake = replay.generator(z_d, c_d)
    (rs, rc), (fs, fc) = replay.discriminator(tg.tensor(x)), replay.discriminator(fake)
    d_loss = discriminator_loss(rs, fs, rc, y, fc, c_d)
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-10)
    d_params = list(replay.discriminator.parameters())
    for p, g, done in zip(d_params, tg.grad(d_loss, d_params), acgan.discriminator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
        p.grad = g
    replay.opt_d.step()
    s, c = replay.discriminator(replay.generator(z_g, c_g))
    g_loss = generator_loss(s, c, c_g)
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-10)
    g_params = list(replay.generator.parameters())
    for g, done in zip(tg.grad(g_loss, g_params), acgan.generator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
