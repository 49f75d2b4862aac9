"""What the demo scripts share: the command line, the output folder, seeding, the device."""
import argparse
import json
import os

import numpy as np

import tinygan as tg
from tinygan import backend

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def arguments(description, **extra):
    """Parse --full, --seed, --device and any ``extra`` options (name=(type, default, help))."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--full", action="store_true", help="the longer run (minutes to hours)")
    parser.add_argument("--seed", type=int, default=0)
    add_device_option(parser)
    for name, (kind, default, text) in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default, help=text)
    return parse(parser)


def add_device_option(parser):
    """Add --device (cpu or cuda) to ``parser``."""
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="where the networks and their inputs live: cpu (NumPy, the default) "
                             "or cuda (CuPy on an NVIDIA GPU)")


def parse(parser):
    """``parser.parse_args()``; exits with a message when --device cuda cannot run here."""
    args = parser.parse_args()
    try:
        backend.check_device(args.device)
    except RuntimeError as error:
        parser.error(f"--device {args.device}: {error}")
    return args


# --evaluate-at, for the demos that can print their metrics during training
EVALUATE_AT = (str, "", "comma-separated steps at which to print the metrics too "
               "(sampling there changes the later noise)")


def evaluation_steps(text):
    """The steps named by an --evaluate-at value such as "600,1200" (a set; "" gives none)."""
    return {int(step) for step in text.split(",") if step}


def config_overrides(text):
    """The --config value: a JSON object of config keys, {} for ""; SystemExit if not one."""
    try:
        overrides = json.loads(text) if text else {}
    except json.JSONDecodeError as error:
        raise SystemExit(f"--config: not JSON ({error}); expected an object such as "
                         f'{{"lr_g": 4e-4}}, got {text!r}')
    if not isinstance(overrides, dict):
        raise SystemExit(f"--config: expected a JSON object such as {{\"lr_g\": 4e-4}}, got "
                         f"{text!r}")
    return overrides


def out_path(name):
    """demos/out/<name>, creating the folder."""
    os.makedirs(OUT, exist_ok=True)
    return os.path.join(OUT, name)


def build(name, data_shape, config, seed, device="cpu"):
    """The variant ``name`` on ``device``, built right after ``tg.manual_seed(seed)``
    (reproducible weights)."""
    import tinygan.gans as gans
    tg.manual_seed(seed)
    return gans.get(name)(data_shape, config, device)


# ---------------------------------------------------------------- data and metrics

def dataset(name, **kwargs):
    """The data set ``name`` of tinygan.data (ring8, grid25, gauss1d, swissroll, ...)."""
    from tinygan import data
    return data.get(name, **kwargs)


def mode_metrics(samples, data):
    """(modes captured, high-quality fraction, reverse KL) of mixture samples (PacGAN's protocol)."""
    from tinygan.metrics.modes import mode_metrics as metrics
    return tuple(metrics(samples, data))


def gaussian_kde(samples, grid):
    """A Gaussian kernel density estimate of 1-D samples on ``grid`` (Silverman's bandwidth)."""
    samples = np.asarray(samples, dtype=float).ravel()
    h = 1.06 * samples.std() * len(samples) ** (-1 / 5)
    out = np.zeros(len(grid))
    for chunk in np.array_split(samples, max(1, len(samples) // 2000)):
        out += np.exp(-0.5 * ((grid[:, None] - chunk[None]) / h) ** 2).sum(1)
    return out / (len(samples) * h * np.sqrt(2 * np.pi))
