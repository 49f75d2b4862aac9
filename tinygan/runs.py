"""A training run on disk: start it, resume it, sample from it and evaluate it.

    DIR/config.json              what reproduces the run: variant, data, steps, batch size,
                                 seed, device, the variant's full config, tinygan's version
    DIR/metrics.jsonl            one JSON record per logged step; timings under "time/" keys
    DIR/samples/step-000500.png  pictures of samples (image grids, scatters, histograms)
    DIR/plots/training.png       losses and gradient norms (when matplotlib is installed)
    DIR/checkpoints/             ckpt-<step>.npz and the ``latest`` pointer (tinygan.checkpoint)
    DIR/eval.json                a list of evaluations, one appended per ``evaluate_run``

The same seed, device and tinygan version give the same metrics.jsonl
(timings aside) and the same weights; a run killed at any moment resumes
from its latest checkpoint and ends with the weights it would have had
(bit for bit on the CPU). Mistakes a user can make (names, keys, missing
checkpoints, numbers that stop being finite) raise ``RunError`` with a
one-line message.
"""
import contextlib
import json
import math
import os
import time
from typing import NamedTuple

import numpy

from . import __version__, autograd, backend, checkpoint, images
from . import data as datasets
from . import gans
from .metrics import stacked_mnist
from . import io as tio
from .data import captions, domains
from .data.errors import DataError
from .evaluation import data_metrics, sample_kind
from .tensor import tensor
from .train import DATA_STREAM, train

CONFIG, METRICS, EVALUATIONS = "config.json", "metrics.jsonl", "eval.json"
SAMPLES, PLOTS, CHECKPOINTS = "samples", "plots", "checkpoints"
TIMING_PREFIX = "time/"           # keys that vary between identical runs
PICTURE_STREAM = 2                # seeds the noise of the periodic pictures: (seed, PICTURE_STREAM)
PICTURE_SIZES = {"images": 64, "2d": 1000, "1d": 2000}
EVAL_SIZES = {"images": 1000, "2d": 2500, "1d": 2500}     # 2,500 samples: the PacGAN protocol


class RunError(Exception):
    """A mistake or failure to report to the user in one line (no traceback)."""


class NonFiniteError(RunError):
    """Training produced a loss, gradient or weight that is NaN or infinite."""


class RunResult(NamedTuple):
    """What ``start_run``/``resume_run`` did: steps (first, last), wall time, files written."""
    first_step: int
    last_step: int
    seconds: float
    checkpoint: str
    picture: str
    plot: str          # None when not drawn (no matplotlib, or plot=False)


# ---------------------------------------------------------------- names

def variant_class(name):
    """The Variant class called ``name``, or a RunError listing the known ones."""
    if name not in gans.VARIANTS:
        raise RunError(f"unknown variant {name!r}; known variants: {', '.join(gans.VARIANTS)}")
    return gans.VARIANTS[name]


def known_data_names():
    """Every data-set name a variant can train on: tinygan.data's, then the domain pairs."""
    names = list(datasets.DATASETS)
    for cls in gans.VARIANTS.values():
        names += [name for name in cls.supported_data if name not in names]
    return names


def load_data(cls, name):
    """The data object that variant class ``cls`` trains on for the data-set name ``name``.

    Plain data sets come from ``tinygan.data``; a ``paired_domains`` variant
    gets the unpaired domain pair of that name, a ``needs_captions`` variant
    the captioned version of the image set.
    """
    if name not in known_data_names():
        raise RunError(f"unknown data set {name!r}; known data sets: "
                       f"{', '.join(datasets.DATASETS)}, and the domain pairs "
                       f"<set>-{'|'.join(domains.TRANSFORMS)} (e.g. digits-invert)")
    if name not in cls.supported_data:
        raise RunError(f"variant {cls.name!r} does not support data set {name!r}; it supports: "
                       f"{', '.join(cls.supported_data)}")
    try:
        if getattr(cls, "paired_domains", False):
            return domains.get(name)
        if getattr(cls, "needs_captions", False):
            return captions.captioned(name)
        return datasets.get(name)
    except (DataError, OSError) as exc:
        raise RunError(f"data set {name!r} is not available: {exc}") from None


# ---------------------------------------------------------------- config

