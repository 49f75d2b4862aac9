"""ProGAN: the growth schedule, the fade-in blend by hand, the losses, one iteration."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.progan import (ProGAN, discriminator_loss, generator_loss, real_at_stage,
                                 resolutions, stage_widths)

SMALL = {"batch_size": 4, "z_dim": 3, "width": 4, "fade_images": 8, "stable_images": 8}
RNG = np.random.default_rng(0)


def sampler():
    return lambda m: tg.tensor(RNG.uniform(-1, 1, (m, 1, 8, 8)), dtype=tg.default_dtype())


def test_resolutions_double_from_four():
    assert resolutions(32) == [4, 8, 16, 32]
    with pytest.raises(ValueError):
        resolutions(28)


def test_widths_thin_out_at_high_resolutions():
    assert stage_widths([4, 8, 16, 32], 64) == [64] * 4
    assert stage_widths([4, 8, 16, 32], 64, width_base=512) == [64, 64, 32, 16]
    with pytest.raises(ValueError, match="no channels at 32x32"):
        stage_widths([4, 8, 16, 32], 64, width_base=16)


def test_thinned_networks_grow_and_fade_at_every_stage():
    gan = ProGAN((1, 16, 16), {**SMALL, "width": 8, "width_base": 32})
    assert gan.generator.to_rgb[2].weight.shape[1] == 2
    assert gan.discriminator.from_rgb[1].weight.shape[0] == 4
    z, x = tg.randn(2, 3), tg.randn(2, 1, 16, 16)
    with tg.no_grad():
        for stage, size in enumerate([4, 8, 16]):
            assert gan.generator(z, stage, 0.5).shape == (2, 1, size, size)
            x_stage = real_at_stage(x, size, 0.5)
            assert gan.discriminator(x_stage, stage, 0.5).shape == (2,)


def test_each_stage_trains_on_its_own_batch_size():
    gan = ProGAN((1, 8, 8), {**SMALL, "stage_batch_sizes": (8, 4)})
    calls = []

    def sample_real(m):
        calls.append(m)
        return sampler()(m)
    for _ in range(4):
        gan.train_step(sample_real)
    assert calls == [8, 4, 4, 4] and gan.stage == 1
    with pytest.raises(ValueError, match="one batch size per resolution"):
        ProGAN((1, 8, 8), {**SMALL, "stage_batch_sizes": (8,)})


def test_schedule_grows_and_fades_in():
    gan = ProGAN((1, 8, 8), SMALL)
    seen = [(gan.train_step(sampler())["resolution"], gan.alpha) for _ in range(6)]
    assert [r for r, _ in seen] == [4, 4, 8, 8, 8, 8]
    assert gan.stage == 1 and gan.alpha == 1.0
    assert gan.sample(3).shape == (3, 1, 8, 8)
    assert gan.sample(2, stage=0).shape == (2, 1, 8, 8)


def test_generator_fade_in_is_the_alpha_blend(float64):
    gan = ProGAN((1, 8, 8), SMALL)
    g, z = gan.generator, tg.randn(2, 3)
    with tg.no_grad():
        old = np.repeat(np.repeat(g(z, 0).numpy(), 2, axis=2), 2, axis=3)
        new = g(z, 1, 1.0).numpy()
        np.testing.assert_allclose(g(z, 1, 0.3).numpy(), 0.7 * old + 0.3 * new, rtol=1e-10)
        np.testing.assert_allclose(g(z, 1, 0.0).numpy(), old, rtol=1e-10)


def test_discriminator_fade_in_is_the_alpha_blend_of_features(float64):
    gan = ProGAN((1, 8, 8), SMALL)
    d, x = gan.discriminator, tg.tensor(RNG.standard_normal((3, 1, 8, 8)))
    pooled = tg.functional.avg_pool2d(x, 2)
    with tg.no_grad():
        np.testing.assert_allclose(d(x, 1, 0.0).numpy(), d(pooled, 0).numpy(), rtol=1e-10)


def test_minibatch_stddev_groups_reach_the_discriminator(float64):
    x = tg.tensor(RNG.standard_normal((4, 1, 8, 8)))
    scores = {}
    for group in (None, 4, 2):
        tg.manual_seed(0)
        gan = ProGAN((1, 8, 8), {**SMALL, "mbstd_group_size": group})
        with tg.no_grad():
            scores[group] = gan.discriminator(x, 1).numpy()
    np.testing.assert_allclose(scores[None], scores[4], rtol=1e-10)   # one group: the batch
    assert not np.allclose(scores[None], scores[2])
    with pytest.raises(ValueError, match="progan: batch size 6 does not split into "
                                         "mbstd_group_size groups of 4"):
        ProGAN((1, 8, 8), {**SMALL, "stage_batch_sizes": (8, 6), "mbstd_group_size": 4})


def test_real_images_are_pooled_and_blended():
    x = RNG.standard_normal((2, 1, 8, 8))
    pooled4 = x.reshape(2, 1, 4, 2, 4, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(real_at_stage(tg.tensor(x), 4, 1.0).numpy(), pooled4, rtol=1e-5)
    up = np.repeat(np.repeat(pooled4, 2, axis=2), 2, axis=3)
    np.testing.assert_allclose(real_at_stage(tg.tensor(x), 8, 0.25).numpy(), 0.75 * up + 0.25 * x,
                               rtol=1e-5, atol=1e-6)


def test_losses_by_hand(float64):
    real, fake = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.2])
    got = discriminator_loss(tg.tensor(real), tg.tensor(fake), tg.tensor(0.7), 0.001).item()
    assert got == pytest.approx(fake.mean() - real.mean() + 0.7 + 0.001 * (real ** 2).mean())
    assert generator_loss(tg.tensor(fake)).item() == pytest.approx(-fake.mean())


def test_one_step_changes_the_parameters_of_the_active_stage():
    gan = ProGAN((1, 8, 8), SMALL)
    before = {k: v.copy() for k, v in gan.generator.state_dict().items()}
    d_before = {k: v.copy() for k, v in gan.discriminator.state_dict().items()}
    stats = gan.train_step(sampler())
    assert stats["penalty"] > 0 and np.isfinite(stats["loss/D"])
    after = gan.generator.state_dict()
    assert not np.allclose(before["project.weight"], after["project.weight"])
    np.testing.assert_array_equal(before["to_rgb.1.weight"], after["to_rgb.1.weight"])
    assert not np.allclose(d_before["score.weight"], gan.discriminator.state_dict()["score.weight"])
