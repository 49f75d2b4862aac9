"""Mode hopping on digits: which digits G draws, step by step.

    python demos/digit_hopping.py                        # StyleGAN2, 1,200 steps (about 8 min)
    python demos/digit_hopping.py --variant dcgan --steps 3000
    python demos/digit_hopping.py --full                 # 3,000 steps
    python demos/digit_hopping.py --config '{"lr_g": 5e-4}'
    python demos/digit_hopping.py --seed 1 --config '{"mixing_prob": 0.9}'   # hops to the end

The seeds' lecture notes (001, "Mode Collapse") describe the cycle: G draws
one mode, D learns to reject it, G moves its samples to another mode that D
now accepts, and so on. FID after training mixes such hopping with the
images' quality; this demo watches it. It trains one image variant of the
zoo in the zoo's configuration (``demos/zoo_budget.py``) on the 4,000
training digits, and every --every steps reads --samples samples with the
LeNet classifier: it prints each digit's share, the digit KL (LeNet),
KL(q || uniform) of those shares (0 when every digit is drawn equally often,
log 10 = 2.30 for one digit only), and FID (LeNet features) against the
held-out digits. The shares go into demos/out/digit_hopping_<variant>.png,
a stacked area over the steps. The zoo's StyleGAN2 trains without style
mixing; with the paper's mixing (the last command above) it hops for longer.

The readings do not change the run (``tinygan.runs.untouched``): they draw
their noise from a stream of their own and put the networks' buffers back,
so on the CPU the run trains exactly as the zoo's with --steps would.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # small convolutions: BLAS threads only add overhead

import numpy as np  # noqa: E402

from tinygan import plotting  # noqa: E402
from tinygan.metrics import classifier  # noqa: E402
from tinygan.metrics.fid import frechet_distance  # noqa: E402
from tinygan.metrics.modes import kl_to_uniform  # noqa: E402
from tinygan.runs import untouched  # noqa: E402
from tinygan.train import train  # noqa: E402

from _image_runs import crop_28, digit_split, samples  # noqa: E402
from common import arguments, build, out_path  # noqa: E402
from common import config_overrides  # noqa: E402
from zoo_budget import VARIANTS, training_data  # noqa: E402

UNCONDITIONAL = ("dcgan", "progan", "stylegan2", "bigbigan")
READINGS_STREAM = 7        # seeds the noise of the readings: (seed, READINGS_STREAM, step)


def plot_shares(steps, shares, path, title):
    """A stacked area of each digit's share (rows of ``shares``) over ``steps``."""
    plt = plotting.pyplot()
    fig, (ax,) = plotting.figure(size=4.0)
    fig.set_size_inches(6.0, 3.6)
    ax.stackplot(steps, np.asarray(shares).T, labels=[str(d) for d in range(10)],
                 colors=plt.get_cmap("tab10").colors)
    ax.set(xlabel="step", ylabel="share of samples", ylim=(0, 1), xlim=(steps[0], steps[-1]),
           title=title)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5),
              fontsize=7, title="digit")                    # listed in the order they stack
    plotting.save(fig, path)
    return path


def main():
    args = arguments(__doc__.splitlines()[0],
                     variant=(str, "stylegan2", f"one of {', '.join(UNCONDITIONAL)}"),
                     steps=(int, None, "training steps (default 1,200; --full 3,000)"),
                     every=(int, 100, "read the digits every this many steps"),
                     samples=(int, 1000, "samples read each time"),
                     config=(str, "", "JSON object of config keys that replace the zoo's, "
                             "e.g. '{\"lr_g\": 5e-4}'"))
    if args.variant not in UNCONDITIONAL:
        raise SystemExit(f"--variant: expected one of {', '.join(UNCONDITIONAL)} (a variant "
                         f"that draws digits without being told which), got {args.variant!r}")
    if args.every < 1 or args.samples < 1:
        raise SystemExit(f"--every and --samples must be at least 1, got {args.every} and "
                         f"{args.samples}")
    steps = args.steps or (3000 if args.full else 1200)
    zoo_config, padded = VARIANTS[args.variant]
    config = {**zoo_config, **config_overrides(args.config)}
    train_set, heldout = digit_split()
    data = training_data(args.variant, train_set, padded)
    variant = build(args.variant, data.shape, config, args.seed, args.device)
    readings = {"steps": [], "shares": []}
    heldout_features = classifier.features(heldout.images)      # FID's reference, read once

    def read_digits(step, v, metrics):
        if step % args.every and step != steps:
            return
        with untouched(v, [args.seed, READINGS_STREAM, step]):
            fake = crop_28(samples(v, args.samples))
        counts = classifier.digit_counts(fake)
        shares = counts / counts.sum()
        readings["steps"].append(step)
        readings["shares"].append(shares)
        top = int(shares.argmax())
        fid = frechet_distance(heldout_features, classifier.features(fake))
        print(f"step {step:5d}  digit KL {kl_to_uniform(counts):.3f}  FID {fid:7.1f}  "
              f"commonest {top} ({100 * shares[top]:.0f} %)  shares % "
              + " ".join(f"{100 * s:3.0f}" for s in shares), flush=True)

    print(f"{args.variant}, {steps} steps, digits read every {args.every} steps "
          f"({args.samples} samples each)")
    train(variant, data, steps, seed=args.seed, log_every=10 ** 9, callback=read_digits,
          progress=False)
    print("wrote", plot_shares(readings["steps"], readings["shares"],
                               out_path(f"digit_hopping_{args.variant}.png"),
                               f"{args.variant}: digit shares of its samples"))


if __name__ == "__main__":
    main()
