"""InfoGAN: the information term L_I by hand, logits into the cross-entropy, Q on D's body,
and one iteration replayed."""
import copy
import math

import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import get
from tinygan.gans.dcgan import discriminator_loss, generator_loss
from tinygan.gans.infogan import InfoGAN, categorical_information_bound, information_loss

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 4, "g_hidden": 8, "d_hidden": 8, "q_hidden": 4,
         "n_categories": 3, "n_continuous": 2}
LOGITS = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0], [-2.0, 1.0, 0.0]])
CATEGORIES = np.array([0, 2, 1])
MEANS = np.array([[0.1, -0.3], [0.9, 0.2], [-0.5, 0.0]])
CODES = np.array([[0.0, -1.0], [0.5, 0.5], [-0.2, 0.7]])


def log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits, labels):
    return -log_softmax(logits)[np.arange(len(labels)), labels].mean()


def test_information_loss_by_hand():
    expected = cross_entropy(LOGITS, CATEGORIES) + 0.5 * ((MEANS - CODES) ** 2).sum(axis=1).mean()
    got = information_loss(tg.tensor(LOGITS), CATEGORIES, tg.tensor(MEANS), tg.tensor(CODES))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)
    # -E log Q(c | x) with a unit-variance Gaussian differs from it by the constant log(2 pi)
    gaussian_nll = 0.5 * ((MEANS - CODES) ** 2 + math.log(2 * math.pi)).sum(axis=1).mean()
    np.testing.assert_allclose(got.item() + math.log(2 * math.pi),
                               cross_entropy(LOGITS, CATEGORIES) + gaussian_nll, rtol=1e-12)


def test_code_logits_go_into_the_cross_entropy_without_a_softmax():
    """A softmax before the cross-entropy would give a different (wrong) number."""
    zero = tg.tensor(np.zeros((3, 0)))
    got = information_loss(tg.tensor(LOGITS), CATEGORIES, zero, zero).item()
    wrong = cross_entropy(np.exp(log_softmax(LOGITS)), CATEGORIES)
    assert abs(got - wrong) > 0.1
    np.testing.assert_allclose(got, cross_entropy(LOGITS, CATEGORIES), rtol=1e-12)


def test_information_loss_gradients_by_hand():
    logits, means = tg.tensor(LOGITS, requires_grad=True), tg.tensor(MEANS, requires_grad=True)
    g_logits, g_means = tg.grad(information_loss(logits, CATEGORIES, means, tg.tensor(CODES)),
                                [logits, means])
    m = len(CATEGORIES)
    np.testing.assert_allclose(g_logits.numpy(),
                               (np.exp(log_softmax(LOGITS)) - np.eye(3)[CATEGORIES]) / m, rtol=1e-10)
    np.testing.assert_allclose(g_means.numpy(), (MEANS - CODES) / m, rtol=1e-12)


def test_categorical_bound_is_log_k_minus_cross_entropy_and_at_most_log_k():
    bound = categorical_information_bound(tg.tensor(LOGITS), CATEGORIES, 3)
    np.testing.assert_allclose(bound, math.log(3) - cross_entropy(LOGITS, CATEGORIES), rtol=1e-12)
    sure = categorical_information_bound(tg.tensor(50 * np.eye(3)), np.arange(3), 3)
    assert sure == pytest.approx(math.log(3), abs=1e-9)


def test_latent_is_noise_then_one_hot_then_continuous_codes():
    info = InfoGAN(SHAPE, SMALL)
    z = tg.tensor(np.ones((2, 3)))
    latent = info.latent(z, np.array([2, 0]), np.array([[0.5, -0.5], [0.1, 0.2]])).numpy()
    np.testing.assert_allclose(latent, [[1, 1, 1, 0, 0, 1, 0.5, -0.5], [1, 1, 1, 1, 0, 0, 0.1, 0.2]],
                               rtol=1e-6)


def test_q_shares_the_discriminator_body_and_outputs_logits():
    info = InfoGAN(SHAPE, SMALL)
    d = info.discriminator
    x = tg.randn(4, *SHAPE)
    logits, categories, means = d(x)
    assert logits.shape == (4,) and categories.shape == (4, 3) and means.shape == (4, 2)
    q_out = d.q_head(d.body(x)).numpy()
    np.testing.assert_allclose(categories.numpy(), q_out[:, :3], rtol=1e-6)
    body = list(d.body.parameters())
    grads = tg.grad(information_loss(categories, np.array([0, 1, 2, 0]), means, tg.zeros(4, 2)),
                    body)
    assert all(np.abs(g.numpy()).sum() > 0 for g in grads)


