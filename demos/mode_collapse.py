"""Mode collapse on mixtures of Gaussians, and the variants that resist it.

The plain GAN (Algorithm 1, non-saturating cost) on the ring of 8 Gaussians
tends to cover a few modes at a time and to hop between them (seeds 001,
"Mode collapse"); the unrolled GAN (G looks K steps ahead at D), WGAN-GP
(a critic with a gradient penalty) and PacGAN (D judges packs of samples)
are the remedies compared here, on the ring and on the 5 x 5 grid.

For every variant, data set and seed: 2500 samples are scored as in PacGAN
(Lin et al. 2018, Table 1): modes captured (at least one high-quality
sample, the rule of PacGAN's evaluation code),
the fraction of high-quality samples (within 3 std of a mode centre), and
the reverse KL of the samples' distribution over modes against uniform.
The table ends with the scores of 2500 samples of the data itself: even
they are only 98.9 % high quality (in 2-D, P(r < 3 std) = 1 - exp(-9/2)),
so the 98 % target leaves a generator less than 1 % of stray samples.
Every run keeps its learning rate constant, then decays it geometrically to
1% over its second half (a callback of the training loop), which lets G
sharpen its modes.

The full PacGAN runs (20,000 steps) add two stabilisers of later papers:
the R1 penalty on D's gradient at real samples (Mescheder et al. 2018)
and samples drawn from a running average of G's weights (Yazici et al.
2019), give G a fourth hidden layer, and decay the rate only over their
last 30 % of steps. The samples outside 3 std are "bridges": points on
G's continuous path from one mode to the next.

With --drs N, every PacGAN run is also scored after discriminator
rejection sampling (Azadi et al. 2019, ``tinygan.gans.rejection``), as
the row "pacgan+DRS": a new discriminator on single samples, on random
Fourier features of x, trains N steps against the final, fixed G, so that
its logit estimates log p_data / p_g (the optimal discriminator of
Goodfellow et al., Proposition 1), and each of G's samples is kept with
the paper's probability (d_max the median logit, gamma = -2;
``rejection_samples`` says why). It changes how samples are drawn, not G,
so the plain PacGAN row stays beside it.

What the runs reached, seed by seed and with the command of each, is in
docs/RESULTS.md ("Mode collapse"): the full PacGAN2 keeps every mode of
both data sets, and with rejection sampling all ten seeds meet the
targets (98 % high quality on the ring, 95 % on the grid).

    python demos/mode_collapse.py                # 1 seed, short runs (~3 min on 2 cores)
    python demos/mode_collapse.py --full         # 10 seeds, long runs
    python demos/mode_collapse.py --full --variants pacgan --seeds 3
    python demos/mode_collapse.py --full --variants pacgan --datasets ring8 \
        --steps 6000 --drs 5000                 # the rejection-sampling rows of docs/RESULTS.md
Writes demos/out/mode_collapse_ring8.png (samples over training, plain GAN
beside the remedies), demos/out/mode_collapse_grid25.png (``_full`` added
with --full) and prints the table.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # tiny matrices: BLAS threads only add overhead

import multiprocessing  # noqa: E402

import numpy as np  # noqa: E402

from tinygan import plotting  # noqa: E402
from tinygan.gans.rejection import RejectionSampler, fit_density_ratio  # noqa: E402
from tinygan.train import decay_learning_rate, train  # noqa: E402

from common import arguments, build, dataset, mode_metrics, out_path  # noqa: E402

# label: (variant, config, steps of a short run, steps of a full run)
VARIANTS = {
    "gan": ("gan", {"lr": 1e-3}, 3000, 15000),
    "unrolled": ("unrolled", {"lr": 1e-3, "batch_size": 256, "unroll_steps": 5}, 400, 4000),
    "wgan-gp": ("wgan-gp", {"lr": 1e-3, "batch_size": 256, "gp_weight": 0.1}, 400, 4000),
    "pacgan": ("pacgan", {"lr": 1e-3, "pack": 2, "batch_size": 512}, 3000, 20000),
}
# the full run of a variant may change its config and its learning-rate schedule: PacGAN's
# adds the R1 penalty, samples from G's running average (half-life 100,000 samples) and
# gives G a fourth hidden layer
FULL_CONFIG = {"pacgan": {"batch_size": 256, "lr": 2e-3, "r1_gamma": 1.0,
                          "ema_half_life": 100_000, "g_hidden": (128, 128, 128, 128)}}
DATASETS = ("ring8", "grid25")
# (final factor, start fraction): the learning rate stays constant, then falls geometrically
# to final factor x lr from start fraction x steps to the end (``decay_learning_rate``)
DECAY = (0.01, 0.5)
# PacGAN's full run keeps its rate to 70 % of the steps: its bridges between modes kept
# thinning at the full rate (ring seed 0: 97.8 % high quality against 97.2 % with 0.5)
FULL_DECAY = {"pacgan": (0.01, 0.7)}
SNAPSHOTS = 4              # sample pictures over training (first seed)
DRS_LABEL = "pacgan+DRS"
# rejection sampling's discriminator sees random Fourier features of x at these frequency
# scales (in units of the data's std), d_max is this percentile of its logits, and gamma
# shifts the acceptance (see rejection_samples)
DRS_FOURIER_SCALES = (1.0, 10.0, 30.0)
DRS_MAX_QUANTILE = 50
DRS_GAMMA = -2.0
TARGETS = {"ring8": (8, 0.98, None), "grid25": (25, 0.95, 0.04)}


def run_one(job):
    """Train one (variant, data set, seed); return its table rows: (label, data set, seed,
    scores, sample snapshots, steps/s, acceptance rate of rejection sampling or None), and for
    PacGAN with ``drs_steps`` a second row, of its samples after rejection sampling."""
    label, data_name, seed, steps, full, drs_steps = job
    name, config, _, _ = VARIANTS[label]
    if full:
        config = {**config, **FULL_CONFIG.get(label, {})}
    data = dataset(data_name)
    variant = build(name, (2,), config, seed)
    snapshots = {}
    schedule = decay_learning_rate(steps, *(FULL_DECAY.get(label, DECAY) if full else DECAY))

    def callback(step, v, metrics):
        schedule(step, v, metrics)
        if step % (steps // SNAPSHOTS) == 0:
            snapshots[step] = v.sample(1000).numpy()
    history = train(variant, data, steps, seed=seed, callback=callback, progress=False)
    scores = mode_metrics(variant.sample(2500).numpy(), data)
    speed = history.steps_per_second
    rows = [(label, data_name, seed, scores, snapshots, speed, None)]
    if label == "pacgan" and drs_steps:
        accepted, rate = rejection_samples(variant, data, seed, drs_steps)
        if accepted is None:        # G too far from the data: no scores rather than biased ones
            rows.append((DRS_LABEL, data_name, seed, (np.nan,) * 3, {}, speed, rate))
        else:
            rows.append((DRS_LABEL, data_name, seed, mode_metrics(accepted, data),
                         {steps: accepted[:1000]}, speed, rate))
    return rows


def rejection_samples(variant, data, seed, drs_steps, n=2500, max_proposals=2_000_000):
    """(n samples of the trained G kept by discriminator rejection sampling, acceptance rate),
    or (None, rate) when fewer than n of ``max_proposals`` samples are kept.

    A new discriminator on single samples trains ``drs_steps`` steps against the
    fixed G, so that its logit estimates log p_data / p_g; a sample is kept with
    probability sigmoid(F(x)), F = logit - d_max - log(1 - exp(logit - d_max)) - gamma
    (Azadi et al. 2019; ``tinygan.gans.rejection``). Three choices, each measured on the
    ring's seed 0 after the full 20,000 steps (raw 97.0 % high quality on 100,000 samples):

    - the discriminator sees random Fourier features of x (DRS_FOURIER_SCALES). On raw
      coordinates its logit hardly told G's bridges between modes from the modes
      (median -1.3 against -1.0) and DRS reached at most 98.0 %; with the features the
      bridges' median logit is -10 against -2 in the modes, and 99 % is reached;
    - d_max is the median logit, not the maximum: the ReLU discriminator's logit grows
      linearly away from the data, and one far sample made the maximum reject all but
      0.15 % of G's samples (an earlier ring run, seed 5); with the median every sample
      the discriminator finds typical is kept;
    - gamma = -2 softens the rejection of the rest: 99.2 % high quality, reverse KL 0.025,
      83 % kept, against 99.1 %, 0.084 and 69 % with gamma = 0, which thinned whole modes.
    """
    rng = np.random.default_rng([seed, 1])
    logit = fit_density_ratio(lambda m: data.sample(m, rng), lambda m: variant.sample(m),
                              (2,), steps=drs_steps, seed=seed,
                              fourier_scales=DRS_FOURIER_SCALES)
    sampler = RejectionSampler(lambda m: variant.sample(m), logit, gamma=DRS_GAMMA,
                               max_quantile=DRS_MAX_QUANTILE)
    try:
        accepted = sampler.sample(n, np.random.default_rng([seed, 2]), max_proposals)
    except RuntimeError:
        return None, sampler.acceptance_rate
    return accepted, sampler.acceptance_rate


def real_scores(data_name, seeds):
    """The scores of 2500 samples of the data itself, one draw per seed: what a perfect G gets.

    Even the data misses the high-quality rule: in 2-D the distance of a
    Gaussian sample from its centre, in stds, is Rayleigh distributed, so
    P(r < 3) = 1 - exp(-9/2) = 98.9 %.
    """
    data = dataset(data_name)
    return np.array([mode_metrics(np.asarray(data.sample(2500, np.random.default_rng([seed, 7]))),
                                  data) for seed in seeds], dtype=float)


def spread(label, data_name, scores):
    """The start of a table row: mean +- std over seeds of (modes, high quality, reverse KL)."""
    m, s = scores.mean(0), scores.std(0)
    return (f"{label:10s} {data_name:7s} {m[0]:6.1f} +- {s[0]:3.1f} {100 * m[1]:8.1f} +- "
            f"{100 * s[1]:4.1f} {m[2]:7.3f} +- {s[2]:5.3f}")


def summarise(results, labels, data_names, seeds):
    """Print the table: mean +- std over seeds, and how many seeds meet the targets."""
    print(f"\n{'variant':10s} {'data':7s} {'modes':>12s} {'high quality %':>16s} "
          f"{'reverse KL':>14s} {'steps/s':>8s}  seeds meeting target")
    for data_name in data_names:
        n_modes, min_quality, max_kl = TARGETS[data_name]
        for label in labels:
            rows = [r for r in results if r[0] == label and r[1] == data_name]
            if not rows:
                continue
            scores = np.array([r[3] for r in rows], dtype=float)
            speed = np.mean([r[5] for r in rows])
            met = sum(s[0] == n_modes and s[1] >= min_quality and (max_kl is None or s[2] <= max_kl)
                      for s in scores)
            accepted = ("" if rows[0][6] is None else
                        f"  (keeps {100 * np.mean([r[6] for r in rows]):.2g} % of G's samples)")
            print(f"{spread(label, data_name, scores)} {speed:8.0f}  {met}/{len(rows)}{accepted}")
        print(f"{spread('real data', data_name, real_scores(data_name, seeds))} {'':8s}  "
              "(the ceiling)")
    print("targets: ring8 all 8 modes and >= 98% high quality; grid25 all 25 modes, >= 95% "
          "high quality, reverse KL <= 0.04")


def draw(results, labels, data_name, seed, suffix=""):
    """Rows: variants; columns: samples at SNAPSHOTS moments of training (one seed)."""
    data = dataset(data_name)
    real = np.asarray(data.sample(1000, np.random.default_rng(0)))
    limit = 1.3 * float(np.abs(np.asarray(data.centres)).max())
    rows = [r for label in labels for r in results
            if r[0] == label and r[1] == data_name and r[2] == seed]
    fig, axes = plotting.figure(len(rows), SNAPSHOTS, size=2.3)
    for i, (label, _, _, scores, snapshots, *_) in enumerate(rows):
        first = SNAPSHOTS - len(snapshots)      # the rejection-sampling row has the last only
        for j in range(first):
            axes[i * SNAPSHOTS + j].axis("off")
        for j, step in enumerate(sorted(snapshots), start=first):
            title = f"{label}, step {step}"
            if j == SNAPSHOTS - 1:
                title += f"\n{scores[0]} modes, {100 * scores[1]:.0f}% HQ"
            plotting.scatter_samples(axes[i * SNAPSHOTS + j], real, snapshots[step], title, limit)
    return plotting.save(fig, out_path(f"mode_collapse_{data_name}{suffix}.png"))


def main():
    args = arguments(__doc__.splitlines()[0],
                     seeds=(int, None, "number of seeds (default 1, or 10 with --full)"),
                     variants=(str, ",".join(VARIANTS), "comma-separated variant labels"),
                     datasets=(str, ",".join(DATASETS), "comma-separated data sets"),
                     workers=(int, 2, "parallel training processes"),
                     steps=(int, None, "steps of every run (default: each variant's own)"),
                     drs=(int, 0, "discriminator steps of rejection sampling applied to "
                          f"PacGAN's samples, an extra row {DRS_LABEL} (0: off; 5000 in the "
                          "runs recorded above)"))
    if args.device != "cpu":
        raise SystemExit("mode_collapse.py runs on the CPU only: its networks are MLPs of a few "
                         "thousand weights trained in forked worker processes, where a GPU "
                         "would add kernel-launch overhead and nothing else")
    labels = args.variants.split(",")
    data_names = args.datasets.split(",")
    n_seeds = args.seeds or (10 if args.full else 1)
    seeds = [args.seed + i for i in range(n_seeds)]
    drs_steps = args.drs
    jobs = [(label, data_name, seed, args.steps or VARIANTS[label][3 if args.full else 2],
             args.full, drs_steps)
            for seed in seeds for label in labels for data_name in data_names]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        results = []
        for rows in pool.imap_unordered(run_one, jobs):
            for label, data_name, seed, scores, _, speed, acceptance in rows:
                kept = "" if acceptance is None else f", keeps {100 * acceptance:.2g} %"
                print(f"{label:10s} {data_name:7s} seed {seed}: {scores[0]} modes, "
                      f"{100 * scores[1]:.1f}% high quality, reverse KL {scores[2]:.3f} "
                      f"({speed:.0f} steps/s{kept})", flush=True)
            results.extend(rows)
    if drs_steps and "pacgan" in labels:
        labels.insert(labels.index("pacgan") + 1, DRS_LABEL)
    summarise(results, labels, data_names, seeds)
    for data_name in data_names:
        print("wrote", draw(results, labels, data_name, seeds[0], "_full" if args.full else ""))


if __name__ == "__main__":
    main()
