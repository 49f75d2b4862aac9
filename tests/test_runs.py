"""Run folders: PNG pictures, --set values, metrics log, numerical checks, reproducibility,
sampling and evaluation (tiny networks and a few steps, so the whole file takes seconds)."""
import json
import math
import zlib

import numpy as np
import pytest

import tinygan as tg
from tinygan import backend, checkpoint, images, io as tio, nn, runs
from tinygan.gans import GAN

TINY = {"g_hidden": [16], "d_hidden": [16]}


def tiny_config(variant="gan", data="ring8", steps=8, seed=0, **options):
    settings = dict(batch_size=16, log_every=2, checkpoint_every=4, sample_every=4)
    settings.update(options)
    return runs.make_config(variant, data, steps=steps, seed=seed, overrides=dict(TINY),
                            **settings)


def start(run_dir, config):
    return runs.start_run(run_dir, config, plot=False)


def final_arrays(run_dir):
    found = checkpoint.latest_checkpoint(run_dir / "checkpoints")
    return tio.load_state_dict(found)


# ---------------------------------------------------------------- pictures

@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 3), (2, 6, 4)])
def test_png_round_trip(tmp_path, shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    path = images.write_png(tmp_path / "x.png", pixels)
    data = open(path, "rb").read()
    assert data.startswith(images.SIGNATURE)
    # every chunk's CRC covers its type and payload
    position = len(images.SIGNATURE)
    while position < len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        body = data[position + 4:position + 8 + length]
        assert int.from_bytes(data[position + 8 + length:position + 12 + length], "big") == \
            zlib.crc32(body)
        position += 12 + length
    np.testing.assert_array_equal(images.read_png(path), pixels)


def test_png_is_read_by_another_decoder(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    images.write_png(tmp_path / "x.png", pixels)
    np.testing.assert_array_equal(np.asarray(pil.open(tmp_path / "x.png")), pixels)


def test_image_grid_tiles_enlarges_and_maps_values():
    batch = np.full((5, 1, 8, 8), -1.0, dtype=np.float32)
    batch[1] = 1.0
    grid = images.image_grid(batch, pad=2)          # 3 columns, 2 rows, enlarged 4x to 32 pixels
    assert grid.shape == (2 + 2 * 34, 2 + 3 * 34) and grid.dtype == np.uint8
    assert grid[2, 2] == 0 and grid[2, 36] == 255 and grid[0, 0] == 128
    rgb = images.image_grid(np.zeros((2, 3, 28, 28)), cols=2)
    assert rgb.shape == (32, 62, 3)


def test_scatter_and_histogram_put_real_and_generated_where_they_are():
    scatter = images.scatter_image(real=np.array([[-0.5, -0.5]]), fake=np.array([[0.5, 0.5]]),
                                   extent=1.0, size=400, dot=1)
    assert tuple(scatter[100, 300]) == images.FAKE_COLOUR      # (0.5, 0.5): right, up
    assert tuple(scatter[300, 100]) == images.REAL_COLOUR
    hist = images.histogram_image(np.full(100, -2.0), np.full(100, 2.0), extent=4.0, bins=8)
    left, right = hist[-5, 110:140], hist[-5, 310:340]    # bins 2 and 6 of 8
    assert (left == images.REAL_COLOUR).all() and not (right == images.REAL_COLOUR).all()
    assert right[:, 2].mean() > right[:, 0].mean()            # blue over white


# ---------------------------------------------------------------- config and checks

@pytest.mark.parametrize("text, default, expected", [
    ("1e-4", 1e-3, 1e-4), ("2", 1e-3, 2.0), ("[64, 64]", (128, 128), [64, 64]),
    ("true", False, True), ("adam", "sgd", "adam"), ("1", "sgd", "1"), ("5", 1, 5)])
def test_set_values_parse_as_json_and_keep_the_defaults_type(text, default, expected):
    value = runs.parse_value("key", text, default)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text, default", [("1.5", 1), ("adam", 1e-3), ("3", (1, 2)),
                                            ("1", True)])
def test_set_values_of_the_wrong_type_are_refused(text, default):
    with pytest.raises(runs.RunError, match="expected a value like"):
        runs.parse_value("key", text, default)


def test_config_records_what_reproduces_the_run():
    config = tiny_config(batch_size=32, seed=7)
    assert config["variant"] == "gan" and config["data"] == "ring8" and config["seed"] == 7
    assert config["batch_size"] == config["config"]["batch_size"] == 32
    assert config["device"] == "cpu" and config["tinygan_version"] == tg.__version__
    assert set(config["config"]) == set(tg.gans.get("gan").defaults)
    assert config["config"]["g_hidden"] == [16] and config["config"]["betas"] == [0.5, 0.999]


@pytest.mark.parametrize("metrics, message", [
    ({"loss/D": math.nan, "grad_norm/D": math.inf}, "step 7: loss/D is nan"),
    ({"loss/G": 1.0, "grad_norm/D/2": math.nan, "grad_norm/D": math.inf},
     r"step 7: gradient of network D is not finite \(inf\)"),
    ({"grad_norm/G/0": math.nan}, r"step 7: gradient of network G is not finite \(layer 0: nan\)"),
    ({"D(x)": -math.inf}, "step 7: D\\(x\\) is -inf")])
def test_non_finite_metrics_name_the_step_network_and_quantity(metrics, message):
    with pytest.raises(runs.NonFiniteError, match=message):
        runs.check_finite(7, {"step": 7, **metrics})
    runs.check_finite(7, {"step": 7, "loss/D": 0.5, "grad_norm/D": 1.0})