def test_paper_defaults():
    cfg = InfoGAN.defaults
    assert (cfg["z_dim"], cfg["n_categories"], cfg["n_continuous"], cfg["info_lambda"]) == (62, 10, 2, 1.0)
    assert (cfg["lr_d"], cfg["lr_g"]) == (2e-4, 1e-3)
    assert get("infogan") is InfoGAN


def test_sampled_codes_follow_their_priors():
    info = InfoGAN(SHAPE, {**SMALL, "n_categories": 10})
    categories, continuous = info.sample_codes(5000)
    counts = np.bincount(categories, minlength=10)
    assert counts.min() > 400 and counts.max() < 600
    c = continuous.numpy()
    assert c.min() >= -1 and c.max() <= 1 and abs(c.mean()) < 0.05


def test_samples_of_one_category_alone_still_depend_on_the_category():
    info = InfoGAN(SHAPE, SMALL)
    z = info.sample_z(4)
    images = []
    for category in (0, 2):
        info.sample_z = queue(z, info.sample_z(SMALL["batch_size"]))
        tg.manual_seed(1)
        images.append(info.sample(4, categories=[category] * 4, continuous=np.zeros((4, 2))).numpy())
        del info.sample_z
    assert images[0].shape == (4,) + SHAPE
    assert np.abs(images[0] - images[1]).max() > 1e-3


def test_train_step_replayed_with_lambda_in_both_steps(float64):
    info = InfoGAN(SHAPE, {**SMALL, "info_lambda": 0.7})
    z_d, z_g = info.sample_z(4), info.sample_z(4)
    codes_d = (np.array([0, 2, 1, 1]), tg.tensor(np.random.default_rng(2).uniform(-1, 1, (4, 2))))
    codes_g = (np.array([2, 2, 0, 1]), tg.tensor(np.random.default_rng(3).uniform(-1, 1, (4, 2))))
    x = np.random.default_rng(1).uniform(-1, 1, (4,) + SHAPE)
    replay = copy.deepcopy(info)
    before = [p.numpy().copy() for p in info.generator.parameters()]
    info.sample_z, info.sample_codes = queue(z_d, z_g), queue(codes_d, codes_g)
    metrics = info.train_step(lambda m: tg.tensor(x))
    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())
    assert any(not np.array_equal(p.numpy(), b) for p, b in zip(info.generator.parameters(), before))

    with tg.no_grad():
        fake = replay.generator(replay.latent(z_d, *codes_d))
    real_logits = replay.discriminate(tg.tensor(x))
    fake_logits, cat, means = replay.discriminator(fake)
    d_loss = (discriminator_loss(real_logits, fake_logits)
              + 0.7 * information_loss(cat, codes_d[0], means, codes_d[1]))
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-10)
    d_params = list(replay.discriminator.parameters())
    for p, g, done in zip(d_params, tg.grad(d_loss, d_params), info.discriminator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
        p.grad = g
    replay.opt_d.step()
    logits, cat, means = replay.discriminator(replay.generator(replay.latent(z_g, *codes_g)))
    g_loss = generator_loss(logits) + 0.7 * information_loss(cat, codes_g[0], means, codes_g[1])
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-10)
    g_params = list(replay.generator.parameters())
    for g, done in zip(tg.grad(g_loss, g_params), info.generator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)


def test_without_lambda_q_head_gets_no_gradient():
    info = InfoGAN(SHAPE, {**SMALL, "info_lambda": 0.0})
    info.train_step(lambda m: tg.randn(m, *SHAPE))
    assert all(np.abs(p.grad.numpy()).sum() == 0 for p in info.discriminator.q_head.parameters())


# ------------------------------------------------------------------ several categorical codes

TWO_CODES = {**SMALL, "n_categorical": 2}
LOGITS_2 = np.array([[2.0, 0.0, -1.0, 0.3, 0.1, -0.4], [0.5, 0.5, 3.0, -1.0, 2.0, 0.0],
                     [-2.0, 1.0, 0.0, 0.0, 0.0, 1.5]])
CATEGORIES_2 = np.array([[0, 2], [2, 1], [1, 0]])


