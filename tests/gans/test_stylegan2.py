"""StyleGAN2: logistic losses by hand, style mixing, lazy regularisation, one iteration."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.stylegan2 import (StyleGAN2, StyledConv, discriminator_loss, generator_loss,
                                    mix_styles)

SMALL = {"batch_size": 4, "z_dim": 3, "w_dim": 4, "n_mapping": 2, "width": 4,
         "r1_interval": 2, "pl_interval": 3}
RNG = np.random.default_rng(0)


def sampler():
    return lambda m: tg.tensor(RNG.uniform(-1, 1, (m, 1, 8, 8)), dtype=tg.default_dtype())


def softplus(t):
    return np.log1p(np.exp(t))


def test_logistic_losses_by_hand(float64):
    real, fake = np.array([0.4, -1.0, 2.0]), np.array([-0.3, 0.8, 0.0])
    got = discriminator_loss(tg.tensor(real), tg.tensor(fake)).item()
    assert got == pytest.approx(softplus(fake).mean() + softplus(-real).mean())
    assert generator_loss(tg.tensor(fake)).item() == pytest.approx(softplus(-fake).mean())


def test_mix_styles_switches_at_the_crossover():
    w1, w2 = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    ws = mix_styles(tg.tensor(w1), tg.tensor(w2), 2, 5).numpy()
    assert ws.shape == (2, 5, 3)
    np.testing.assert_allclose(ws[:, :2], np.repeat(w1[:, None], 2, axis=1), rtol=1e-6)
    np.testing.assert_allclose(ws[:, 2:], np.repeat(w2[:, None], 3, axis=1), rtol=1e-6)


def test_generator_shape_and_style_count():
    gan = StyleGAN2((1, 8, 8), SMALL)
    assert gan.generator.synthesis.n_ws == 5           # 4x4: conv, toRGB; 8x8: up-conv, conv, toRGB
    assert gan.sample(3).shape == (3, 1, 8, 8)
    mod = gan.generator.synthesis.convs[0].conv
    assert mod.demodulate and not gan.generator.synthesis.to_rgbs[0].conv.demodulate


def test_styled_conv_by_hand(float64):
    layer = StyledConv(3, 2, 4)
    layer.noise.weight.data[...] = [0.5, -0.25]
    layer.bias.data[...] = [0.1, -0.2]
    x, w = RNG.standard_normal((2, 3, 5, 5)), RNG.standard_normal((2, 4))
    noise = RNG.standard_normal((2, 1, 5, 5))
    got = layer(tg.tensor(x), tg.tensor(w), tg.tensor(noise)).numpy()
    conv = layer.conv(tg.tensor(x), tg.tensor(w)).numpy()
    h = conv + np.array([0.5, -0.25])[None, :, None, None] * noise + \
        np.array([0.1, -0.2])[None, :, None, None]
    np.testing.assert_allclose(got, np.sqrt(2) * np.where(h > 0, h, 0.2 * h), rtol=1e-10)


def test_stacked_styled_convs_keep_the_activation_scale():
    # demodulation cancels weight gains, so without the activation's sqrt(2) six layers
    # would shrink unit-variance inputs to about 0.72 ** 6 = 0.14 of their RMS
    tg.manual_seed(0)
    layers = [StyledConv(16, 16, 8) for _ in range(6)]
    h, w = tg.randn(32, 16, 8, 8), tg.randn(32, 8)
    for layer in layers:
        h = layer(h, w)
    rms = float(np.sqrt((h.numpy() ** 2).mean()))
    assert 0.5 < rms < 2.0, rms


def test_style_mixing_grid_without_noise_differences():
    gan = StyleGAN2((1, 8, 8), SMALL)
    for conv in gan.generator.synthesis.convs:
        conv.noise.weight.data[...] = 0                 # the grid then depends on styles only
    rows, cols = tg.randn(2, 3), tg.randn(3, 3)
    grid = gan.style_mixing_grid(rows, cols, gan.generator.synthesis.n_ws).numpy()
    assert grid.shape == (6, 1, 8, 8)
    np.testing.assert_allclose(grid[0], grid[1], rtol=1e-5)   # all layers from the row latent
    grid = gan.style_mixing_grid(rows, cols, 0).numpy()
    np.testing.assert_allclose(grid[0], grid[3], rtol=1e-5)   # all layers from the column latent
    assert not np.allclose(grid[0], grid[1])


def test_zero_noises_match_each_convolution_resolution():
    synthesis = StyleGAN2((1, 16, 16), SMALL).generator.synthesis
    assert [n.shape for n in synthesis.zero_noises(2)] == [
        (2, 1, 4, 4), (2, 1, 8, 8), (2, 1, 8, 8), (2, 1, 16, 16), (2, 1, 16, 16)]


def test_one_noise_strength_per_layer_when_asked():
    per_layer = StyleGAN2((1, 8, 8), {**SMALL, "noise_per_channel": False}).generator.synthesis
    assert [conv.noise.weight.shape for conv in per_layer.convs] == [(1,)] * 3
    per_channel = StyleGAN2((1, 8, 8), SMALL).generator.synthesis
    assert [conv.noise.weight.shape for conv in per_channel.convs] == [(4,)] * 3


def test_noise_variations_differ_only_through_the_noise_inputs():
    gan = StyleGAN2((1, 16, 16), {**SMALL, "ema_half_life": None})
    convs = gan.generator.synthesis.convs
    for conv in convs:
        conv.noise.weight.data[...] = 0.5
    z = tg.randn(2, 3)
    images = gan.noise_variations(z, 3).numpy()
    assert images.shape == (4, 2, 1, 16, 16)
    assert not np.allclose(images[0], images[1])                 # a fresh noise draw each
    assert not np.allclose(images[0], images[3])
    for conv in convs:
        conv.noise.weight.data[...] = 0
    silent = gan.noise_variations(z, 2).numpy()
    np.testing.assert_allclose(silent[0], silent[1], rtol=1e-6)  # no noise strength: no change
    np.testing.assert_allclose(silent[0], images[3], rtol=1e-5)  # the last has the noise off
    np.testing.assert_allclose(gan.without_noise(z).numpy(), images[3], rtol=1e-6)
    with pytest.raises(ValueError, match="noise_variations: draws must be >= 1"):
        gan.noise_variations(z, 0)


def test_lazy_regularisation_runs_at_its_intervals_and_parameters_change():
    gan = StyleGAN2((1, 8, 8), SMALL)
    g0 = gan.generator.synthesis.convs[0].conv.weight.numpy().copy()
    d0 = gan.discriminator.score.weight.numpy().copy()
    steps = [gan.train_step(sampler()) for _ in range(3)]
    assert "r1" not in steps[0] and steps[1]["r1"] > 0 and "r1" not in steps[2]
    assert "path_length" not in steps[1] and steps[2]["path_length"] > 0
    assert gan.pl_mean == pytest.approx(0.01 * steps[2]["path_length"])
    assert not np.allclose(g0, gan.generator.synthesis.convs[0].conv.weight.numpy())
    assert not np.allclose(d0, gan.discriminator.score.weight.numpy())


def test_path_length_penalty_reaches_mapping_and_synthesis():
    from tinygan.gans.penalties import path_length_penalty
    gan = StyleGAN2((1, 8, 8), SMALL)
    g = gan.generator
    ws = g.broadcast(g.mapping(tg.randn(3, 3)))
    pl, _ = path_length_penalty(g.synthesis, ws, 0.0)
    params = [g.mapping.fc0.weight, g.synthesis.convs[0].conv.weight]
    assert all(np.abs(grad.numpy()).sum() > 0 for grad in tg.grad(pl, params))


def test_two_time_scales_give_each_network_its_rate():
    same = StyleGAN2((1, 8, 8), SMALL)
    assert same.opt_d.param_groups[0]["lr"] == same.opt_g.param_groups[0]["lr"] == 2e-3
    split = StyleGAN2((1, 8, 8), {**SMALL, "lr_d": 1e-3, "lr_g": 2.5e-4})
    assert split.opt_d.param_groups[0]["lr"] == 1e-3
    assert split.opt_g.param_groups[0]["lr"] == 2.5e-4


def test_width_base_thins_channels_at_high_resolutions_in_both_networks():
    gan = StyleGAN2((1, 16, 16), {**SMALL, "width": 8, "width_base": 32})   # 8 at 4x4, 4 at 8x8, 2 at 16x16
    synthesis, d = gan.generator.synthesis, gan.discriminator
    assert synthesis.const.shape == (1, 8, 4, 4)
    assert [c.conv.weight.shape[:2] for c in synthesis.convs] == [(8, 8), (4, 8), (4, 4),
                                                                  (2, 4), (2, 2)]
    assert [r.conv.weight.shape[1] for r in synthesis.to_rgbs] == [8, 4, 2]
    assert d.from_rgb.weight.shape[:2] == (2, 1)
    assert [s.weight.shape[:2] for s in d.skips] == [(4, 2), (8, 4)]
    assert d.final_conv.weight.shape[:2] == (8, 9)                   # 8 channels + the stddev map
    assert gan.sample(3).shape == (3, 1, 16, 16)
    assert gan.discriminator(gan.sample(3)).shape == (3,)
    gan.train_step(lambda m: tg.tensor(RNG.uniform(-1, 1, (m, 1, 16, 16)),
                                       dtype=tg.default_dtype()))


def test_minibatch_stddev_groups_reach_the_discriminator():
    x = tg.tensor(RNG.uniform(-1, 1, (4, 1, 8, 8)), dtype=tg.default_dtype())
    scores = {}
    for group in (None, 4, 2):
        tg.manual_seed(0)
        gan = StyleGAN2((1, 8, 8), {**SMALL, "mbstd_group_size": group})
        scores[group] = gan.discriminator(x).numpy()
    np.testing.assert_allclose(scores[None], scores[4], rtol=1e-5)   # one group of 4: the batch
    assert not np.allclose(scores[None], scores[2])
    with pytest.raises(ValueError, match="stylegan2: batch_size 4 does not split into "
                                         "mbstd_group_size groups of 3"):
        StyleGAN2((1, 8, 8), {**SMALL, "mbstd_group_size": 3})
    assert StyleGAN2((1, 8, 8), {**SMALL, "batch_size": 2}).config["mbstd_group_size"] == 4


def test_width_base_too_small_names_the_variant():
    with pytest.raises(ValueError, match="stylegan2: width_base=16 leaves no channels at 32x32"):
        StyleGAN2((1, 32, 32), {**SMALL, "width_base": 16})


def test_image_size_not_a_power_of_two_names_the_variant():
    with pytest.raises(ValueError, match="stylegan2: image size must be a power of two"):
        StyleGAN2((1, 28, 28), SMALL)


def test_experience_replay_fills_its_buffer_and_survives_a_checkpoint(tmp_path):
    from tinygan.checkpoint import load_checkpoint, save_checkpoint
    config = {**SMALL, "replay_size": 6, "replay_fraction": 0.5}
    assert StyleGAN2((1, 8, 8), SMALL).replay is None               # off by default

    def batches(seed):
        rng = np.random.default_rng(seed)
        return lambda m: tg.tensor(rng.uniform(-1, 1, (m, 1, 8, 8)), dtype=tg.default_dtype())

    def trained(steps, seed=0):
        tg.manual_seed(seed)
        gan, real = StyleGAN2((1, 8, 8), config), batches(seed)
        for _ in range(steps):
            gan.train_step(real)
        return gan, real

    straight, _ = trained(5)
    assert straight.replay.size == 6 and straight.replay.next == 5 * 4 % 6
    first, real = trained(2)
    path = save_checkpoint(tmp_path / "c.npz", first, 2, config)
    resumed = trained(0, seed=1)[0]
    load_checkpoint(path, resumed)
    np.testing.assert_array_equal(resumed.replay.store, first.replay.store)
    for _ in range(3):
        resumed.train_step(real)
    for mine, theirs in zip(resumed.discriminator.parameters(),
                            straight.discriminator.parameters()):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
