"""The sampling that CGAN and AC-GAN share (``image_networks.ClassConditionalSampling``)."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import ACGAN, CGAN

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 4}


@pytest.mark.parametrize("cls, config, labels", [
    (CGAN, SMALL, (0, 7)),
    (ACGAN, {**SMALL, "n_classes": 3}, (0, 2)),
])
def test_samples_of_one_label_alone_still_depend_on_the_label(cls, config, labels):
    """A batch of one label only would have the label normalised away by G's batch norm."""
    gan = cls(SHAPE, config)
    z = gan.sample_z(4 + config["batch_size"])
    images = []
    for label in labels:
        gan.sample_z = queue(z)
        tg.manual_seed(1)
        images.append(gan.sample(4, labels=[label] * 4).numpy())
    assert images[0].shape == (4,) + SHAPE
    assert np.abs(images[0] - images[1]).max() > 1e-3
