"""The ``tinygan`` command line (also ``python -m tinygan``).

    tinygan list
    tinygan train wgan-gp --data ring8 --steps 2000 --out runs/a
    tinygan train wgan-gp --data ring8 --out runs/a --resume
    tinygan sample runs/a --n 1000 [--seed 0] [--out FILE.npy|FILE.png]
    tinygan eval runs/a
    tinygan graph wgan-gp [--data ring8] > wgan-gp.dot

``main(argv)`` returns the exit status: 0 on success, 1 when a run fails or a
folder cannot be used, 2 for a bad command line, 130 when interrupted. Every
error is one line on stderr.
"""
import argparse
import json
import os
import sys
import time

from . import __version__, autograd, checkpoint, gans, runs
from .data import DATASETS
from .data.domains import TRANSFORMS
from .nn import Module
from .tensor import Tensor
from .train import real_sampler
from .viz import to_dot

COMMANDS = ("list", "train", "sample", "eval", "graph")


class UsageError(Exception):
    """A command line that does not parse."""


class Interrupted(runs.RunError):
    """Ctrl-C during training; the message says how to continue."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors instead of a usage block."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# ---------------------------------------------------------------- progress

class Progress:
    """Shows training progress on ``stream``: a tqdm bar (step, losses, speed, ETA) on a
    terminal, else a plain line every ``every`` steps."""

    def __init__(self, every, stream=None):
        self.every, self.stream = every, stream or sys.stderr
        self.bar = None

    def start(self, first_step, total):
        """Begin at ``first_step`` steps done of ``total``."""
        self.total, self.last_step, self.last_time = total, first_step, time.perf_counter()
        if self.stream.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, initial=first_step, unit="step", leave=False,
                            dynamic_ncols=True, file=self.stream)

    def update(self, step, metrics):
        """Show that ``step`` is done, with its metrics."""
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            self.bar.set_postfix_str(_losses(metrics), refresh=False)
        elif step % self.every == 0 or step == self.total:
            now = time.perf_counter()
            speed = (step - self.last_step) / max(now - self.last_time, 1e-9)
            self.last_step, self.last_time = step, now
            eta = _duration((self.total - step) / speed) if speed > 0 else "?"
            print(f"step {step}/{self.total}  {_losses(metrics)}  {speed:.1f} steps/s  ETA {eta}",
                  file=self.stream, flush=True)

    def close(self):
        """Remove the bar (it leaves nothing behind on the terminal)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _losses(metrics):
    shown = {k: v for k, v in metrics.items() if k.startswith("loss") or k == "wasserstein"}
    return "  ".join(f"{k} {v:.4g}" for k, v in shown.items())


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


# ---------------------------------------------------------------- commands

def list_command(args):
    """Print the variants and the data sets, one line each."""
    print("variants:")
    for name, cls in gans.VARIANTS.items():
        summary = cls.__doc__.strip().splitlines()[0] if cls.__doc__ else cls.paper
        print(f"  {name:10} {summary} [data: {', '.join(_short_data_list(cls))}]")
    print("data sets:")
    for name, entry in DATASETS.items():
        print(f"  {name:14} {entry.description}")
    translators = [n for n, cls in gans.VARIANTS.items() if getattr(cls, "paired_domains", False)]
    print(f"  {'<set>-<t>':14} unpaired domains for {', '.join(translators)}: an image set and "
          f"its transform t in {{{', '.join(TRANSFORMS)}}}, e.g. digits-invert")
    return 0


def _short_data_list(cls):
    names = list(cls.supported_data)
    if getattr(cls, "paired_domains", False):
        return [f"{base}-{{{','.join(TRANSFORMS)}}}" for base in
                dict.fromkeys(n.rpartition("-")[0] for n in names)]
    return names


def train_command(args):
    """Start or resume a training run."""
    if args.resume:
        result = _resume(args)
    else:
        if not args.data:
            raise UsageError("tinygan train: the following arguments are required: --data "
                             "(see tinygan train --help)")
        out = args.out or os.path.join("runs", f"{args.variant}-{args.data}")
        config = runs.make_config(
            args.variant, args.data, steps=_given(args.steps, 2000), batch_size=args.batch_size,
            seed=_given(args.seed, 0), device=_given(args.device, "cpu"), overrides=args.set,
            log_every=_given(args.log_every, 100),
            checkpoint_every=_given(args.checkpoint_every, 500),
            sample_every=_given(args.sample_every, 500))
        print(f"training {config['variant']} on {config['data']} for {config['steps']} steps "
              f"(batch {config['batch_size']}, seed {config['seed']}, {config['device']}) "
              f"into {out}", flush=True)
        progress = Progress(config["log_every"])
        result = _interruptible(out, lambda: runs.start_run(out, config, progress,
                                                           args.detect_anomaly))
    if result is not None:
        _report(result)
    return 0


