"""Stacked MNIST: how many of 1,000 modes DCGAN, PacDCGAN2, InfoGAN and Self-Cond GAN reach.

    python demos/stacked_mnist.py                    # a few minutes on 2 CPU cores
    python demos/stacked_mnist.py --full             # the long run recorded in docs/RESULTS.md
    python demos/stacked_mnist.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)
    python demos/stacked_mnist.py --variants pacdcgan --steps 8000
    python demos/stacked_mnist.py --full --variants selfcond   # the self-conditioned GAN
    python demos/stacked_mnist.py --full --variants pacdcgan \
        --evaluate-at 4000,8000,12000,14000,16000,18000
    python demos/stacked_mnist.py --full --variants pacdcgan --save runs/stacked
    python demos/stacked_mnist.py --full --variants pacdcgan --load runs/stacked --drs 3000
    python demos/stacked_mnist.py --full --variants pacdcgan --load runs/stacked \
        --steps 30000 --save runs/stacked     # train a saved run on to step 30,000

The benchmark of Metz et al. 2017 as evaluated by VEEGAN and PacGAN: each
image stacks three random digits as its channels, so the data has 1,000
equally likely modes (the triples of classes). The variants train on
stacks of mnist5k's 4,000 training digits; 26,000 samples of each are read
channel by channel by the shipped LeNet (``tinygan.metrics.stacked_mnist``)
and the table gives modes captured and KL(q || uniform) of the mode
histogram, beside the same numbers for 26,000 real stacked images (their KL
is not 0: a finite sample, and LeNet misreads about 1 channel in 60). The
KL's part due to the digit frequencies of each channel is printed too
(``channel_digit_kl``; the rest is correlation between the channels).

The full PacDCGAN2 run trains for 20,000 steps and adds two stabilisers
of later papers: the R1 penalty on D's gradient at real images
(Mescheder et al. 2018; gamma 1, added lazily every 4th step) and
samples drawn from a running average of G's weights (Yazici et al. 2019;
half-life 100,000 images). With --drs N each variant is also scored after
discriminator rejection sampling (Azadi et al. 2019): a new discriminator
on single images (``density_ratio_network``) trains N steps against the
fixed G, and each sample is kept with the paper's probability.

InfoGAN (Chen et al. 2016) takes one 10-way categorical code per colour
channel (``n_categorical`` 3) and its paper's rates (G 1e-3, D 2e-4), with
a 256-unit hidden layer shared by D and Q; its full run also samples from
G's running average. Where a code comes to set a channel's digit, the
information term makes every digit equally likely there. After training,
the demo prints I(code i; digit of channel j) for each code and channel,
which says which channel each code took.

The self-conditioned GAN (Liu et al. 2020; ``--variants selfcond``) is a
conditional GAN whose classes are k-means clusters of D's features of the
real stacks, found again every 1,000 steps; G draws each class as often as
the real stacks fall into it. In its full run the class is a triple of
labels from three residual clustering stages of 10 clusters each (stage s
clusters what the stages before it leave of the features), and it adds the
full PacDCGAN2 run's R1 penalty and running average of G. It ends at KL
0.076 (0.087 with ``--seed 1``), 0.068 and 0.064 trained on to 30,000
steps: two stages take two different channels' digits, the third finds
none, and that channel draws too few 1s. With one stage of 100 clusters
(``--config '{"n_clusters": 100, "cluster_stages": 1}'``) it ended at KL
0.156 and 0.143: its clusters set the digits of one or two channels. After training the demo prints I(stage s cluster; digit of
channel j), which says which channels each stage took.

What these runs reached, with the command of each, is in docs/RESULTS.md
("Stacked MNIST"): all 1,000 modes, KL 0.088 after the full 20,000 steps,
0.075 to 0.081 trained on to 30,000-42,000 steps, 0.061 to 0.077 after
rejection sampling; most of the KL comes from each channel's digit
frequencies (too few 1s), which the demo prints. InfoGAN's full run with
``--seed 1`` reaches all 1,000 modes with KL 0.056 (0.051 to 0.057 over
four sets of samples), within PacGAN's 0.06, but that is one seed of four:
seeds 0, 2 and 3 end at 0.252, 0.180 and 0.310: in each, a channel that
no code tells much about draws its digits unevenly (the code/channel
tables are in docs/RESULTS.md). With six codes (``--config '{"n_categorical": 6}'``)
every seed ends between 0.101 and 0.128, none within 0.06, so the demo keeps three.
One 1,000-way code (``--config '{"n_categories": 1000, "n_categorical": 1}'``) is
worse: with seed 0 G collapses onto one triple and hides the code in its strokes.

Published anchors (their own classifiers and networks): DCGAN 99 modes /
KL 3.40 (VEEGAN Table 2); PacDCGAN2 1000 modes / KL 0.06 (PacGAN Table 2).

Writes demos/out/stacked_mnist_<variant>.png (64 samples in RGB, one digit
per colour channel).
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # small convolutions: BLAS threads only add overhead

import functools  # noqa: E402
import itertools  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from tinygan import backend, data, nn  # noqa: E402
from tinygan.backend import manual_seed  # noqa: E402
from tinygan.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from tinygan.gans.rejection import RejectionSampler, fit_density_ratio  # noqa: E402
from tinygan.train import DATA_STREAM, decay_learning_rate  # noqa: E402
from tinygan.metrics.information import discrete_mutual_information  # noqa: E402
from tinygan.metrics.stacked_mnist import (N_SAMPLES, channel_digit_counts,  # noqa: E402
                                           channel_digit_kl, stacked_digits,
                                           stacked_mnist_metrics)

from _grid import save_grid  # noqa: E402
from _image_runs import digit_split, samples, train_image_variant  # noqa: E402
from common import (EVALUATE_AT, arguments, build, config_overrides,  # noqa: E402
                    evaluation_steps, out_path)

SHORT = dict(steps=1500, config={"width": 16, "batch_size": 64})
FULL = dict(steps=12000, config={"width": 32, "batch_size": 64})
# the full PacDCGAN2 run is longer and adds the stabilisers that fixed mode coverage on the
# 2-D mixtures: lazy R1 (gamma 1, every 4th D step), samples from G's running average of
# weights
FULL_PACDCGAN = dict(steps=20000, config={**FULL["config"], "r1_gamma": 1.0,
                                          "r1_interval": 4, "ema_half_life": 100_000})
# InfoGAN with one 10-way categorical code per colour channel (n_categorical 3), its paper's
# learning rates (G 1e-3, D 2e-4) and a 256-unit hidden layer shared by D and Q; the full run
# samples from G's running average of weights, as PacDCGAN2's does
INFOGAN = {"g_hidden": 0, "d_hidden": 256, "n_categorical": 3}
SHORT_INFOGAN = dict(steps=SHORT["steps"], config={**SHORT["config"], **INFOGAN})
FULL_INFOGAN = dict(steps=20000, config={**FULL["config"], **INFOGAN, "ema_half_life": 100_000})
# the self-conditioned GAN (Liu et al. 2020): a conditional GAN on clusters of D's features of
# the real stacks, three residual stages of 10 clusters each (the stacks have 10 digits in each
# of 3 channels, as InfoGAN's three 10-way codes assume), with the full PacDCGAN2 run's
# stabilisers in its full run
FULL_SELFCOND = dict(steps=20000, config={**FULL_PACDCGAN["config"], "n_clusters": 10,
                                          "cluster_stages": 3})
STACKS = 50000          # training images, each three digits drawn from the 4,000


def run_of(name, full):
    """The steps and config of ``name``'s short or full run."""
    if name == "infogan":
        return FULL_INFOGAN if full else SHORT_INFOGAN
    if full and name == "pacdcgan":
        return FULL_PACDCGAN
    if full and name == "selfcond":
        return FULL_SELFCOND
    return FULL if full else SHORT


