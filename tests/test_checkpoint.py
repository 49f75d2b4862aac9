"""Checkpoints of a training run: bit-for-bit resume, run folders, damaged files."""
import dataclasses
import io
import json
import os
import zipfile

import numpy as np
import pytest

import tinygan as tg
import tinygan.nn as nn
import tinygan.optim as optim
from tinygan import backend
from tinygan import io as tio
from tinygan.checkpoint import (CheckpointError, latest_checkpoint, list_checkpoints,
                                load_checkpoint, save_checkpoint)

CONFIG = {"lr": 2e-3, "batch_size": 8, "betas": [0.5, 0.999], "note": "tiny"}


class TinyGAN:
    """Just enough of a GAN variant: two networks, two optimizers, one train step."""

    name = "tiny"

    def __init__(self, hidden=4):
        self.generator = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 2))
        self.discriminator = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(0.2),
                                           nn.Linear(hidden, 1))
        self.opt_g = optim.Adam(self.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        self.opt_d = optim.RMSprop(self.discriminator.parameters(), lr=1e-3, momentum=0.5,
                                   centered=True)

    def networks(self):
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimizers(self):
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def train_step(self, data_rng):
        real = tg.tensor(data_rng.normal(size=(8, 2)).astype(np.float32))
        fake = self.generator(tg.randn(8, 2))
        d_loss = (tg.softplus(-self.discriminator(real))
                  + tg.softplus(self.discriminator(fake.detach()))).mean()
        self.opt_d.zero_grad()
        d_loss.backward()
        self.opt_d.step()
        g_loss = tg.softplus(-self.discriminator(self.generator(tg.randn(8, 2)))).mean()
        self.opt_g.zero_grad()
        g_loss.backward()
        self.opt_g.step()


class TinyGANWithMemory(TinyGAN):
    """Keeps state of its own: the last fake batch (fed to D again) and a step counter."""

    def __init__(self, hidden=4):
        super().__init__(hidden)
        self.memory, self.steps = None, 0

    def train_step(self, data_rng):
        if self.memory is not None:
            loss = tg.softplus(self.discriminator(tg.tensor(self.memory))).mean()
            self.opt_d.zero_grad()
            loss.backward()
            self.opt_d.step()
        super().train_step(data_rng)
        with tg.no_grad():
            self.memory = self.generator(tg.randn(4, 2)).numpy()
        self.steps += 1

    def get_extra_state(self):
        return {"memory": self.memory, "steps": self.steps}

    def set_extra_state(self, state):
        self.memory, self.steps = state["memory"], state["steps"]


def _weights(variant):
    return {f"{n}.{k}": v for n, m in variant.networks().items()
            for k, v in m.state_dict().items()}


def _assert_same_state(a, b):
    wa, wb = _weights(a), _weights(b)
    assert list(wa) == list(wb)
    for k in wa:
        assert wa[k].tobytes() == wb[k].tobytes(), k
    for name in a.optimizers():
        sa, sb = a.optimizers()[name].state_dict(), b.optimizers()[name].state_dict()
        assert sa["param_groups"] == sb["param_groups"]
        assert sa["state"].keys() == sb["state"].keys()
        for i in sa["state"]:
            for key, value in sa["state"][i].items():
                assert np.array_equal(value, sb["state"][i][key]), (name, i, key)


def _trained(steps, seed=0, kind=TinyGAN):
    tg.manual_seed(seed)
    variant, data_rng = kind(), np.random.default_rng(seed + 100)
    for _ in range(steps):
        variant.train_step(data_rng)
    return variant, data_rng


def test_resumed_run_is_bit_for_bit_identical(tmp_path):
    straight, straight_rng = _trained(7)
    straight_engine_state = backend.rng_state()

    first, data_rng = _trained(3)
    save_checkpoint(tmp_path, first, 3, CONFIG, extra_rng_states={"data": data_rng})

    tg.manual_seed(12345)                       # a different process, different init
    resumed, resumed_rng = TinyGAN(), np.random.default_rng(999)
    loaded = load_checkpoint(tmp_path, resumed, generators={"data": resumed_rng})
    assert loaded.step == 3 and loaded.config == CONFIG
    assert loaded.path == os.path.join(tmp_path, "ckpt-000003.npz")
    assert loaded.extra_rng_states["data"] == data_rng.bit_generator.state
    _assert_same_state(resumed, first)
    for _ in range(4):
        resumed.train_step(resumed_rng)
    _assert_same_state(resumed, straight)
    assert resumed_rng.bit_generator.state == straight_rng.bit_generator.state
    assert backend.rng_state() == straight_engine_state


def test_variant_extra_state_is_saved_and_restored(tmp_path):
    straight, _ = _trained(5, kind=TinyGANWithMemory)
    first, data_rng = _trained(2, kind=TinyGANWithMemory)
    path = save_checkpoint(tmp_path / "c.npz", first, 2, CONFIG,
                           extra_rng_states={"data": data_rng})
    assert tio.load_state_dict(path)["extra/memory"].shape == (4, 2)
    resumed, resumed_rng = TinyGANWithMemory(), np.random.default_rng()
    load_checkpoint(path, resumed, generators={"data": resumed_rng})
    assert resumed.steps == 2 and np.array_equal(resumed.memory, first.memory)
    for _ in range(3):
        resumed.train_step(resumed_rng)
    _assert_same_state(resumed, straight)
    with pytest.raises(CheckpointError, match="no set_extra_state"):
        load_checkpoint(path, TinyGAN())
    plain = save_checkpoint(tmp_path / "plain.npz", TinyGAN(), 0, CONFIG)
    with pytest.raises(CheckpointError, match="holds no extra state"):
        load_checkpoint(plain, TinyGANWithMemory())


def test_checkpoint_layout(tmp_path):
    variant, data_rng = _trained(2)
    path = save_checkpoint(tmp_path / "one.npz", variant, 2, CONFIG,
                           extra_rng_states={"data": data_rng})
    assert path == os.fspath(tmp_path / "one.npz")
    arrays = tio.load_state_dict(path)
    assert "networks/generator/0.weight" in arrays
    assert "networks/discriminator/2.bias" in arrays
    assert arrays["optimizers/generator/0/exp_avg"].shape == (4, 2)
    assert arrays["optimizers/discriminator/3/grad_avg"].shape == (1,)
    meta = json.loads(arrays["meta"].tobytes())
    assert meta["step"] == 2 and meta["config"] == CONFIG
    assert meta["optimizers"]["generator"]["param_groups"][0]["betas"] == [0.5, 0.999]
    assert meta["optimizers"]["generator"]["scalars"]["0"] == {"step": 2}
    assert meta["rng"]["engine_cpu"]["bit_generator"] == "PCG64"
    assert meta["rng"]["extra"]["data"]["state"] == data_rng.bit_generator.state["state"]
    with np.load(path, allow_pickle=False) as plain:      # an ordinary .npz
        assert plain["networks/generator/0.weight"].shape == (4, 2)


def test_run_folder_keeps_the_last_two_and_points_at_the_newest(tmp_path):
    variant, _ = _trained(1)
    for step in (100, 200, 300, 400):
        written = save_checkpoint(tmp_path, variant, step, CONFIG)
    assert written == os.path.join(tmp_path, "ckpt-000400.npz")
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path)] == [
        "ckpt-000300.npz", "ckpt-000400.npz"]
    assert (tmp_path / "latest").read_text() == "ckpt-000400.npz\n"
    assert latest_checkpoint(tmp_path) == written
    # a stale pointer (crash between the two renames) falls back to the newest file
    (tmp_path / "latest").write_text("ckpt-000999.npz\n")
    assert latest_checkpoint(tmp_path) == written
    (tmp_path / "latest").write_text("../../etc/passwd\n")
    assert latest_checkpoint(tmp_path) == written
    assert latest_checkpoint(tmp_path / "nowhere") is None
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "empty_dir_does_not_exist.npz", variant)


