"""The shared training loop: seeding, records, per-layer gradient norms, hooks."""
import numpy as np
import pytest

import tinygan as tg
import tinygan.gans as gans
from tinygan.train import History, layer_grad_norms, real_sampler, train


class Ring:
    """Eight Gaussians on a circle of radius 2 (a stand-in with the data-set interface)."""
    centres = np.array([[2 * np.cos(a), 2 * np.sin(a)] for a in np.arange(8) * np.pi / 4])

    def sample(self, n, rng):
        return self.centres[rng.integers(0, 8, n)] + 0.02 * rng.standard_normal((n, 2))


def run(name, seed, steps=4, config=None):
    tg.manual_seed(seed)
    variant = gans.get(name)((2,), {"batch_size": 16, "g_hidden": (8,), "d_hidden": (8,),
                                    **(config or {})})
    return train(variant, Ring(), steps=steps, seed=seed, progress=False)


@pytest.mark.parametrize("name", ["gan", "wgan-gp"])
def test_same_seed_gives_identical_histories(name):
    assert run(name, 3) == run(name, 3)
    assert run(name, 3) != run(name, 4)


def test_records_hold_step_metrics_and_per_layer_gradient_norms():
    history = run("gan", 0, steps=3)
    assert isinstance(history, History) and [r["step"] for r in history] == [1, 2, 3]
    last = history[-1]
    for key in ("loss/D", "loss/G", "D(x)", "D(G(z))", "grad_norm/D", "grad_norm/G",
                "grad_norm/D/0", "grad_norm/D/2", "grad_norm/G/0", "grad_norm/G/2"):
        assert key in last
    # the layers' norms make up the network's norm
    layers = [v for k, v in last.items() if k.startswith("grad_norm/G/")]
    assert np.sqrt(np.sum(np.square(layers))) == pytest.approx(last["grad_norm/G"], rel=1e-5)
    assert history.steps_per_second > 0 and history.seconds > 0
    assert history.series("loss/D").shape == (3,)


def test_callback_sees_every_step_and_batch_size_overrides_m():
    seen = []
    tg.manual_seed(0)
    variant = gans.get("gan")((2,), {"g_hidden": (8,), "d_hidden": (8,)})
    sizes = []
    data = Ring()
    original = data.sample

    def sample(n, rng):
        sizes.append(n)
        return original(n, rng)
    data.sample = sample
    train(variant, data, steps=3, batch_size=10, progress=False,
          callback=lambda step, v, metrics: seen.append((step, v is variant, "loss/D" in metrics)))
    assert seen == [(1, True, True), (2, True, True), (3, True, True)] and set(sizes) == {10}


def test_resuming_continues_the_same_run():
    whole = run("gan", 5, steps=4)
    tg.manual_seed(5)
    variant = gans.get("gan")((2,), {"batch_size": 16, "g_hidden": (8,), "d_hidden": (8,)})
    rng = np.random.default_rng([5, 1])
    first = train(variant, Ring(), steps=2, seed=5, data_rng=rng, progress=False)
    rest = train(variant, Ring(), steps=2, seed=None, data_rng=rng, start_step=2, progress=False)
    assert first + rest == whole


def test_real_sampler_shapes_and_dtype():
    sample_real = real_sampler(Ring(), (2,), rng=np.random.default_rng(0))
    x = sample_real(7)
    assert x.shape == (7, 2) and x.dtype == tg.default_dtype() and not x.requires_grad


def test_layer_norms_skip_parameters_without_gradients():
    variant = gans.get("gan")((2,), {"g_hidden": (8,), "d_hidden": (8,)})
    assert layer_grad_norms(variant) == {}


def test_progress_prints_every_log_every_steps(capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm":
            raise ImportError
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    tg.manual_seed(0)
    variant = gans.get("gan")((2,), {"batch_size": 8, "g_hidden": (8,), "d_hidden": (8,)})
    train(variant, Ring(), steps=4, log_every=2, progress=True)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("step")]
    assert len(lines) == 2 and lines[0].startswith("step 2/4") and "loss/D" in lines[0]


def test_learning_rate_decay_callback():
    from tinygan.train import decay_learning_rate
    variant = gans.get("gan")((2,), {"lr": 1e-3, "g_hidden": (8,), "d_hidden": (8,)})
    schedule = decay_learning_rate(100, 0.01)
    lrs = []
    for step in (10, 50, 75, 100):
        schedule(step, variant, {})
        lrs.append([g["lr"] for o in variant.optimizers().values() for g in o.param_groups])
    assert lrs[0] == lrs[1] == [1e-3, 1e-3]
    assert lrs[2] == pytest.approx([1e-4, 1e-4]) and lrs[3] == pytest.approx([1e-5, 1e-5])


def test_wall_clock_budget_stops_after_the_step_that_crosses_it(monkeypatch):
    import itertools
    import tinygan.train as loop
    clock = itertools.count()           # every reading of the clock is one second later
    monkeypatch.setattr(loop.time, "perf_counter", lambda: float(next(clock)))
    tg.manual_seed(0)
    variant = gans.get("gan")((2,), {"batch_size": 8, "g_hidden": (8,), "d_hidden": (8,)})
    history = train(variant, Ring(), steps=100, seed=0, progress=False, max_seconds=2.5)
    # readings: start 0, after steps 1, 2, 3 -> 1, 2, 3 (past 2.5), end 4
    assert [r["step"] for r in history] == [1, 2, 3]
    assert history.seconds == 4.0 and history.steps_per_second == pytest.approx(0.75)


@pytest.mark.parametrize("log_every", [0, -5])
def test_log_every_below_one_is_refused_before_training(log_every):
    tg.manual_seed(0)
    variant = gans.get("gan")((2,), {"batch_size": 4, "g_hidden": (8,), "d_hidden": (8,)})
    before = variant.generator.state_dict()
    with pytest.raises(ValueError, match=r"train: log_every must be a positive .* got "
                                         + str(log_every)):
        train(variant, Ring(), steps=2, log_every=log_every)
    after = variant.generator.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
