"""PyTorch-compatible state dict files: names, layouts, round trips, clear mismatches."""
import json
import struct

import numpy as np
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan import io as tio
from tinygan.interop import export_torch_state_dict, import_torch_state_dict, torch_state_dict

TORCH_NAMES = ["main.0.weight", "main.0.bias", "main.2.weight", "main.2.bias"]


class MLP(nn.Module):
    def __init__(self, hidden=5):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x):
        return self.main(x)


class RunningStats(nn.Module):
    """A stand-in batch-norm layer: affine parameters plus running statistics."""

    def __init__(self, channels, count=None):
        super().__init__()
        self.weight = nn.Parameter(tg.ones(channels))
        self.bias = nn.Parameter(tg.zeros(channels))
        self.register_buffer("running_mean", tg.full((channels,), 0.5))
        self.register_buffer("running_var", tg.full((channels,), 2.0))
        if count is not None:
            self.num_batches_tracked = count


class WithNorm(nn.Module):
    def __init__(self, count=None):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.norm = RunningStats(3, count)


def _numpy_forward(state, x):
    """What PyTorch computes from these arrays: Linear is x @ W.T + b."""
    h = np.maximum(x @ state["main.0.weight"].T + state["main.0.bias"], 0)
    return h @ state["main.2.weight"].T + state["main.2.bias"]


@pytest.mark.parametrize("ext", ["npz", "safetensors"])
def test_export_uses_torch_names_and_layouts(tmp_path, ext):
    model = MLP()
    path = tmp_path / f"mlp.{ext}"
    export_torch_state_dict(model, path)
    state = tio.load_state_dict(path)
    assert list(state) == TORCH_NAMES
    assert state["main.0.weight"].shape == (5, 3)          # (out_features, in_features)
    assert state["main.2.bias"].shape == (2,)
    assert all(a.dtype == np.float32 for a in state.values())
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(_numpy_forward(state, x), model(tg.tensor(x)).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_safetensors_export_reads_like_safetensors_torch_expects(tmp_path):
    path = tmp_path / "mlp.safetensors"
    model = MLP()
    export_torch_state_dict(model, path)
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert header.pop("__metadata__") == {"format": "pt"}
    assert set(header) == set(TORCH_NAMES)
    entry = header["main.0.weight"]
    assert entry["dtype"] == "F32" and entry["shape"] == [5, 3]
    begin, end = entry["data_offsets"]
    weight = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype="<f4").reshape(5, 3)
    assert np.array_equal(weight, model.main[0].weight.numpy())


@pytest.mark.parametrize("ext", ["npz", "safetensors"])
def test_round_trip_into_a_fresh_module(tmp_path, ext):
    source, target = MLP(), MLP()
    path = tmp_path / f"mlp.{ext}"
    export_torch_state_dict(source, path)
    assert import_torch_state_dict(target, path) == ([], [])
    x = tg.randn(6, 3)
    assert np.array_equal(source(x).numpy(), target(x).numpy())


def test_import_casts_to_the_module_dtype(tmp_path):
    path = tmp_path / "double.npz"
    state = {k: v.astype(np.float64) for k, v in torch_state_dict(MLP()).items()}
    tio.save_state_dict(state, path)
    model = MLP()
    import_torch_state_dict(model, path)
    assert model.main[0].weight.dtype == np.float32
    np.testing.assert_array_equal(model.main[0].weight.numpy(),
                                  state["main.0.weight"].astype(np.float32))


def test_batch_norm_layers_get_num_batches_tracked(tmp_path):
    state = torch_state_dict(WithNorm())
    assert list(state) == ["fc.weight", "fc.bias", "norm.weight", "norm.bias",
                           "norm.running_mean", "norm.running_var",
                           "norm.num_batches_tracked"]
    count = state["norm.num_batches_tracked"]
    assert count.dtype == np.int64 and count.shape == () and int(count) == 0
    assert int(torch_state_dict(WithNorm(count=17))["norm.num_batches_tracked"]) == 17

    path = tmp_path / "norm.safetensors"
    export_torch_state_dict(WithNorm(count=17), path)
    target = WithNorm(count=0)
    import_torch_state_dict(target, path)
    assert target.norm.num_batches_tracked == 17
    assert np.array_equal(target.norm.running_var.numpy(), np.full(3, 2.0, np.float32))
    import_torch_state_dict(WithNorm(), path)            # a layer without a counter: dropped


