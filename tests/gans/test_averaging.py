"""G's running average of weights: the update by hand, the ramp-up, swapping it in for sampling,
and its place in checkpoints."""
import numpy as np
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.checkpoint import load_checkpoint, save_checkpoint
from tinygan.gans.averaging import WeightAverage
from tinygan.gans.biggan import BigGAN
from tinygan.gans.dcgan import DCGAN
from tinygan.gans.gan import GAN
from tinygan.gans.pacgan import PacDCGAN, PacGAN
from tinygan.gans.progan import ProGAN
from tinygan.gans.stylegan2 import StyleGAN2

from tests.gans.helpers import counting_sampler

BIGGAN = {"batch_size": 4, "z_dim": 6, "embed_dim": 3, "width": 4, "n_d_steps": 1}
DCGAN_SMALL = {"batch_size": 4, "z_dim": 3, "width": 4, "ema_half_life": 100}


def image_sampler(seed=0):
    rng = np.random.default_rng(seed)
    return lambda m: tg.tensor(rng.uniform(-1, 1, (m, 1, 8, 8)), dtype=tg.default_dtype())


def labelled_sampler(seed=0):
    rng = np.random.default_rng(seed)
    return lambda m: (tg.tensor(rng.uniform(-1, 1, (m, 1, 8, 8)), dtype=tg.default_dtype()),
                      rng.integers(0, 10, m))


def test_update_by_hand_with_the_half_life_ramp_up(float64):
    net = nn.Linear(2, 1)
    average = WeightAverage(net, half_life=100, rampup=0.5)
    start = net.weight.numpy().copy()
    expected = start
    for step, value in enumerate([1.0, -2.0, 3.0], start=1):
        net.weight.data[...] = value
        average.update(net, batch_size=10)
        half_life = min(100, 0.5 * 10 * step)              # 5, 10, 15 images
        beta = 0.5 ** (10 / half_life)
        expected = beta * expected + (1 - beta) * value
        np.testing.assert_allclose(average.averages["weight"], expected, rtol=1e-12)
    assert average.decay(10) == pytest.approx(0.5 ** (10 / 15))


def test_without_ramp_up_the_decay_is_the_half_life_rule():
    average = WeightAverage(nn.Linear(2, 1), half_life=1000, rampup=0)
    assert average.decay(10) == pytest.approx(0.5 ** 0.01)
    with pytest.raises(ValueError, match="WeightAverage: half_life must be > 0"):
        WeightAverage(nn.Linear(2, 1), half_life=0)


def test_applied_swaps_the_average_in_and_the_weights_back():
    net = nn.Linear(3, 2)
    average = WeightAverage(net)
    average.averages["weight"][...] = 7.0
    own = net.weight.numpy().copy()
    x = tg.ones(1, 3)
    with average.applied(net):
        np.testing.assert_allclose(net(x).numpy(), 21.0 + net.bias.numpy()[None])
    np.testing.assert_array_equal(net.weight.numpy(), own)


@pytest.mark.parametrize("variant,config,shape,labelled,images", [
    (BigGAN, BIGGAN, (1, 8, 8), True, 4),
    (StyleGAN2, {"batch_size": 4, "z_dim": 4, "w_dim": 4, "width": 4, "n_mapping": 1},
     (1, 8, 8), False, 4),
    (ProGAN, {"batch_size": 4, "z_dim": 4, "width": 4}, (1, 8, 8), False, 4),
    (GAN, {"batch_size": 4, "ema_half_life": 100}, (2,), False, 4),
    (PacGAN, {"batch_size": 4, "pack": 2, "ema_half_life": 100}, (2,), False, 8),
    (DCGAN, DCGAN_SMALL, (1, 8, 8), False, 4),
    (PacDCGAN, {**DCGAN_SMALL, "pack": 2, "r1_gamma": 1.0}, (1, 8, 8), False, 8),
])
def test_variants_sample_from_the_average_and_update_it_each_step(variant, config, shape,
                                                                  labelled, images):
    tg.manual_seed(0)
    gan = variant(shape, config)
    gan.average.rampup = 0          # else the first steps' average is the weights themselves
    before = {k: v.copy() for k, v in gan.average.averages.items()}
    rng = np.random.default_rng(0)
    if labelled:
        sampler = labelled_sampler()
    else:
        sampler = lambda m: tg.tensor(rng.uniform(-1, 1, (m,) + shape),  # noqa: E731
                                      dtype=tg.default_dtype())
    gan.train_step(sampler)
    assert gan.average.images == images
    assert any(not np.array_equal(before[k], v) for k, v in gan.average.averages.items())
    # sampling with the average swapped in equals sampling from a G that holds it
    tg.manual_seed(5)
    averaged = gan.sample(3).numpy()
    average, gan.average = gan.average, None
    tg.manual_seed(5)
    assert not np.allclose(gan.sample(3).numpy(), averaged, rtol=1e-6, atol=1e-6)
    gan.average = average
    for name, p in gan.generator.named_parameters():
        p.data = gan.average.averages[name].copy()
    gan.average = None
    tg.manual_seed(5)
    np.testing.assert_allclose(gan.sample(3).numpy(), averaged, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("variant,config,shape,sampler", [
    (BigGAN, BIGGAN, (1, 8, 8), labelled_sampler),
    (GAN, {"batch_size": 4, "ema_half_life": 100}, (2,), counting_sampler),
    (DCGAN, DCGAN_SMALL, (1, 8, 8), image_sampler),
    (ProGAN, {"batch_size": 4, "z_dim": 4, "width": 4}, (1, 8, 8), image_sampler),
    (StyleGAN2, {"batch_size": 4, "z_dim": 4, "w_dim": 4, "width": 4, "n_mapping": 1},
     (1, 8, 8), image_sampler),
])
def test_the_average_survives_a_checkpoint(tmp_path, variant, config, shape, sampler):
    tg.manual_seed(0)
    gan = variant(shape, config)
    gan.train_step(sampler())
    path = save_checkpoint(tmp_path, gan, 1, config)
    tg.manual_seed(1)
    fresh = variant(shape, config)
    load_checkpoint(path, fresh)
    assert fresh.average.images == gan.average.images
    for name, a in gan.average.averages.items():
        np.testing.assert_array_equal(fresh.average.averages[name], a)
    # the variant's own extra state comes back beside the average
    assert {k: v for k, v in fresh.get_extra_state().items() if not k.startswith("average")} == \
        {k: v for k, v in gan.get_extra_state().items() if not k.startswith("average")}


def test_an_average_of_another_shape_is_refused():
    average = WeightAverage(nn.Linear(3, 2))
    saved = WeightAverage(nn.Linear(4, 2)).state()
    with pytest.raises(ValueError, match=r"saved average of weight has shape \(2, 4\), the "
                                         r"network's is \(2, 3\)"):
        average.load_state(saved)


def test_the_average_can_be_switched_off():
    gan = BigGAN((1, 8, 8), {**BIGGAN, "ema_half_life": None})
    assert gan.average is None and gan.get_extra_state() == {}
    gan.train_step(labelled_sampler())
