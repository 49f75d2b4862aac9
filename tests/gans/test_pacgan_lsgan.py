"""PacGAN's packed discriminator and LSGAN's least-squares codes."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import LSGAN, PacDCGAN, PacGAN

from tests.gans.helpers import counting_sampler


@pytest.mark.parametrize("pack", [2, 4])
def test_discriminator_sees_packs_of_concatenated_samples(pack):
    gan = PacGAN((2,), {"pack": pack, "batch_size": 8})
    assert gan.discriminator[0].in_features == 2 * pack
    x = tg.randn(8 * pack, 2)
    out = gan.discriminate(x)
    assert out.shape == (8,)
    # pack j is samples j*pack .. j*pack + pack - 1, concatenated in order
    first_pack = tg.tensor(x.numpy()[:pack].reshape(1, -1))
    np.testing.assert_allclose(gan.discriminator(first_pack).numpy().ravel(), out.numpy()[:1],
                               rtol=1e-6)


def test_a_step_draws_batch_size_times_pack_real_samples():
    gan = PacGAN((2,), {"pack": 3, "batch_size": 4})
    drawn = []

    def sample_real(m):
        drawn.append(m)
        return tg.randn(m, 2)
    metrics = gan.train_step(sample_real)
    assert drawn == [12] and 0 < metrics["D(x)"] < 1


def test_lsgan_codes_enter_the_losses():
    gan = LSGAN((2,), {"codes": (-1.0, 1.0, 0.0)})
    real, fake = tg.tensor([0.5, 2.0]), tg.tensor([-0.5, 0.0])
    assert gan.loss.discriminator(real, fake).item() == pytest.approx(
        0.5 * np.mean([0.25, 1.0]) + 0.5 * np.mean([0.25, 1.0]))
    assert gan.loss.generator(fake).item() == pytest.approx(0.5 * np.mean([0.25, 0.0]))
    metrics = gan.train_step(counting_sampler())
    assert "D(x)" in metrics and np.isfinite(metrics["loss/D"])


@pytest.mark.parametrize("pack", [2, 3])
def test_pacdcgan_stacks_each_pack_of_images_along_channels(pack):
    gan = PacDCGAN((3, 8, 8), {"pack": pack, "batch_size": 4, "width": 4, "z_dim": 3})
    assert gan.discriminator[0][0].in_channels == 3 * pack
    x = tg.randn(4 * pack, 3, 8, 8)
    gan.discriminator.eval()            # batch statistics would couple the packs
    out = gan.discriminate(x)
    assert out.shape == (4,)
    second_pack = tg.tensor(np.concatenate(list(x.numpy()[pack:2 * pack]))[None])
    np.testing.assert_allclose(gan.discriminator(second_pack).numpy().ravel(), out.numpy()[1:2],
                               rtol=1e-5, atol=1e-6)


def test_pacdcgan_step_draws_batch_size_times_pack_images():
    gan = PacDCGAN((1, 8, 8), {"pack": 2, "batch_size": 3, "width": 4, "z_dim": 3})
    drawn = []

    def sample_real(m):
        drawn.append(m)
        return tg.randn(m, 1, 8, 8)
    metrics = gan.train_step(sample_real)
    assert drawn == [6] and 0 < metrics["D(x)"] < 1 and np.isfinite(metrics["loss/G"])


def test_a_batch_that_does_not_split_into_packs_is_refused_clearly():
    toy = PacGAN((2,), {"pack": 2})
    with pytest.raises(ValueError, match=r"packs of 2.*\(3, 2\)"):
        toy.discriminate(tg.randn(3, 2))
    images = PacDCGAN((1, 8, 8), {"pack": 3, "width": 4, "z_dim": 3})
    with pytest.raises(ValueError, match=r"packs of 3.*\(4, 1, 8, 8\)"):
        images.discriminate(tg.randn(4, 1, 8, 8))