def report(label, summary, seconds=None):
    """One row of the table."""
    took = "" if seconds is None else f"  ({seconds:.0f} s)"
    print(f"{label:28s} {summary.modes:5d} / 1000 modes   KL {summary.kl:.3f}   of which "
          f"digit frequencies {channel_digit_kl(summary.counts):.3f}{took}", flush=True)


def print_digit_frequencies(counts):
    """Each channel's digit frequencies in % (uniform: 10.0), from a histogram of the modes."""
    for channel, per_digit in enumerate(channel_digit_counts(counts)):
        print(f"    channel {channel} digits 0-9 (%): "
              + " ".join(f"{100 * f:4.1f}" for f in per_digit / per_digit.sum()))


def information_table(labels, digits):
    """I(label column i; digit of channel j) in nats for labels (n, L) and digits (n, 3): an
    (L, 3) array."""
    return np.array([[discrete_mutual_information(column, digit) for digit in digits.T]
                     for column in labels.T])


def code_channel_information(info, n=5000, batch=500):
    """I(c_i; d_j) in nats between InfoGAN's categorical code i and the digit d_j that LeNet
    reads in channel j, from n samples: an (n_categorical, 3) array (log 10 = 2.30 where the
    code sets that channel's digit, about 0 where the two are independent)."""
    codes, digits = [], []
    for start in range(0, n, batch):
        m = min(batch, n - start)
        categories, continuous = info.sample_codes(m)
        images = info.generate(info.latent(info.sample_z(m), categories, continuous))
        digits.append(stacked_digits(images.numpy()))
        codes.append(backend.to_numpy(categories).reshape(m, -1))
    return information_table(np.concatenate(codes), np.concatenate(digits))