def test_truncating_the_log_drops_a_torn_line_and_later_steps(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps({"step": s}) + "\n" for s in (2, 4, 6)) + '{"step": 8, "lo')
    assert [r["step"] for r in runs.read_metrics(path)] == [2, 4, 6]
    runs.truncate_metrics(path, 4)
    assert path.read_text() == '{"step": 2}\n{"step": 4}\n'


# ---------------------------------------------------------------- runs

def test_same_seed_gives_the_same_log_and_weights_another_seed_does_not(tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        start(tmp_path / name, tiny_config(seed=seed, sample_every=0))
    logs = {name: runs.read_metrics(tmp_path / name / "metrics.jsonl") for name in "abc"}
    assert [r["step"] for r in logs["a"]] == [2, 4, 6, 8]
    assert all("time/steps_per_s" in r for r in logs["a"])
    untimed = {name: [runs.without_timing(r) for r in log] for name, log in logs.items()}
    assert untimed["a"] == untimed["b"] and untimed["a"] != untimed["c"]
    a, b, c = (final_arrays(tmp_path / name) for name in "abc")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["networks/G/0.weight"], c["networks/G/0.weight"])


def test_pictures_leave_the_training_untouched(tmp_path):
    with_pictures, without = tmp_path / "with", tmp_path / "without"
    start(with_pictures, tiny_config(sample_every=1))
    start(without, tiny_config(sample_every=0))
    assert len(list((with_pictures / "samples").glob("step-*.png"))) == 8
    assert not (without / "samples").exists()
    a, b = final_arrays(with_pictures), final_arrays(without)
    assert all(np.array_equal(a[k], b[k]) for k in a if k != "meta")


class NormalisedGAN(GAN):
    """The gan variant with batch norm in its generator: a network with buffers on toy data."""

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        self.generator = nn.Sequential(nn.Linear(self.config["z_dim"], 8), nn.BatchNorm1d(8),
                                       nn.ReLU(), nn.Linear(8, 2))
        self.opt_g = self.make_optimizer(self.generator)


def test_sampling_for_pictures_keeps_buffers_and_the_random_stream():
    variant, data = NormalisedGAN((2,), dict(TINY)), tg.data.ring8()
    before, state = variant.generator.state_dict(), backend.rng_state()
    with runs.untouched(variant, [0, runs.PICTURE_STREAM]):
        fake, real = runs.draw(variant, data, 16, seed=0)
    assert fake.shape == real.shape == (16, 2)
    assert backend.rng_state() == state
    after = variant.generator.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in after)
    runs.draw(variant, data, 16, seed=0)                  # outside: running statistics move
    moved = variant.generator.state_dict()["1.running_mean"]
    assert not np.array_equal(before["1.running_mean"], moved)
    assert backend.rng_state() != state


def test_sample_is_deterministic_per_seed_and_shaped_like_the_data(tmp_path):
    start(tmp_path, tiny_config(sample_every=0))
    first, step = runs.sample_run(tmp_path, n=50, seed=0, out=str(tmp_path / "a.npy"))
    runs.sample_run(tmp_path, n=50, seed=0, out=str(tmp_path / "b.npy"))
    runs.sample_run(tmp_path, n=50, seed=1, out=str(tmp_path / "c.npy"))
    a, b, c = (np.load(tmp_path / f"{x}.npy") for x in "abc")
    assert step == 8 and a.shape == (50, 2) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    written, _ = runs.sample_run(tmp_path, n=50)
    assert [p.rsplit("/", 1)[-1] for p in written] == ["samples.npy", "samples.png"]
    assert images.read_png(tmp_path / "samples.png").shape == (400, 400, 3)


def test_evaluations_suit_the_data_and_are_appended(tmp_path):
    start(tmp_path / "ring", tiny_config(sample_every=0))
    first = runs.evaluate_run(tmp_path / "ring", n=300)
    runs.evaluate_run(tmp_path / "ring", n=300, seed=1)
    assert first["step"] == 8 and first["samples"] == 300 and first["metrics"]["modes_total"] == 8
    assert 0 <= first["metrics"]["modes"] <= 8 and 0 <= first["metrics"]["high_quality"] <= 1
    assert first["metrics"]["sliced_wasserstein1"] > 0
    saved = json.loads((tmp_path / "ring" / "eval.json").read_text())
    assert [e["seed"] for e in saved] == [0, 1] and saved[0]["metrics"] == first["metrics"]

    start(tmp_path / "1d", tiny_config(data="gauss1d", sample_every=0))
    metrics = runs.evaluate_run(tmp_path / "1d", n=300)["metrics"]
    assert metrics["modes_total"] == 2 and metrics["wasserstein1"] > 0
    assert 0 <= metrics["js_binned"] <= math.log(2)


def test_stacked_mnist_runs_are_scored_by_their_modes(tmp_path):
    config = runs.make_config("pacdcgan", "stacked-mnist", steps=2, batch_size=4,
                              overrides={"width": 4, "z_dim": 8}, log_every=1,
                              checkpoint_every=2, sample_every=0)
    start(tmp_path, config)
    entry = runs.evaluate_run(tmp_path, n=60)
    metrics = entry["metrics"]
    assert metrics["modes_total"] == 1000 and 1 <= metrics["modes"] <= 60
    assert 0 < metrics["mode_kl"] <= math.log(1000)
    assert 0 <= metrics["channel_digit_kl"] <= metrics["mode_kl"] + 1e-9
    assert any("26000" in note for note in entry["notes"])