def _given(value, default):
    return default if value is None else value


def _resume(args):
    if not args.out:
        raise UsageError("tinygan train: --resume needs --out DIR, the run folder to continue")
    config = runs.read_config(args.out)
    _check_same_run(args, config)
    options = {"log_every": args.log_every, "checkpoint_every": args.checkpoint_every,
               "sample_every": args.sample_every}
    progress = Progress(_given(args.log_every, config.get("log_every", 100)))
    print(f"resuming {config['variant']} on {config['data']} in {args.out}", flush=True)
    result = _interruptible(args.out, lambda: runs.resume_run(
        args.out, args.steps, options, progress, args.detect_anomaly))
    if result is None:
        print(f"nothing to do: the latest checkpoint of {args.out} is at step "
              f"{runs.latest_step(args.out)}, the run has {_given(args.steps, config['steps'])} "
              f"steps (pass a larger --steps to train on)")
    return result


def _check_same_run(args, config):
    """--resume continues the run as configured; options that would change it must agree."""
    asked = {"variant": args.variant, "data": args.data, "seed": args.seed,
             "device": args.device, "batch_size": args.batch_size}
    differing = [f"{key}={value} (the run has {config.get(key)})"
                 for key, value in asked.items() if value is not None and value != config.get(key)]
    if args.set:
        cls = runs.variant_class(config["variant"])
        for key, value in runs.parse_overrides(cls, args.set).items():
            if json.loads(json.dumps(value)) != config["config"].get(key):
                differing.append(f"{key}={json.dumps(value)} (the run has "
                                 f"{json.dumps(config['config'].get(key))})")
    if differing:
        raise runs.RunError(f"--resume continues {args.out} as its {runs.CONFIG} says; these "
                            f"differ: {', '.join(differing)}")


def _interruptible(out, start):
    try:
        return start()
    except KeyboardInterrupt:
        latest = checkpoint.latest_checkpoint(os.path.join(out, runs.CHECKPOINTS))
        raise Interrupted(f"interrupted; the last checkpoint is {latest or 'none'}; continue "
                          f"with --resume --out {out}") from None


def _report(result):
    print(f"done: steps {result.first_step}-{result.last_step} in {_duration(result.seconds)} "
          f"({(result.last_step - result.first_step + 1) / max(result.seconds, 1e-9):.1f} steps/s)")
    print(f"  checkpoint  {result.checkpoint}")
    if result.picture:
        print(f"  samples     {result.picture}")
    if result.plot:
        print(f"  plot        {result.plot}")
    else:
        print("  plot        skipped: matplotlib is not installed (pip install 'tinygan[demos]')")


def sample_command(args):
    """Sample from a run's latest checkpoint."""
    written, step = runs.sample_run(args.dir, args.n, args.seed, args.out)
    for path in written:
        print(f"wrote {path} ({args.n} samples, step {step}, seed {args.seed})")
    return 0


def eval_command(args):
    """Evaluate a run's latest checkpoint; print and append to DIR/eval.json."""
    entry = runs.evaluate_run(args.dir, args.n, args.seed)
    print(f"{entry['data']}, step {entry['step']}, {entry['samples']} samples "
          f"(seed {entry['seed']})")
    for key, value in entry["metrics"].items():
        if key == "modes_total":
            continue
        if key == "modes" and "modes_total" in entry["metrics"]:
            value = f"{value} / {entry['metrics']['modes_total']}"
        elif isinstance(value, float):
            value = f"{value:.4g}"
        print(f"  {key:28} {value}")
    for note in entry["notes"]:
        print(f"  note: {note}")
    print(f"appended to {os.path.join(args.dir, runs.EVALUATIONS)}")
    return 0


def graph_command(args):
    """Print the DOT of one discriminator loss of the variant."""
    cls = runs.variant_class(args.variant)
    data_name = args.data or cls.supported_data[0]
    config = runs.make_config(args.variant, data_name, overrides=args.set)
    variant, data = runs.build(config)
    sample_real = real_sampler(data, variant.data_shape, variant.device,
                               runs.data_generator(config["seed"]),
                               labels=getattr(variant, "needs_labels", False))
    sys.stdout.write(discriminator_loss_dot(variant, sample_real))
    return 0