def cluster_channel_information(gan, n=10000, batch=500):
    """I(c_s; d_j) in nats between the self-conditioned GAN's stage-s cluster (c ~ pi) and the
    digit d_j LeNet reads in channel j of G(z, c), from n samples: a (cluster_stages, 3) array
    (log 10 = 2.30 where a stage's clusters set that channel's digit, about 0 where they say
    nothing about it)."""
    clusters, digits = [], []
    for start in range(0, n, batch):
        labels = gan.sample_labels(min(batch, n - start))
        digits.append(stacked_digits(gan.sample(len(labels), labels).numpy()))
        clusters.append(backend.to_numpy(labels))
    return information_table(np.concatenate(clusters), np.concatenate(digits))


def decay_schedule(text, steps):
    """The ``train`` callback of an --lr-decay value "FINAL,START" (``decay_learning_rate``), or
    None for ""."""
    if not text:
        return None
    try:
        final, start = (float(part) for part in text.split(","))
    except ValueError:
        final = start = None
    if final is None or final <= 0 or not 0 <= start < 1:
        raise SystemExit(f"--lr-decay: expected FINAL,START with FINAL > 0 and 0 <= START < 1, "
                         f"such as 0.01,0.7; got {text!r}")
    return decay_learning_rate(steps, final, start)


def restore_data_stream(data_rng, loaded, seed):
    """Set ``data_rng`` (the minibatch Generator) to where the checkpoint's run left it, so a
    run trained on from a checkpoint does not replay its first minibatches. A checkpoint saved
    without that state gets a stream of its own, seeded by (seed, DATA_STREAM, step)."""
    state = loaded.extra_rng_states.get("data")
    if state is None:
        state = np.random.default_rng([seed, DATA_STREAM, loaded.step]).bit_generator.state
    data_rng.bit_generator.state = state


