"""Every registered variant trains on CUDA, and its checkpoint loads on the CPU.

Skipped without CuPy and a GPU. The op-level agreement with the CPU is
checked in tests/ops/test_devices.py; here the whole train step runs on the
GPU (networks, optimizers, penalties, the noise and the real batches).
"""
import numpy
import pytest

import tinygan as tg
from tinygan import gans, runs
from tinygan.backend import to_numpy
from tinygan.checkpoint import load_checkpoint, save_checkpoint
from tinygan.tensor import Tensor
from tinygan.train import train

pytestmark = pytest.mark.skipif(not tg.cuda_available(), reason="CUDA needs CuPy and an NVIDIA GPU")

SMALL_DATA = ("ring8", "digits", "digits-invert")
STEPS = {"progan": 3, "stylegan2": 5}      # enough steps to reach the lazy penalties


def _build(name, device):
    cls = gans.get(name)
    data = next(d for d in SMALL_DATA if d in cls.supported_data)
    batch = 1 if name == "cyclegan" else 8
    config = runs.make_config(name, data, steps=2, batch_size=batch, device=device,
                              overrides={"r1_interval": 2, "pl_interval": 2} if name == "stylegan2"
                              else None)
    return runs.build(config) + (config,)


def _weights(variant):
    return {f"{net}.{key}": to_numpy(value) for net, module in variant.networks().items()
            for key, value in module.state_dict().items()}


@pytest.mark.parametrize("name", sorted(gans.VARIANTS))
def test_variant_trains_on_cuda(name):
    variant, data, _ = _build(name, "cuda")
    before = _weights(variant)
    history = train(variant, data, STEPS.get(name, 2), progress=False)
    for key, value in history[-1].items():
        assert numpy.isfinite(value), f"{name}: {key} = {value}"
    for module in variant.networks().values():
        assert all(p.device == "cuda" for p in module.parameters())
    after = _weights(variant)
    assert any(not numpy.array_equal(before[k], after[k]) for k in before), f"{name}: no update"
    if getattr(variant, "paired_domains", False):
        x, _ = data.sample(4, numpy.random.default_rng(0))
        sample = variant.translate(tg.tensor(x, dtype=tg.default_dtype(), device="cuda"))
    else:
        sample = variant.sample(4)
    assert isinstance(sample, Tensor) and sample.device == "cuda"
    assert numpy.isfinite(sample.numpy()).all()


@pytest.mark.parametrize("name", ["dcgan", "wgan-gp", "stylegan2"])
def test_cuda_checkpoint_loads_on_the_cpu(name, tmp_path):
    trained, data, config = _build(name, "cuda")
    train(trained, data, 2, progress=False)
    path = save_checkpoint(tmp_path / "ckpt.npz", trained, 2, config)
    on_cpu, _, _ = _build(name, "cpu")
    loaded = load_checkpoint(path, on_cpu)
    assert loaded.step == 2
    want, got = _weights(trained), _weights(on_cpu)
    assert want.keys() == got.keys()
    for key in want:
        numpy.testing.assert_array_equal(got[key], want[key], err_msg=key)
    assert all(p.device == "cpu" for m in on_cpu.networks().values() for p in m.parameters())
