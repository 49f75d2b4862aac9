"""Resuming a run: a run killed with SIGKILL at a random moment and resumed ends with the
weights and metrics log of an uninterrupted run, bit for bit on the CPU."""
import json
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tinygan import checkpoint, io as tio, runs
from tinygan.cli import main

STEPS = 400
RUN = ["train", "gan", "--data", "ring8", "--steps", str(STEPS), "--seed", "3",
       "--checkpoint-every", "20", "--log-every", "10", "--sample-every", "0",
       "--batch-size", "16", "--set", "g_hidden=[16]", "--set", "d_hidden=[16]"]


def final_checkpoint(run_dir):
    return tio.load_state_dict(checkpoint.latest_checkpoint(run_dir / "checkpoints"))


def logged(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def assert_same_run(a, b):
    """Same weights, optimizer states, random states and metrics (timings aside)."""
    first, second = final_checkpoint(a), final_checkpoint(b)
    assert first.keys() == second.keys()
    for key in first:
        assert np.array_equal(first[key], second[key]), key
    assert list(map(runs.without_timing, logged(a))) == list(map(runs.without_timing, logged(b)))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_run_killed_at_a_random_moment_resumes_to_the_uninterrupted_result(tmp_path, capsys):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    process = subprocess.Popen([sys.executable, "-m", "tinygan", *RUN, "--out", str(killed)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while checkpoint.latest_checkpoint(killed / "checkpoints") is None:
            assert process.poll() is None, "the run ended before writing a checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within 30 s"
            time.sleep(0.01)
        time.sleep(random.Random(0).uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    reached = runs.latest_step(killed)
    assert 20 <= reached < STEPS

    assert main([*RUN, "--out", str(killed), "--resume"]) == 0
    assert main([*RUN, "--out", str(whole)]) == 0
    assert_same_run(killed, whole)
    assert [r["step"] for r in logged(killed)] == list(range(10, STEPS + 1, 10))
    assert f"done: steps {reached + 1}-{STEPS}" in capsys.readouterr().out


def test_resume_drops_records_past_the_checkpoint_and_a_torn_line(tmp_path):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    short = [*RUN[:5], "40", *RUN[6:]]
    assert main([*short, "--out", str(whole)]) == 0
    assert main([*short, "--steps", "20", "--out", str(killed)]) == 0
    config = json.loads((killed / "config.json").read_text())
    assert config["steps"] == 20
    with open(killed / "metrics.jsonl", "a") as log:          # what a kill can leave behind
        log.write(json.dumps({"step": 30, "loss/D": 0.0}) + "\n" + '{"step": 40, "loss')
    assert main([*short, "--out", str(killed), "--resume"]) == 0
    assert_same_run(killed, whole)


def test_resume_at_the_last_step_has_nothing_to_do(tmp_path, capsys):
    run = tmp_path / "a"
    short = [*RUN[:5], "20", *RUN[6:]]
    assert main([*short, "--out", str(run)]) == 0
    capsys.readouterr()
    assert main([*short, "--out", str(run), "--resume"]) == 0
    assert main([*short, "--out", str(run), "--resume", "--steps", "10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith(f"nothing to do: the latest checkpoint of {run} is at step 20, "
                             f"the run has 20 steps")
    assert "is at step 20, the run has 10 steps" in out[3]
    assert json.loads((run / "config.json").read_text())["steps"] == 20
