"""GAN-CLS: the matching-aware losses from s_r, s_w, s_f, the text plumbing, one iteration."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.data import captions
from tinygan.gans.gan_cls import GANCLS, discriminator_loss, generator_loss, mismatched
from tinygan.testing import gradcheck

SMALL = {"batch_size": 4, "z_dim": 3, "embed_dim": 4, "width": 2}
RNG = np.random.default_rng(0)
S_R, S_W, S_F = RNG.standard_normal(5), RNG.standard_normal(5), RNG.standard_normal(5)


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def test_discriminator_and_generator_losses_by_hand():
    l_d = np.log(sigmoid(S_R)).mean() + (np.log(1 - sigmoid(S_W)).mean()
                                         + np.log(1 - sigmoid(S_F)).mean()) / 2
    t = tg.tensor
    np.testing.assert_allclose(discriminator_loss(t(S_R), t(S_W), t(S_F)).item(), -l_d, rtol=1e-12)
    np.testing.assert_allclose(generator_loss(t(S_F)).item(), -np.log(sigmoid(S_F)).mean(),
                               rtol=1e-12)


def test_loss_gradients_match_finite_differences_and_stay_finite():
    leaves = [tg.tensor(s, requires_grad=True) for s in (S_R, S_W, S_F)]
    gradcheck(discriminator_loss, leaves)
    gradcheck(generator_loss, leaves[2:])
    big = tg.tensor([100.0, -100.0])
    assert np.isfinite(discriminator_loss(big, big, -big).item())


def test_mismatched_text_is_another_rows_text():
    h = tg.tensor(np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(mismatched(h, 1).numpy(), h.numpy()[[1, 2, 3, 0]])
    np.testing.assert_array_equal(mismatched(h, 3).numpy(), h.numpy()[[3, 0, 1, 2]])
    with pytest.raises(ValueError, match="shift"):
        mismatched(h, 4)


def test_discriminator_reads_the_text():
    gan = GANCLS((1, 8, 8), SMALL)
    x = tg.randn(2, 1, 8, 8)
    h = gan.embed(["a thick seven", "a two"])
    h.requires_grad = True
    (grad_h,) = tg.grad(gan.discriminator(x, h).sum(), h)
    assert np.abs(grad_h.numpy()).sum() > 0
    assert not np.allclose(gan.discriminator(x, h).numpy(), gan.discriminator(x, h[[1, 0]]).numpy())


def test_embed_accepts_captions_tokens_and_embeddings():
    gan = GANCLS((1, 8, 8), SMALL)
    tokens = captions.encode(["a thick seven", "the digit two"])
    from_words = gan.embed(["a thick seven", "the digit two"]).numpy()
    np.testing.assert_array_equal(gan.embed(tokens).numpy(), from_words)
    np.testing.assert_array_equal(gan.embed(tg.tensor(tokens)).numpy(), from_words)
    np.testing.assert_allclose(from_words, captions.bag_of_words(tokens))
    assert gan.embed(np.ones((2, len(captions.VOCABULARY)))).shape == (2, len(captions.VOCABULARY))
    with pytest.raises(ValueError, match="text_dim"):
        gan.embed(np.ones((2, 3)))


def test_train_step_follows_the_algorithm(float64):
    """Replays Algorithm 1 on a copy: D's gradient of -L_D (drawn shift), then G's of -log s_f."""
    tg.manual_seed(0)
    gan = GANCLS((1, 8, 8), SMALL)
    x = RNG.uniform(-1, 1, (4, 1, 8, 8))
    tokens = captions.encode(["a thick seven", "a two", "the digit one", "a faint nine"])
    z = gan.sample_z(4)
    gan.sample_z = lambda m: z
    gan.rng = lambda: np.random.default_rng(7)
    shift = int(np.random.default_rng(7).integers(1, 4))
    replay = copy.deepcopy(gan)

    metrics = gan.train_step(lambda m: (tg.tensor(x), tokens))

    xt, h = tg.tensor(x), replay.embed(tokens)
    x_hat = replay.generator(z, h)
    d_loss = discriminator_loss(replay.discriminator(xt, h),
                                replay.discriminator(xt, mismatched(h, shift)),
                                replay.discriminator(x_hat.detach(), h))
    d_params = list(replay.discriminator.parameters())
    for e, p in zip(tg.grad(d_loss, d_params), gan.discriminator.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    for p, g in zip(d_params, [p.grad for p in gan.discriminator.parameters()]):
        p.grad = g
    replay.opt_d.step()
    g_loss = generator_loss(replay.discriminator(x_hat, h))
    expected = tg.grad(g_loss, list(replay.generator.parameters()))
    for e, p in zip(expected, gan.generator.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-9)
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-9)


def test_protocol_and_sampling_per_caption():
    gan = GANCLS((1, 8, 8), SMALL)
    assert GANCLS.needs_captions is True
    assert set(gan.networks()) == set(gan.optimizers()) == {"G", "D"}
    assert gan.sample(3).shape == (3, 1, 8, 8)
    samples = gan.sample(2, ["a bold three", "a three"])
    assert samples.shape == (2, 1, 8, 8) and not samples.requires_grad
    images = tg.tensor(RNG.uniform(-1, 1, (4, 1, 8, 8)), dtype=tg.default_dtype())
    metrics = gan.train_step(lambda m: (images, captions.encode(captions.random_captions(
        m, np.random.default_rng(0)))))
    assert {"s_r", "s_w", "s_f"} <= set(metrics) and all(np.isfinite(v) for v in metrics.values())
    assert GANCLS((1, 28, 28), SMALL).sample(1).shape == (1, 1, 28, 28)