def density_ratio_network(shape, width=32):
    """The discriminator of rejection sampling: two 4x4 stride-2 convolutions (LeakyReLU 0.2)
    and a linear logit, without batch norm, so that each image's logit depends on it alone."""
    c, h, w = shape
    return nn.Sequential(
        nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * width * (h // 4) * (w // 4), 1))


def rejection_samples(variant, digits, seed, drs_steps, gamma=-2.0, max_quantile=50,
                      n=N_SAMPLES):
    """(n of G's samples kept by discriminator rejection sampling, acceptance rate).

    A new discriminator on single images (``density_ratio_network``) trains
    ``drs_steps`` steps against the fixed G on fresh stacks of the training digits,
    so that its logit estimates log p_data / p_g (``tinygan.gans.rejection``); a
    sample is kept with the paper's probability with shift ``gamma``, d_max the
    ``max_quantile``-th percentile of the logits (by default the median and
    gamma = -2, as on the 2-D mixtures of demos/mode_collapse.py).
    """
    stacks = itertools.count()

    def real(m):
        return data.stacked_mnist(m, source=digits, seed=[seed, 3, next(stacks)]).images

    def generate(m):
        return samples(variant, m)
    manual_seed(seed)
    logit = fit_density_ratio(real, generate, variant.data_shape, steps=drs_steps,
                              batch_size=64, lr=2e-4, seed=seed,
                              network=density_ratio_network(variant.data_shape))
    sampler = RejectionSampler(generate, logit, gamma=gamma, max_quantile=max_quantile)
    return sampler.sample(n, np.random.default_rng([seed, 2])), sampler.acceptance_rate


def main():
    args = arguments(__doc__.splitlines()[0],
                     variants=(str, "dcgan,pacdcgan,infogan", "comma-separated variants"),
                     steps=(int, None, "training steps of each variant"),
                     evaluate_at=EVALUATE_AT,
                     config=(str, "", "JSON object of config keys that replace the run's for "
                             "every variant, e.g. '{\"n_categorical\": 6}'"),
                     lr_decay=(str, "", "FINAL,START: keep the learning rate until START x "
                               "steps, then decay it geometrically to FINAL x lr (e.g. 0.01,0.7)"),
                     save=(str, "", "folder to write each variant's final checkpoint in, as "
                           "<variant>.npz (tinygan.checkpoint)"),
                     load=(str, "", "folder of checkpoints written by --save: evaluate "
                           "<variant>.npz instead of training, or with --steps above the "
                           "checkpoint's step, train on from it to --steps"),
                     drs=(int, 0, "discriminator steps of rejection sampling applied to each "
                          "variant's samples, an extra row <variant>+DRS (0: off)"),
                     drs_gamma=(float, -2.0, "rejection sampling's shift gamma (0: plain "
                                "rejection sampling; larger rejects more)"),
                     drs_quantile=(float, 50.0, "rejection sampling's d_max: this percentile "
                                   "of the discriminator's logits on G's samples"))
    decay_schedule(args.lr_decay, 1)              # a bad --lr-decay fails before any training
    overrides = config_overrides(args.config)
    if not 0 < args.drs_quantile <= 100 or args.drs < 0:
        raise SystemExit(f"--drs must be >= 0 and --drs-quantile in (0, 100], got --drs "
                         f"{args.drs} --drs-quantile {args.drs_quantile}")
    digits, _ = digit_split()

    @functools.cache
    def training_stacks():
        """The training stacks (about 470 MB), built only when a variant trains."""
        return data.stacked_mnist(STACKS, source=digits, seed=args.seed)
    reference = data.stacked_mnist(N_SAMPLES, source=digits, seed=args.seed + 1)
    print(f"{'':28s} {'modes':>13s}")
    report(f"real stacks ({N_SAMPLES})", stacked_mnist_metrics(reference.images))
    evaluate_at = evaluation_steps(args.evaluate_at)
    for name in args.variants.split(","):
        this_run = run_of(name, args.full)
        steps = args.steps or this_run["steps"]
        config = {**this_run["config"], **overrides}
        variant = build(name, reference.shape, config, args.seed, args.device)
        schedule = decay_schedule(args.lr_decay, steps)

        def evaluate(step, v, metrics):
            if schedule:
                schedule(step, v, metrics)
            if step in evaluate_at:
                report(f"{name} at step {step}", stacked_mnist_metrics(samples(v, N_SAMPLES)))
        start = time.perf_counter()
        data_rng = np.random.default_rng([args.seed, DATA_STREAM])   # picks the minibatches
        if args.load:
            loaded = load_checkpoint(os.path.join(args.load, f"{name}.npz"), variant)
            done = loaded.step
            restore_data_stream(data_rng, loaded, args.seed)
            trained = bool(args.steps) and args.steps > done
            if trained:                 # train on; the checkpoint restored the random states
                print(f"{name}: training on from step {done} to {steps}", flush=True)
                train_image_variant(variant, training_stacks(), steps - done, None,
                                    log_every=500, callback=evaluate, start_step=done,
                                    data_rng=data_rng)
            else:
                steps = done
        else:
            trained = True
            train_image_variant(variant, training_stacks(), steps, args.seed, log_every=500,
                                callback=evaluate, data_rng=data_rng)
        seconds = time.perf_counter() - start
        fake = samples(variant, N_SAMPLES)
        summary = stacked_mnist_metrics(fake)
        report(f"{name} after {steps} steps", summary, seconds)
        print_digit_frequencies(summary.counts)
        if name == "infogan":
            for i, row in enumerate(code_channel_information(variant)):
                print(f"    I(code {i + 1}; digit of channel 0, 1, 2) = "
                      + ", ".join(f"{value:.2f}" for value in row) + " nats (log 10 = 2.30)")
        if name == "selfcond":
            for stage, row in enumerate(cluster_channel_information(variant), 1):
                print(f"    I(stage {stage} cluster; digit of channel 0, 1, 2) = "
                      + ", ".join(f"{value:.2f}" for value in row) + " nats (log 10 = 2.30)")
        if args.save and trained:
            os.makedirs(args.save, exist_ok=True)
            print("wrote", save_checkpoint(os.path.join(args.save, f"{name}.npz"), variant, steps,
                                           config, extra_rng_states={"data": data_rng}))
        if args.drs:
            start = time.perf_counter()
            kept, rate = rejection_samples(variant, digits, args.seed, args.drs, args.drs_gamma,
                                           args.drs_quantile)
            drs_summary = stacked_mnist_metrics(kept)
            report(f"{name}+DRS (keeps {100 * rate:.0f} %)", drs_summary,
                   time.perf_counter() - start)
            print_digit_frequencies(drs_summary.counts)
        print("wrote", save_grid(fake[:64], out_path(f"stacked_mnist_{name}.png"), 8,
                                 f"{name}, {steps} steps"))


if __name__ == "__main__":
    main()
