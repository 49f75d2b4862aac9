"""The data-set registry: names, one-line descriptions, the common interface."""
import numpy as np
import pytest

from tinygan import data

NAMES = ["gauss1d", "ring8", "grid25", "swissroll", "digits", "mnist5k", "mnist",
         "fashion-mnist", "stacked-mnist"]


def test_every_name_is_registered_with_a_one_line_description():
    assert list(data.DATASETS) == NAMES
    for entry in data.DATASETS.values():
        assert callable(entry.build) and 10 < len(entry.description) < 100
        assert "\n" not in entry.description


@pytest.mark.parametrize("name", ["gauss1d", "ring8", "grid25", "swissroll", "digits"])
def test_local_data_sets_share_the_sampling_interface(name):
    dataset = data.get(name)
    batch = dataset.sample(32, np.random.default_rng(0))
    assert dataset.name == name
    assert batch.dtype == np.float32 and batch.shape == (32, *dataset.shape)
    assert np.array_equal(batch, dataset.sample(32, 0))


def test_keyword_arguments_reach_the_builder():
    assert data.get("digits", size=16).images.shape == (1797, 1, 16, 16)
    assert data.get("ring8", std=0.5).std == 0.5


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="'cifar10'; known: gauss1d, .*stacked-mnist"):
        data.get("cifar10")
