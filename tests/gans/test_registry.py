"""The registry and the protocol every registered variant follows."""
import numpy as np
import pytest

import tinygan.gans as gans
from tinygan.nn import Module
from tinygan.optim import Optimizer
from tinygan.train import train

from tests.gans.helpers import Gaussian

NAMES = ["gan", "wgan", "wgan-gp", "unrolled", "pacgan", "lsgan"]


def test_registry_holds_the_zoo():
    assert set(NAMES) <= set(gans.VARIANTS)
    for name in NAMES:
        assert gans.get(name).name == name


def test_unknown_variant_lists_the_known_names():
    with pytest.raises(ValueError, match="wgan-gp"):
        gans.get("wgan_gp")


@pytest.mark.parametrize("name", NAMES)
def test_protocol(name):
    cls = gans.get(name)
    assert cls.paper and cls.defaults and "ring8" in cls.supported_data
    small = {"batch_size": 8, "g_hidden": (8,), "d_hidden": (8,)}
    if name == "unrolled":
        small["unroll_steps"] = 1
    variant = cls((2,), small)
    assert set(variant.networks()) == set(variant.optimizers()) == {"G", "D"}
    assert all(isinstance(m, Module) for m in variant.networks().values())
    assert all(isinstance(o, Optimizer) for o in variant.optimizers().values())
    history = train(variant, Gaussian(0.0, 1.0, dim=2), steps=2, progress=False)
    assert len(history) == 2
    assert all(isinstance(v, (int, float)) and np.isfinite(v) for v in history[-1].values())
    assert variant.sample(5).shape == (5, 2)
    with pytest.raises(ValueError, match="valid keys"):
        cls((2,), {"no_such_key": 1})


def test_register_refuses_a_taken_name():
    class Impostor(gans.Variant):
        name = "gan"
    with pytest.raises(ValueError, match="taken"):
        gans.register(Impostor)