def test_crash_while_saving_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    variant, _ = _trained(1)
    save_checkpoint(tmp_path, variant, 1, CONFIG)
    before = (tmp_path / "ckpt-000001.npz").read_bytes()

    def crash(f, arrays, compress):
        f.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(tio, "_write_npz", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path, variant, 2, CONFIG)
    assert sorted(os.listdir(tmp_path)) == ["ckpt-000001.npz", "latest"]
    assert (tmp_path / "ckpt-000001.npz").read_bytes() == before
    assert latest_checkpoint(tmp_path) == os.path.join(tmp_path, "ckpt-000001.npz")


def test_leftover_temporary_files_are_pruned(tmp_path):
    variant, _ = _trained(1)
    (tmp_path / ".ckpt-000005.npz.abc123.tmp").write_bytes(b"half")
    save_checkpoint(tmp_path, variant, 6, CONFIG)
    assert sorted(os.listdir(tmp_path)) == ["ckpt-000006.npz", "latest"]


@dataclasses.dataclass
class Config:
    lr: float = 1e-3
    betas: tuple = (0.5, 0.999)


def test_dataclass_config_and_other_bit_generators(tmp_path):
    variant, _ = _trained(1)
    mersenne = np.random.Generator(np.random.MT19937(3))
    mersenne.normal(size=5)
    path = save_checkpoint(tmp_path / "c.npz", variant, 1, Config(),
                           extra_rng_states={"mt": mersenne})
    expected = mersenne.normal(size=3)
    restored = np.random.Generator(np.random.MT19937(0))
    loaded = load_checkpoint(path, TinyGAN(), generators={"mt": restored})
    assert loaded.config == {"lr": 1e-3, "betas": [0.5, 0.999]}
    assert np.array_equal(restored.normal(size=3), expected)
    with pytest.raises(CheckpointError, match="not a PCG64 state"):
        load_checkpoint(path, TinyGAN(), generators={"mt": np.random.default_rng()})


