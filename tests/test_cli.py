"""The command line, run in-process through ``main(argv)``: the train / eval / sample flow,
one-line errors, damaged checkpoints, non-finite training, progress output, graphs."""
import json

import numpy as np
import pytest

import tinygan as tg
from tinygan import checkpoint, gans, images, runs
from tinygan.cli import main

TINY = ["--batch-size", "16", "--set", "g_hidden=[16]", "--set", "d_hidden=[16]"]


def train_args(out, variant="gan", steps=6, *extra):
    return ["train", variant, "--data", "ring8", "--steps", str(steps), "--out", str(out),
            "--log-every", "2", "--checkpoint-every", "2", "--sample-every", "3", *TINY, *extra]


def one_line_error(capsys, argv, expected_status=1):
    """Run argv; check it fails with one error line on stderr (after any progress lines)."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status == expected_status, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ") and "Traceback" not in err, err
    assert all(line.startswith("step ") for line in lines[:-1]), err
    return lines[-1]


def test_list_names_every_variant_and_data_set_on_one_line_each(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in [*gans.VARIANTS, *tg.data.DATASETS]:
        matching = [line for line in lines if line.split()[:1] == [name]]
        assert len(matching) == 1 and len(matching[0].split()) > 2, name


def test_train_eval_sample_produce_the_described_files(tmp_path, capsys):
    run = tmp_path / "a"
    assert main(train_args(run, "wgan-gp", 6)) == 0
    out = capsys.readouterr().out
    assert "training wgan-gp on ring8 for 6 steps" in out and "done: steps 1-6" in out

    config = json.loads((run / "config.json").read_text())
    assert {k: config[k] for k in ("variant", "data", "steps", "batch_size", "seed", "device")} == \
        {"variant": "wgan-gp", "data": "ring8", "steps": 6, "batch_size": 16, "seed": 0,
         "device": "cpu"}
    assert config["config"]["n_critic"] == 5 and config["config"]["d_hidden"] == [16]
    assert config["tinygan_version"] == tg.__version__
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4, 6]
    assert {"loss/D", "loss/G", "D(x)", "D(G(z))", "grad_norm/D", "grad_norm/G/0",
            "time/steps_per_s"} <= set(records[0])
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step-000003.png",
                                                                 "step-000006.png"]
    assert images.read_png(run / "samples" / "step-000006.png").shape == (400, 400, 3)
    assert (run / "plots" / "training.png").read_bytes().startswith(images.SIGNATURE)
    assert checkpoint.latest_checkpoint(run / "checkpoints").endswith("ckpt-000006.npz")

    assert main(["eval", str(run)]) == 0
    printed = capsys.readouterr().out
    assert "ring8, step 6, 2500 samples (seed 0)" in printed and "modes" in printed
    evaluation = json.loads((run / "eval.json").read_text())
    assert len(evaluation) == 1 and evaluation[0]["metrics"]["modes_total"] == 8

    assert main(["sample", str(run), "--n", "1000"]) == 0
    assert np.load(run / "samples.npy").shape == (1000, 2)
    assert images.read_png(run / "samples.png").shape == (400, 400, 3)
    assert main(["sample", str(run), "--n", "5", "--out", str(tmp_path / "five.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "five.npy"), np.load(run / "samples.npy")[:5])


def test_progress_is_plain_lines_when_not_a_terminal(tmp_path, capsys):
    assert main(train_args(tmp_path / "a", "gan", 4)) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert [line.split()[1] for line in lines] == ["2/4", "4/4"]
    assert all("loss/D" in line and "steps/s" in line and "ETA" in line for line in lines)


@pytest.mark.parametrize("argv, expected", [
    (["train", "nosuch", "--data", "ring8"], "unknown variant 'nosuch'; known variants: gan, "),
    (["train", "gan", "--data", "digits"],
     "variant 'gan' does not support data set 'digits'; it supports: ring8, grid25"),
    (["train", "gan", "--data", "nosuch"], "unknown data set 'nosuch'; known data sets: gauss1d"),
    (["train", "gan", "--data", "ring8", "--set", "nosuch=1"],
     "unknown config key 'nosuch' for variant 'gan'; valid keys: activation, batch_size"),
    (["train", "gan", "--data", "ring8", "--set", "lr"], "--set lr: expected key=value"),
    (["train", "gan", "--data", "ring8", "--set", "k=1.5"], "--set k=1.5: expected a value like 1"),
    (["train", "gan", "--data", "ring8", "--set", "loss=nosuch"], "unknown"),
    (["train", "gan", "--data", "ring8", "--steps", "0"], "--steps must be at least 1"),
])
def test_user_mistakes_give_one_line(tmp_path, capsys, argv, expected):
    line = one_line_error(capsys, [*argv, "--out", str(tmp_path / "run")])
    assert expected in line
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.parametrize("argv, expected", [
    ([], "choose a command: list, train, sample, eval, graph"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["train", "gan"], "required: --data"),
    (["train", "gan", "--data", "ring8", "--steps", "many"], "invalid int value: 'many'"),
    (["train", "gan", "--data", "ring8", "--device", "tpu"], "invalid choice: 'tpu'"),
    (["sample"], "required: DIR"),
])
def test_bad_command_lines_give_one_line_and_status_2(capsys, argv, expected):
    assert expected in one_line_error(capsys, argv, expected_status=2)


@pytest.mark.skipif(tg.cuda_available(), reason="CUDA works here")
def test_cuda_without_cupy_says_what_to_install(tmp_path, capsys):
    line = one_line_error(capsys, train_args(tmp_path / "a", "gan", 2, "--device", "cuda"))
    assert "cuda" in line and "pip install tinygan[cuda12]" in line


def test_folders_without_a_run_or_checkpoint_give_one_line(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in (["sample", str(empty)], ["eval", str(empty)],
                    ["train", "gan", "--out", str(empty), "--resume"]):
        assert "holds no run (no config.json)" in one_line_error(capsys, command)
    runs.write_config(empty, runs.make_config("gan", "ring8"))
    for command in (["sample", str(empty)], ["eval", str(empty)]):
        assert "has no checkpoint" in one_line_error(capsys, command)
    assert "has no checkpoint to resume from" in one_line_error(
        capsys, ["train", "gan", "--out", str(empty), "--resume"])


def test_a_run_folder_is_never_overwritten_and_resume_keeps_its_settings(tmp_path, capsys):
    run = tmp_path / "a"
    assert main(train_args(run, "gan", 2)) == 0
    assert "already holds a run; continue it with --resume" in one_line_error(
        capsys, train_args(run, "gan", 2))
    line = one_line_error(capsys, train_args(run, "gan", 4, "--seed", "5", "--resume"))
    assert "these differ: seed=5 (the run has 0)" in line
    line = one_line_error(capsys, train_args(run, "wgan", 4, "--resume"))
    assert "variant=wgan (the run has gan)" in line


def test_a_damaged_checkpoint_is_reported_in_one_line(tmp_path, capsys):
    run = tmp_path / "a"
    assert main(train_args(run, "gan", 4)) == 0
    latest = checkpoint.latest_checkpoint(run / "checkpoints")
    data = bytearray(open(latest, "rb").read())
    open(latest, "wb").write(bytes(data[:len(data) // 2]))       # a torn file
    for command in (["sample", str(run)], ["eval", str(run)],
                    train_args(run, "gan", 6, "--resume")):
        line = one_line_error(capsys, command)
        assert "damaged checkpoint" in line and "ckpt-000004.npz" in line
        assert "an older checkpoint is ckpt-000002.npz" in line


class BlowsUpAtStep3(gans.GAN):
    """The gan variant whose discriminator weights turn to NaN before its third step."""
    name = "blows-up-at-3"

    def train_step(self, sample_real):
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 3:
            self.discriminator[0].weight.data[...] = float("nan")
        return super().train_step(sample_real)


@pytest.mark.parametrize("anomaly", [False, True])
def test_non_finite_training_stops_naming_the_step_and_keeps_the_last_checkpoint(
        tmp_path, capsys, monkeypatch, anomaly):
    monkeypatch.setitem(gans.VARIANTS, BlowsUpAtStep3.name, BlowsUpAtStep3)
    run = tmp_path / "a"
    argv = train_args(run, BlowsUpAtStep3.name, 6, *(["--detect-anomaly"] if anomaly else []))
    line = one_line_error(capsys, argv)
    if anomaly:
        assert line.startswith("error: step 3: detect_anomaly: ") and "non-finite" in line
    else:
        assert line.startswith("error: step 3: loss/D is nan; training stopped")
    kept = run / "checkpoints" / "ckpt-000002.npz"
    assert line.endswith(f"the last good checkpoint is {kept}")
    assert checkpoint.latest_checkpoint(run / "checkpoints").endswith("ckpt-000002.npz")
    assert [json.loads(x)["step"] for x in (run / "metrics.jsonl").read_text().splitlines()] == [2]


@pytest.mark.parametrize("variant, expected", [("gan", "Softplus"), ("wgan-gp", "Sqrt")])
def test_graph_prints_the_dot_of_the_discriminator_loss(capsys, variant, expected):
    assert main(["graph", variant, "--data", "ring8", "--set", "d_hidden=[8]"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith(f'digraph "{variant}: discriminator loss" {{') and dot.endswith("}\n")
    assert "D.0.weight" in dot and "MatMul" in dot and expected in dot
    assert "G.0.weight" not in dot              # G's output enters D's loss as a constant