def test_mismatches_are_listed_with_a_layout_hint(tmp_path):
    state = torch_state_dict(MLP())
    state["main.0.weight"] = state["main.0.weight"].T.copy()
    del state["main.2.bias"]
    state["head.weight"] = np.zeros((1, 2), np.float32)
    path = tmp_path / "bad.npz"
    tio.save_state_dict(state, path)
    model = MLP()
    before = model.main[0].weight.numpy().copy()
    with pytest.raises(ValueError) as info:
        import_torch_state_dict(model, path)
    message = str(info.value)
    assert "bad.npz" in message and "main.2.bias" in message and "head.weight" in message
    assert "main.0.weight: file (3, 5), module (5, 3)" in message and "transposed" in message
    assert np.array_equal(model.main[0].weight.numpy(), before)     # nothing loaded


def test_non_strict_import_skips_names_but_not_shapes(tmp_path):
    state = torch_state_dict(MLP())
    del state["main.2.bias"]
    state["extra"] = np.zeros(1, np.float32)
    path = tmp_path / "partial.npz"
    tio.save_state_dict(state, path)
    model = MLP()
    assert import_torch_state_dict(model, path, strict=False) == (["main.2.bias"], ["extra"])
    assert np.array_equal(model.main[0].weight.numpy(), state["main.0.weight"])
    state["main.0.bias"] = np.zeros(4, np.float32)
    tio.save_state_dict(state, path)
    with pytest.raises(ValueError, match="main.0.bias: file"):
        import_torch_state_dict(MLP(), path, strict=False)


# ---------------------------------------------------------------- convolutional layers

class DCGANGenerator(nn.Module):
    def __init__(self, nz=8, width=16):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(), nn.ConvTranspose2d(width, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


def test_dcgan_generator_round_trip(tmp_path):
    source = DCGANGenerator()
    source(tg.randn(4, 8, 1, 1))                  # one training batch moves the statistics
    path = tmp_path / "dcgan.safetensors"
    export_torch_state_dict(source, path)
    state = tio.load_state_dict(path)
    assert list(state) == ["main.0.weight", "main.1.weight", "main.1.bias",
                           "main.1.running_mean", "main.1.running_var",
                           "main.1.num_batches_tracked", "main.3.weight"]
    assert state["main.0.weight"].shape == (8, 16, 4, 4)        # (C_in, C_out, kH, kW)
    assert state["main.3.weight"].shape == (16, 3, 4, 4)
    count = state["main.1.num_batches_tracked"]
    assert count.dtype == np.int64 and count.shape == () and int(count) == 1
    assert not np.array_equal(state["main.1.running_var"], np.ones(16, np.float32))

    target = DCGANGenerator()
    import_torch_state_dict(target, path)
    assert int(target.main[1].num_batches_tracked.numpy()) == 1
    z = tg.randn(2, 8, 1, 1)
    source.eval(), target.eval()
    assert np.array_equal(source(z).numpy(), target(z).numpy())


def test_conv_weight_layouts_mean_what_pytorch_means():
    """With 1x1 kernels a convolution is a channel mixing, which pins down the axes:
    Conv2d weight[o, i] and ConvTranspose2d weight[i, o] map input i to output o."""
    x = np.random.default_rng(1).normal(size=(2, 3, 2, 2)).astype(np.float32)
    conv = nn.Conv2d(3, 5, 1)
    state = torch_state_dict(conv)
    expected = np.einsum("oi,nihw->nohw", state["weight"][:, :, 0, 0], x)
    np.testing.assert_allclose(conv(tg.tensor(x)).numpy(),
                               expected + state["bias"][None, :, None, None], atol=1e-5)
    up = nn.ConvTranspose2d(3, 5, 1)
    state = torch_state_dict(up)
    assert state["weight"].shape == (3, 5, 1, 1)
    expected = np.einsum("io,nihw->nohw", state["weight"][:, :, 0, 0], x)
    np.testing.assert_allclose(up(tg.tensor(x)).numpy(),
                               expected + state["bias"][None, :, None, None], atol=1e-5)


def test_swapped_conv_axes_get_a_hint(tmp_path):
    state = torch_state_dict(DCGANGenerator())
    state["main.3.weight"] = state["main.3.weight"].transpose(1, 0, 2, 3).copy()
    path = tmp_path / "swapped.npz"
    tio.save_state_dict(state, path)
    with pytest.raises(ValueError, match="first two axes look swapped"):
        import_torch_state_dict(DCGANGenerator(), path)


def test_batch_norm_without_running_stats_exports_no_counter():
    assert list(torch_state_dict(nn.BatchNorm2d(3, track_running_stats=False))) == [
        "weight", "bias"]