def parse_value(key, text, default):
    """The value of ``--set key=text``: JSON where it parses (numbers, lists, booleans), else
    the text; checked against the type of the variant's ``default``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if default is None:
        return value
    if isinstance(default, str):
        return text if not isinstance(value, str) else value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, list)
    else:
        ok = True
    if not ok:
        raise RunError(f"--set {key}={text}: expected a value like {json.dumps(default)}")
    return float(value) if isinstance(default, float) else value


def parse_overrides(cls, pairs):
    """{key: value} from ``--set key=value`` strings, checked against the variant's keys."""
    overrides = {}
    for pair in pairs or ():
        key, equals, text = pair.partition("=")
        if not equals or not key:
            raise RunError(f"--set {pair}: expected key=value")
        if key not in cls.defaults:
            raise RunError(f"unknown config key {key!r} for variant {cls.name!r}; valid keys: "
                           f"{', '.join(sorted(cls.defaults))}")
        overrides[key] = parse_value(key, text, cls.defaults[key])
    return overrides


def make_config(variant, data, steps=2000, batch_size=None, seed=0, device="cpu", overrides=None,
                log_every=100, checkpoint_every=500, sample_every=500):
    """The run's config.json contents: validated names, device, and the variant's full config.

    ``overrides`` are ``--set`` strings ("key=value") or a dict of values.
    """
    cls = variant_class(variant)
    if data not in cls.supported_data:
        load_data(cls, data)                 # raises the right message
    if isinstance(overrides, dict):
        overrides = [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    values = parse_overrides(cls, overrides)
    if batch_size is not None:
        values["batch_size"] = int(batch_size)
    for name, value in (("steps", steps), ("log_every", log_every),
                        ("checkpoint_every", checkpoint_every)):
        if value < 1:
            raise RunError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if sample_every < 0:
        raise RunError(f"--sample-every must be 0 (no pictures) or more, got {sample_every}")
    try:
        device = backend.check_device(device)
    except (RuntimeError, ValueError) as exc:
        raise RunError(str(exc)) from None
    resolved = json.loads(json.dumps(cls.resolve_config(values)))
    return {"tinygan_version": __version__, "variant": variant, "data": data, "steps": int(steps),
            "batch_size": resolved.get("batch_size"), "seed": int(seed), "device": device,
            "log_every": int(log_every), "checkpoint_every": int(checkpoint_every),
            "sample_every": int(sample_every), "config": resolved}


def write_config(run_dir, config):
    """Write ``config`` to DIR/config.json atomically."""
    os.makedirs(run_dir, exist_ok=True)
    with tio.atomic_write(os.path.join(run_dir, CONFIG)) as f:
        f.write((json.dumps(config, indent=2) + "\n").encode("utf-8"))


def read_config(run_dir):
    """DIR/config.json as a dict, or a RunError saying the folder holds no run."""
    path = os.path.join(run_dir, CONFIG)
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise RunError(f"{run_dir} holds no run (no {CONFIG})") from None
    except (OSError, ValueError) as exc:
        raise RunError(f"{path} is not readable JSON ({exc})") from None
    if not isinstance(config, dict) or not {"variant", "data", "seed", "config"} <= set(config):
        raise RunError(f"{path} is not a tinygan run config")
    return config


def build(config):
    """(variant, data) of a run config: the networks initialised from the config's seed."""
    cls = variant_class(config["variant"])
    data = load_data(cls, config["data"])
    try:
        device = backend.check_device(config["device"])
        backend.manual_seed(config["seed"])
        variant = cls(data.shape, config["config"], device)
    except (RuntimeError, ValueError) as exc:
        raise RunError(f"{config['variant']}: {exc}") from None
    return variant, data


def data_generator(seed):
    """The NumPy Generator the real minibatches come from (as ``tinygan.train`` makes it)."""
    return numpy.random.default_rng([seed, DATA_STREAM])


# ---------------------------------------------------------------- metrics log

def read_metrics(path):
    """The records of a metrics.jsonl file (a torn last line, from a killed run, is skipped)."""
    records = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    break
    except FileNotFoundError:
        pass
    return records


def truncate_metrics(path, last_step):
    """Keep only the records of steps up to ``last_step`` (the checkpoint a run resumes from)."""
    kept = [r for r in read_metrics(path) if r.get("step", math.inf) <= last_step]
    with tio.atomic_write(path) as f:
        f.write("".join(json.dumps(r) + "\n" for r in kept).encode("utf-8"))


def without_timing(record):
    """The record without its "time/" keys: what identical runs agree on."""
    return {k: v for k, v in record.items() if not k.startswith(TIMING_PREFIX)}


def check_finite(step, metrics):
    """Raise NonFiniteError naming the step and the first non-finite loss, gradient or metric."""
    def order(key):
        return (not key.startswith("loss"), not key.startswith("grad_norm/"), key.count("/"), key)
    for key in sorted(metrics, key=order):
        value = metrics[key]
        if key == "step" or not isinstance(value, (int, float)) or math.isfinite(value):
            continue
        if key.startswith("grad_norm/"):
            network, _, layer = key[len("grad_norm/"):].partition("/")
            where = f" (layer {layer}: {value})" if layer else f" ({value})"
            raise NonFiniteError(f"step {step}: gradient of network {network} is not finite{where}")
        raise NonFiniteError(f"step {step}: {key} is {value}")


def check_weights(step, variant):
    """Raise NonFiniteError if a parameter of any network is NaN or infinite."""
    for name, network in variant.networks().items():
        for p in network.parameters():
            if not bool(backend.get_array_module(p.data).isfinite(p.data).all()):
                raise NonFiniteError(f"step {step}: the weights of network {name} are not finite")


# ---------------------------------------------------------------- samples and pictures

def draw(variant, data, n, seed):
    """(generated, reference): n generated samples as a NumPy array shaped like the data's, and
    what to show them with: for a translation variant (``paired_domains``) G(x) and the n
    images x of domain X; for 1-D and 2-D data G(z) and n real samples; for images G(z), None.
    The real draws come from a NumPy Generator seeded with ``seed``."""
    rng = numpy.random.default_rng([seed, PICTURE_STREAM])
    if getattr(variant, "paired_domains", False):
        x, _ = data.sample(n, rng)
        return backend.to_numpy(variant.translate(tensor(x, device=variant.device)).data), x
    fake = backend.to_numpy(variant.sample(n).data)
    if sample_kind(data.shape) == "images":
        return fake, None
    return fake, numpy.asarray(data.sample(n, rng))


def picture(data, fake, reference, paired=False):
    """The pixels that show ``draw``'s output: an image grid (rows of x above rows of G(x) for
    a translation variant), or real (grey) vs generated (blue) for 1-D and 2-D data."""
    if paired:
        return images.paired_grid(reference, fake)
    if reference is None:
        return images.samples_picture(fake)
    n = len(fake)
    extent = images.extent_of(data.sample(10000, numpy.random.default_rng(0)))
    return images.samples_picture(fake.reshape(n, -1), reference.reshape(n, -1), extent)


@contextlib.contextmanager
def untouched(variant, seed):
    """Within the block the variant may sample without changing its training: the engine's CPU
    generator draws from a stream of its own, seeded with ``seed``, and the networks' buffers
    (batch-norm statistics, power-iteration vectors) are put back afterwards.

    CuPy's generators expose no state, so on CUDA the noise comes from the run's own stream.
    """
    buffers = [(t, t.data.copy()) for net in variant.networks().values() for t in net.buffers()]
    cpu = backend.generator("cpu")
    saved = cpu.bit_generator.state
    cpu.bit_generator.state = type(cpu.bit_generator)(numpy.random.SeedSequence(seed)).state
    try:
        yield variant
    finally:
        cpu.bit_generator.state = saved
        for t, array in buffers:
            t.data = array


def write_picture(run_dir, variant, data, step, seed):
    """DIR/samples/step-<step>.png, drawn without disturbing the run; returns its path."""
    kind = sample_kind(data.shape)
    if kind == "other":
        return None
    path = os.path.join(run_dir, SAMPLES, f"step-{step:06d}.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with untouched(variant, [seed, PICTURE_STREAM]):
        fake, reference = draw(variant, data, PICTURE_SIZES[kind], seed)
    return images.write_png(path, picture(data, fake, reference,
                                          getattr(variant, "paired_domains", False)))


def plot_training(run_dir):
    """DIR/plots/training.png: the losses and the networks' gradient norms over the steps.

    Returns its path, or None when matplotlib is not installed.
    """
    try:
        from . import plotting
        plotting.pyplot()
    except ImportError:
        return None
    records = read_metrics(os.path.join(run_dir, METRICS))
    if not records:
        return None
    steps = [r["step"] for r in records]
    losses = sorted({k for r in records for k in r if k.startswith("loss")})
    norms = sorted({k for r in records for k in r
                    if k.startswith("grad_norm/") and k.count("/") == 1})
    fig, (top, bottom) = plotting.figure(2, 1, size=3.2)
    fig.set_size_inches(7, 6)
    for axis, keys, title in ((top, losses, "losses"), (bottom, norms, "gradient norms")):
        for key in keys:
            axis.plot(steps, [r.get(key, math.nan) for r in records], lw=1.2, label=key)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("step")
        if keys:
            axis.legend(fontsize=8)
    if norms and all(r.get(k, 1) > 0 for r in records for k in norms):
        bottom.set_yscale("log")
    return plotting.save(fig, os.path.join(run_dir, PLOTS, "training.png"))


# ---------------------------------------------------------------- training

def start_run(run_dir, config, reporter=None, detect_anomaly=False, plot=True):
    """Start the run ``config`` (from ``make_config``) in a new folder ``run_dir``; RunResult.

    ``reporter`` (optional) has ``start(first_step, total)``, ``update(step,
    metrics)`` and ``close()``; ``detect_anomaly`` names the op that made the
    first non-finite value (slower); ``plot`` draws plots/training.png at the end.
    """
    if os.path.exists(os.path.join(run_dir, CONFIG)) or checkpoint.list_checkpoints(
            os.path.join(run_dir, CHECKPOINTS)):
        raise RunError(f"{run_dir} already holds a run; continue it with --resume or choose "
                       f"another --out")
    variant, data = build(config)
    write_config(run_dir, config)
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(run_dir, METRICS))
    return _run(run_dir, config, variant, data, data_generator(config["seed"]), 0,
                reporter, detect_anomaly, plot)


def resume_run(run_dir, steps=None, options=None, reporter=None, detect_anomaly=False, plot=True):
    """Continue the run in ``run_dir`` from its latest checkpoint up to ``steps`` in all
    (default: the config's); ``options`` may change log_every, checkpoint_every, sample_every.

    Records of metrics.jsonl past the checkpoint are dropped first, so the log
    has every logged step exactly once. Returns a RunResult, or None when the
    checkpoint is already at ``steps``. The other arguments are ``start_run``'s.
    """
    config = read_config(run_dir)
    if latest_step(run_dir) is None:
        raise RunError(f"{run_dir} has no checkpoint to resume from")
    variant, data = build(config)
    data_rng = data_generator(config["seed"])
    loaded = load_latest(run_dir, variant, data_rng)
    if isinstance(loaded.config, dict) and loaded.config.get("config") != config["config"]:
        raise RunError(f"{loaded.path} was written with another variant config than {CONFIG}")
    config.update({k: v for k, v in (options or {}).items() if v is not None})
    if steps is not None:
        config["steps"] = int(steps)
    if loaded.step >= config["steps"]:
        return None
    write_config(run_dir, config)
    truncate_metrics(os.path.join(run_dir, METRICS), loaded.step)
    return _run(run_dir, config, variant, data, data_rng, loaded.step, reporter, detect_anomaly,
                plot)


def latest_step(run_dir):
    """The step of the run's latest checkpoint, or None when it has none."""
    found = checkpoint.latest_checkpoint(os.path.join(run_dir, CHECKPOINTS))
    return None if found is None else int(
        checkpoint.CHECKPOINT_FILE.fullmatch(os.path.basename(found)).group(1))


def load_latest(run_dir, variant, data_rng=None):
    """Restore ``variant`` (and the data generator) from the run's latest checkpoint;
    returns tinygan.checkpoint's LoadedCheckpoint."""
    folder = os.path.join(run_dir, CHECKPOINTS)
    found = checkpoint.latest_checkpoint(folder)
    if found is None:
        raise RunError(f"{run_dir} has no checkpoint")
    try:
        return checkpoint.load_checkpoint(found, variant,
                                          None if data_rng is None else {"data": data_rng})
    except (checkpoint.CheckpointError, OSError) as exc:
        older = [p for p in checkpoint.list_checkpoints(folder) if p != found]
        hint = (f"; an older checkpoint is {os.path.basename(older[-1])}: delete the damaged one "
                f"to use it") if older else ""
        raise RunError(f"damaged checkpoint {exc}{hint}") from None


class _Loop:
    """What happens after each step of a run: checks, log, pictures, checkpoints, progress."""

    def __init__(self, run_dir, config, data, data_rng, start_step, log, reporter):
        self.run_dir, self.config, self.data, self.data_rng = run_dir, config, data, data_rng
        self.log, self.reporter = log, reporter
        self.folder = os.path.join(run_dir, CHECKPOINTS)
        self.step, self.picture = start_step, None
        self.checkpoint = checkpoint.latest_checkpoint(self.folder)
        self.started = self.last_time = time.perf_counter()
        self.last_step = start_step

    def due(self, step, every):
        return every > 0 and (step % every == 0 or step == self.config["steps"])

    def __call__(self, step, variant, metrics):
        check_finite(step, metrics)
        self.step = step
        if self.due(step, self.config["log_every"]):
            now = time.perf_counter()
            speed = (step - self.last_step) / max(now - self.last_time, 1e-9)
            self.last_time, self.last_step = now, step
            self.log.write(json.dumps({**metrics, "time/steps_per_s": speed,
                                       "time/elapsed_s": now - self.started}) + "\n")
            self.log.flush()
        if self.due(step, self.config["sample_every"]):
            self.picture = write_picture(self.run_dir, variant, self.data, step,
                                         self.config["seed"])
        if self.due(step, self.config["checkpoint_every"]):
            check_weights(step, variant)
            self.checkpoint = checkpoint.save_checkpoint(self.folder, variant, step, self.config,
                                                         {"data": self.data_rng})
        if self.reporter is not None:
            self.reporter.update(step, metrics)


def _run(run_dir, config, variant, data, data_rng, start_step, reporter, detect_anomaly, plot):
    anomaly = autograd.detect_anomaly() if detect_anomaly else contextlib.nullcontext()
    if reporter is not None:
        reporter.start(start_step, config["steps"])
    try:
        with open(os.path.join(run_dir, METRICS), "a", encoding="utf-8") as log, anomaly:
            loop = _Loop(run_dir, config, data, data_rng, start_step, log, reporter)
            train(variant, data, config["steps"] - start_step,
                  seed=config["seed"] if start_step == 0 else None, callback=loop,
                  progress=False, data_rng=data_rng, start_step=start_step)
    except (NonFiniteError, FloatingPointError) as exc:
        message = str(exc) if isinstance(exc, NonFiniteError) else f"step {loop.step + 1}: {exc}"
        if plot:
            plot_training(run_dir)
        raise NonFiniteError(f"{message}; training stopped, the last good checkpoint is "
                             f"{loop.checkpoint or 'none (none was written yet)'}") from None
    finally:
        if reporter is not None:
            reporter.close()
    return RunResult(start_step + 1, config["steps"], time.perf_counter() - loop.started,
                     loop.checkpoint, loop.picture, plot_training(run_dir) if plot else None)


# ---------------------------------------------------------------- using a trained run

def restore(run_dir):
    """(config, variant, data, step) of a run, the variant restored from its latest checkpoint."""
    config = read_config(run_dir)
    if latest_step(run_dir) is None:
        raise RunError(f"{run_dir} has no checkpoint")
    variant, data = build(config)
    return config, variant, data, load_latest(run_dir, variant).step


def sample_run(run_dir, n=1000, seed=0, out=None):
    """Sample n from the run's latest checkpoint into ``out`` (.npy or .png), or into
    DIR/samples.npy and DIR/samples.png; the same seed gives the same samples.

    The .npy holds (n, ...) like the data set's arrays. Returns (paths written,
    the checkpoint's step).
    """
    if out is not None and not out.endswith((".npy", ".png")):
        raise RunError(f"--out {out}: the file name must end in .npy or .png")
    if n < 1:
        raise RunError(f"--n must be at least 1, got {n}")
    config, variant, data, step = restore(run_dir)
    targets = [out] if out else [os.path.join(run_dir, "samples.npy"),
                                 os.path.join(run_dir, "samples.png")]
    backend.manual_seed(seed)
    fake, reference = draw(variant, data, n, seed)
    written = []
    for target in targets:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        if target.endswith(".npy"):
            with tio.atomic_write(target) as f:
                numpy.save(f, fake)
        elif sample_kind(data.shape) != "other":
            images.write_png(target, picture(data, fake, reference,
                                             getattr(variant, "paired_domains", False)))
        else:
            continue
        written.append(target)
    return written, step


def evaluate_run(run_dir, n=None, seed=0):
    """The metrics that suit the run's data, on n samples of its latest checkpoint; the entry
    (step, data, samples, seed, metrics, notes) is appended to DIR/eval.json and returned."""
    config, variant, data, step = restore(run_dir)
    if not n:
        n = (stacked_mnist.N_SAMPLES if config["data"] == "stacked-mnist"
             else EVAL_SIZES.get(sample_kind(data.shape), 1000))
    backend.manual_seed(seed)
    fake, reference = draw(variant, data, n, seed)
    metrics, notes = data_metrics(config["data"], data, fake, reference, seed)
    entry = {"step": step, "data": config["data"], "samples": n, "seed": seed,
             "metrics": metrics, "notes": notes,
             "evaluated_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    path = os.path.join(run_dir, EVALUATIONS)
    try:
        with open(path, encoding="utf-8") as f:
            history = json.load(f)
    except FileNotFoundError:
        history = []
    except ValueError as exc:
        raise RunError(f"{path} is not valid JSON ({exc}); move it away to start a new "
                       f"one") from None
    with tio.atomic_write(path) as f:
        f.write((json.dumps(history + [entry], indent=2) + "\n").encode("utf-8"))
    return entry