class _Captured(Exception):
    def __init__(self, loss):
        super().__init__("captured")
        self.loss = loss


def discriminators(variant):
    """The variant's discriminator networks: its Module attributes named ``discriminator*``."""
    return [value for name, value in vars(variant).items()
            if name.startswith("discriminator") and isinstance(value, Module)]


def discriminator_loss_dot(variant, sample_real):
    """DOT text of the graph of the loss that ``variant.train_step`` differentiates for its
    first discriminator update.

    The step runs as usual until it asks ``tinygan.autograd.grad`` for the
    gradient of a loss with respect to discriminator parameters only; that loss
    is drawn (with the gradient penalty's double-backward graph for wgan-gp)
    and the step is abandoned before any weight changes.
    """
    owned = {id(p) for net in discriminators(variant) for p in net.parameters()}
    original = autograd.grad

    def spy(outputs, inputs, *rest, **options):
        listed = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if listed and all(id(p) in owned for p in listed):
            raise _Captured(outputs)
        return original(outputs, inputs, *rest, **options)

    autograd.grad = spy
    try:
        variant.train_step(sample_real)
    except _Captured as captured:
        loss = captured.loss
    else:
        raise runs.RunError(f"{variant.name}: its training step took no gradient for its "
                            f"discriminator's parameters through tinygan.autograd.grad")
    finally:
        autograd.grad = original
    params = {f"{net_name}.{name}": p for net_name, net in variant.networks().items()
              for name, p in net.named_parameters()}
    return to_dot(loss, params=params, graph_name=f"{variant.name}: discriminator loss")


# ---------------------------------------------------------------- the parser

def build_parser():
    """The argparse parser of every command."""
    parser = _Parser(prog="tinygan", description="Train, sample and evaluate GANs with tinygan.")
    parser.add_argument("--version", action="version", version=f"tinygan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    listing = commands.add_parser("list", help="the variants and data sets")
    listing.set_defaults(handler=list_command)

    training = commands.add_parser("train", help="train a variant on a data set")
    training.add_argument("variant", metavar="VARIANT")
    training.add_argument("--data", metavar="NAME")
    training.add_argument("--steps", type=int, help="steps in all (default 2000)")
    training.add_argument("--batch-size", type=int, metavar="B")
    training.add_argument("--device", choices=("cpu", "cuda"))
    training.add_argument("--seed", type=int, metavar="S", help="default 0")
    training.add_argument("--out", metavar="DIR", help="default runs/VARIANT-DATA")
    training.add_argument("--resume", action="store_true",
                          help="continue the run in --out from its latest checkpoint")
    training.add_argument("--set", action="append", metavar="KEY=VALUE",
                          help="override a config key (JSON values: 1e-4, [64, 64], true)")
    training.add_argument("--log-every", type=int, metavar="K", help="default 100")
    training.add_argument("--checkpoint-every", type=int, metavar="K", help="default 500")
    training.add_argument("--sample-every", type=int, metavar="K",
                          help="default 500; 0: no pictures")
    training.add_argument("--detect-anomaly", action="store_true",
                          help="name the op that makes the first NaN or inf (slower)")
    training.set_defaults(handler=train_command)

    sampling = commands.add_parser("sample", help="sample from a run's latest checkpoint")
    sampling.add_argument("dir", metavar="DIR")
    sampling.add_argument("--n", type=int, default=1000)
    sampling.add_argument("--seed", type=int, default=0)
    sampling.add_argument("--out", metavar="FILE", help=".npy or .png (default: both in DIR)")
    sampling.set_defaults(handler=sample_command)

    evaluation = commands.add_parser("eval", help="evaluate a run's latest checkpoint")
    evaluation.add_argument("dir", metavar="DIR")
    evaluation.add_argument("--n", type=int, help="samples (default 2500 toy, 1000 images, 26000 stacked-mnist)")
    evaluation.add_argument("--seed", type=int, default=0)
    evaluation.set_defaults(handler=eval_command)

    graphing = commands.add_parser("graph", help="the DOT graph of a discriminator loss")
    graphing.add_argument("variant", metavar="VARIANT")
    graphing.add_argument("--data", metavar="NAME")
    graphing.add_argument("--set", action="append", metavar="KEY=VALUE")
    graphing.set_defaults(handler=graph_command)
    return parser


def main(argv=None):
    """Run the command line ``argv`` (default: sys.argv[1:]); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError(f"tinygan: choose a command: {', '.join(COMMANDS)} "
                             f"(see tinygan --help)")
        return args.handler(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except runs.RunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 130 if isinstance(exc, Interrupted) else 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