def test_config_must_be_json(tmp_path):
    variant, _ = _trained(1)
    with pytest.raises(TypeError, match="JSON"):
        save_checkpoint(tmp_path, variant, 1, {"f": object()})
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- damaged files

def _unchanged_after_failed_load(path, match=None):
    tg.manual_seed(7)
    fresh = TinyGAN()
    before = _weights(fresh)
    engine_state = backend.rng_state()
    data_rng = np.random.default_rng(5)
    data_state = data_rng.bit_generator.state
    with pytest.raises(CheckpointError, match=match):
        load_checkpoint(path, fresh, generators={"data": data_rng})
    after = _weights(fresh)
    assert all(before[k].tobytes() == after[k].tobytes() for k in before)
    assert fresh.opt_g.state == {} and fresh.opt_d.state == {}
    assert backend.rng_state() == engine_state
    assert data_rng.bit_generator.state == data_state


@pytest.fixture
def saved(tmp_path):
    variant, data_rng = _trained(2)
    return variant, save_checkpoint(tmp_path / "c.npz", variant, 2, CONFIG,
                                    extra_rng_states={"data": data_rng})


def test_truncated_checkpoints_are_refused(saved, tmp_path):
    raw = open(saved[1], "rb").read()
    bad = tmp_path / "bad.npz"
    for cut in (0, 10, 100, len(raw) // 3, len(raw) // 2, len(raw) - 22, len(raw) - 1):
        bad.write_bytes(raw[:cut])
        _unchanged_after_failed_load(bad, match="bad.npz")


def test_flipped_bytes_are_refused_or_harmless(saved, tmp_path):
    variant, path = saved
    raw = open(path, "rb").read()
    bad = tmp_path / "bad.npz"
    refused = 0
    for position in range(0, len(raw), max(1, len(raw) // 150)):
        flipped = bytearray(raw)
        flipped[position] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        fresh = TinyGAN()
        try:
            load_checkpoint(bad, fresh, generators={"data": np.random.default_rng()})
        except CheckpointError:
            refused += 1
            continue
        _assert_same_state(fresh, variant)       # the flip hit a field data does not use
    assert refused > 100


def _rewrite(path, replace):
    """Copy the checkpoint's members, letting ``replace(name, npy_bytes)`` change them."""
    with zipfile.ZipFile(path) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            new = replace(name, data)
            if new is not None:
                zf.writestr(name, new)


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_array_in_a_checkpoint_runs_nothing(saved, tmp_path):
    _, path = saved
    marker = tmp_path / "marker"
    payload = io.BytesIO()
    np.save(payload, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    _rewrite(path, lambda name, data: payload.getvalue()
             if name == "networks/generator/0.weight.npy" else data)
    _unchanged_after_failed_load(path, match="object array")
    assert not marker.exists()


def _meta_rewrite(path, change):
    def replace(name, data):
        if name != "meta.npy":
            return data
        meta = json.loads(np.load(io.BytesIO(data)).tobytes())
        change(meta)
        buf = io.BytesIO()
        np.save(buf, np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        return buf.getvalue()
    _rewrite(path, replace)


@pytest.mark.parametrize("change, match", [
    (lambda m: m.update(format="something-else"), "format tag"),
    (lambda m: m.update(variant="wgan"), "'wgan'"),
    (lambda m: m.update(version=99), "version 99"),
    (lambda m: m.update(step="3"), "'step'"),
    (lambda m: m["networks"].pop("generator"), "networks"),
    (lambda m: m["optimizers"]["generator"].update({"class": "SGD"}), "SGD"),
    (lambda m: m["optimizers"]["generator"]["scalars"].update({"99": {"step": 1}}), "99"),
    (lambda m: m["optimizers"]["generator"]["scalars"]["0"].update(step=[1]), "scalar state"),
    (lambda m: m["optimizers"]["generator"]["arrays"].update({"0": "exp_avg"}), "array names"),
    (lambda m: m["optimizers"]["discriminator"]["param_groups"][0].pop("alpha"), "alpha"),
    (lambda m: m["optimizers"]["generator"]["param_groups"][0].update(lr="fast"), "lr"),
    (lambda m: m.pop("config"), "config"),
    (lambda m: m["rng"]["engine_cpu"].update(bit_generator="MT19937"), "PCG64"),
    (lambda m: m["rng"]["engine_cpu"]["state"].update(state="x"), "invalid"),
    (lambda m: m["rng"]["extra"].pop("data"), "'data'"),
])
def test_inconsistent_meta_is_refused(saved, change, match):
    _meta_rewrite(saved[1], change)
    _unchanged_after_failed_load(saved[1], match=match)


def _npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def test_missing_arrays_are_refused(saved):
    _rewrite(saved[1], lambda name, data: None if name == "optimizers/generator/0/exp_avg.npy"
             else data)
    _unchanged_after_failed_load(saved[1], match="exp_avg")


def test_stray_arrays_are_refused(saved):
    _rewrite(saved[1], lambda name, data: data if name != "meta.npy" else data)
    with zipfile.ZipFile(saved[1], "a") as zf:
        zf.writestr("networks/generator/9.weight.npy", _npy_bytes(np.ones(2)))
    _unchanged_after_failed_load(saved[1], match="9.weight")


def test_a_different_architecture_is_refused(saved):
    _, path = saved
    tg.manual_seed(3)
    wider = TinyGAN(hidden=5)
    before = _weights(wider)
    with pytest.raises(CheckpointError, match="networks/generator/0.weight"):
        load_checkpoint(path, wider)
    assert all(np.array_equal(before[k], v) for k, v in _weights(wider).items())