def test_several_codes_sum_one_cross_entropy_per_code():
    """Code i's K logits sit at columns i K to (i + 1) K; the loss sums the codes' terms."""
    per_code = [cross_entropy(LOGITS_2[:, 3 * i:3 * i + 3], CATEGORIES_2[:, i]) for i in range(2)]
    expected = sum(per_code) + 0.5 * ((MEANS - CODES) ** 2).sum(axis=1).mean()
    got = information_loss(tg.tensor(LOGITS_2), CATEGORIES_2, tg.tensor(MEANS), tg.tensor(CODES))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)
    bound = categorical_information_bound(tg.tensor(LOGITS_2), CATEGORIES_2, 3)
    np.testing.assert_allclose(bound, 2 * math.log(3) - sum(per_code), rtol=1e-12)
    sure = np.concatenate([50 * np.eye(3), 50 * np.eye(3)[[2, 0, 1]]], axis=1)
    assert categorical_information_bound(tg.tensor(sure), np.array([[0, 2], [1, 0], [2, 1]]),
                                         3) == pytest.approx(2 * math.log(3), abs=1e-9)


def test_several_codes_gradient_by_hand():
    logits = tg.tensor(LOGITS_2, requires_grad=True)
    zero = tg.tensor(np.zeros((3, 0)))
    (g,) = tg.grad(information_loss(logits, CATEGORIES_2, zero, zero), [logits])
    expected = np.concatenate([(np.exp(log_softmax(LOGITS_2[:, 3 * i:3 * i + 3]))
                                - np.eye(3)[CATEGORIES_2[:, i]]) / 3 for i in range(2)], axis=1)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-10)


def test_several_codes_latent_q_outputs_and_priors():
    info = InfoGAN(SHAPE, {**TWO_CODES, "n_categories": 3})
    z = tg.tensor(np.ones((2, 3)))
    latent = info.latent(z, np.array([[2, 0], [1, 1]]), np.array([[0.5, -0.5], [0.1, 0.2]]))
    np.testing.assert_allclose(latent.numpy(), [[1, 1, 1, 0, 0, 1, 1, 0, 0, 0.5, -0.5],
                                                [1, 1, 1, 0, 1, 0, 0, 1, 0, 0.1, 0.2]], rtol=1e-6)
    logits, categories, means = info.discriminator(tg.randn(4, *SHAPE))
    assert categories.shape == (4, 6) and means.shape == (4, 2)
    drawn, _ = info.sample_codes(6000)
    assert drawn.shape == (6000, 2)
    for column in drawn.T:
        counts = np.bincount(column, minlength=3)
        assert counts.min() > 1800 and counts.max() < 2200
    # independent codes: each of the 9 pairs about 1/9 of the draws
    pairs = np.bincount(3 * drawn[:, 0] + drawn[:, 1], minlength=9)
    assert pairs.min() > 520 and pairs.max() < 820


def test_several_codes_refuse_categories_of_the_wrong_shape():
    info = InfoGAN(SHAPE, TWO_CODES)
    z = tg.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"infogan: categories must have shape \(m, 2\).*\(2,\)"):
        info.latent(z, np.array([1, 0]), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n_categorical must be at least 1"):
        InfoGAN(SHAPE, {**SMALL, "n_categorical": 0})


def test_several_codes_train_on_three_channels_and_sample_chosen_codes():
    info = InfoGAN((3, 8, 8), {**SMALL, "n_categorical": 3})
    metrics = info.train_step(lambda m: tg.randn(m, 3, 8, 8))
    assert np.isfinite(metrics["L_I(c1..c3)"]) and metrics["L_I(c1..c3)"] <= 3 * math.log(3)
    images = info.sample(2, categories=[[0, 1, 2], [2, 2, 2]])
    assert images.shape == (2, 3, 8, 8)


def test_running_average_of_g_is_what_sample_and_generate_use():
    info = InfoGAN(SHAPE, {**SMALL, "ema_half_life": 8})
    for _ in range(3):
        info.train_step(lambda m: tg.randn(m, *SHAPE))
    latent = info.latent(info.sample_z(4), *info.sample_codes(4))
    with tg.no_grad():
        current = info.generator(latent).numpy()
    with tg.no_grad(), info.average.applied(info.generator):
        averaged = info.generator(latent).numpy()
    assert np.abs(current - averaged).max() > 1e-4
    np.testing.assert_allclose(info.generate(latent).numpy(), averaged, rtol=1e-6)
    np.testing.assert_allclose(info.generator(latent).numpy(), current, rtol=1e-6)   # restored
    assert "average_images" in info.get_extra_state()
