"""The scaled-up families in miniature beside DCGAN, each trained for the same wall-clock time.

    python demos/zoo_budget.py                          # 6 variants x 4 minutes, on 2 CPU cores
    python demos/zoo_budget.py --minutes 10             # a longer budget each
    python demos/zoo_budget.py --variants dcgan,stylegan2
    python demos/zoo_budget.py --variants biggan --steps 2400 --evaluate-at 600,1200,1800
    python demos/zoo_budget.py --variants biggan --config '{"lr_g": 4e-4}'
    python demos/zoo_budget.py --device cuda            # on an NVIDIA GPU (needs CuPy)

Every variant trains on mnist5k's 4,000 training digits for the same number
of minutes (``tinygan.train.train(max_seconds=...)``), so a variant whose
steps cost more gets fewer of them (``python benchmarks/zoo_cost.py`` counts
the multiply-adds of one training image: StyleGAN2 needs 15 times DCGAN's,
ProGAN at 32x32 6 times; benchmarks/RESULTS.md); then 2,000 of its samples are scored
against the 1,000 held-out digits with FID (LeNet features; lower is
better) and IS (LeNet; at most 10). ProGAN and StyleGAN2 work at 32x32:
they train on the digits padded to 32x32, and their samples are cropped
back to 28x28 for LeNet. XGAN translates rather than samples: its row
scores g_12(x) of the held-out digits against the held-out digits
thickened (its domain 2), and adds the mean pixel error against that
ground-truth thickening. ProGAN, BigGAN and StyleGAN2 sample from the
running average of G's weights, as their papers do; their G's current
weights are scored too. For class-conditional BigGAN, "label agreement"
is the fraction of samples LeNet reads as the class they were asked for.
Untrained DCGAN's FID is printed for scale.

Writes demos/out/zoo_<variant>.png (64 samples, or for XGAN held-out
digits above their translations).
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # small convolutions: BLAS threads only add overhead


import numpy as np  # noqa: E402

from tinygan import data as datasets  # noqa: E402
from tinygan import gans  # noqa: E402
from tinygan.data import domains  # noqa: E402
from tinygan import tensor  # noqa: E402
from tinygan.train import train  # noqa: E402

from _grid import save_grid  # noqa: E402
from _image_runs import (PROGAN_32, STYLEGAN2_32, crop_28, digit_split,  # noqa: E402
                         label_agreement, lenet_metrics, padded_to_32, report, samples)
from common import (EVALUATE_AT, arguments, build, config_overrides,  # noqa: E402
                    evaluation_steps, out_path)

# variant: (config for a few minutes on a CPU, images padded to 32x32?)
VARIANTS = {
    "dcgan": ({"width": 32, "batch_size": 64}, False),
    # channels thinning 64, 32, 16, 8 from 4x4 to 32x32 and larger batches at low resolution,
    # as in the paper: FID 150 against 254-472 with 32 channels everywhere at batch 16
    "progan": (PROGAN_32, True),
    # equal rates 4e-4 at batch 16: about 1,300-1,400 steps in 4 minutes, FID 216 / 182 and
    # 27 / 31 % label agreement (seeds 0 / 1), against 248 / 247 and 10 / 12 % with SAGAN's
    # two time scales (D 4e-4, G 1e-4) at batch 32
    "biggan": ({"width": 16, "batch_size": 16, "n_d_steps": 1, "lr_d": 4e-4, "lr_g": 4e-4,
                "embed_dim": 16, "z_dim": 48}, False),
    # the paper's lr 2e-3 and R1 gamma 10 at 32 channels and batch 16: about 640 steps in 4
    # minutes, FID 238 and varied digit-like strokes (seed 1: 525, mostly one shape; with the
    # minibatch stddev over the whole batch instead of groups of 4: 265 and 644). With 16
    # channels every configuration tried collapsed onto one shape or drew per-pixel noise
    # (R1 gamma 0.1 and lr 5e-4, the zoo's choice before the synthesis layers had their
    # sqrt(2) gain: FID 2028.7 in 4 minutes). Without style mixing since it made the samples
    # hop between digits for longer: FID 215.0 / 382.4 after 599 / 636 steps beside another
    # job (seeds 0 / 1; with mixing 228.6 / 524.6)
    "stylegan2": (STYLEGAN2_32, True),
    "bigbigan": ({"batch_size": 64, "width": 32}, False),
    "xgan": ({"batch_size": 32}, False),
}
N_SAMPLES = 2000


def training_data(name, train_set, padded):
    """What ``name`` trains on: the training digits (padded to 32x32), or for XGAN the pair
    (digits, thickened digits), unpaired."""
    if name == "xgan":
        return domains.make_pair(train_set.images, "thicken", seed=0, labels=train_set.labels,
                                 name="mnist5k-thicken")
    return padded_to_32(train_set) if padded else train_set


def evaluate(name, variant, heldout):
    """(metrics dict, images to draw) of a trained variant."""
    if name == "xgan":
        translated = variant.translate(tensor(heldout.images, device=variant.device)).numpy()
        thick = domains.thicken(heldout.images).astype(np.float32)
        metrics = lenet_metrics(translated, datasets.ImageSet(thick, heldout.labels, "thick"))
        metrics["|g12(x) - T(x)|"] = float(np.abs(translated - thick).mean())
        return metrics, np.concatenate([heldout.images[:32], translated[:32]])
    fake = crop_28(samples(variant, N_SAMPLES))
    metrics = lenet_metrics(fake, heldout)
    if getattr(variant, "needs_labels", False):
        metrics["label agreement"] = label_agreement(variant)
    return metrics, fake[:64]


def evaluate_current_weights(variant, heldout):
    """FID etc. of G's current weights, for a variant that samples from their running average."""
    average, variant.average = variant.average, None
    try:
        return lenet_metrics(crop_28(samples(variant, N_SAMPLES)), heldout)
    finally:
        variant.average = average


def zoo_configs(names, overrides):
    """{variant: the zoo's config with ``overrides``} for the comma-separated ``names``,
    checked before any training: an unknown variant stops the demo, and an override key a
    variant lacks raises that variant's ValueError listing its valid keys."""
    configs = {}
    for name in names.split(","):
        if name not in VARIANTS:
            raise SystemExit(f"--variants: unknown variant {name!r}; the zoo has "
                             f"{', '.join(VARIANTS)}")
        configs[name] = {**VARIANTS[name][0], **overrides}
        gans.get(name).resolve_config(configs[name])
    return configs


def main():
    args = arguments(__doc__.splitlines()[0],
                     minutes=(float, 4.0, "wall-clock training budget of each variant"),
                     steps=(int, None, "train every variant this many steps instead of "
                            "--minutes"),
                     evaluate_at=EVALUATE_AT,
                     variants=(str, ",".join(VARIANTS), "comma-separated variants"),
                     config=(str, "", "JSON object of config keys that replace the zoo's for "
                             "every variant run, e.g. '{\"lr_g\": 4e-4}'"))
    configs = zoo_configs(args.variants, config_overrides(args.config))
    train_set, heldout = digit_split()
    budget = None if args.steps else 60 * args.minutes
    evaluate_at = evaluation_steps(args.evaluate_at)
    untrained = build("dcgan", train_set.shape, VARIANTS["dcgan"][0], args.seed, args.device)
    report("untrained DCGAN", lenet_metrics(samples(untrained, N_SAMPLES), heldout))
    for name, config in configs.items():
        data = training_data(name, train_set, VARIANTS[name][1])
        variant = build(name, data.shape, config, args.seed, args.device)

        def evaluate_during(step, v, metrics):
            if step in evaluate_at:
                report(f"{name} at step {step}", evaluate(name, v, heldout)[0])
        history = train(variant, data, args.steps or 10 ** 9, seed=args.seed, log_every=100,
                        max_seconds=budget, callback=evaluate_during)
        metrics, shown = evaluate(name, variant, heldout)
        report(f"{name}: {len(history)} steps in {history.seconds:.0f} s", metrics)
        if getattr(variant, "average", None) is not None:
            report(f"{name}, G's current weights instead of their running average",
                   evaluate_current_weights(variant, heldout))
        print("wrote", save_grid(shown, out_path(f"zoo_{name}.png"), 8,
                                 f"{name}, {len(history)} steps "
                                 f"({history.seconds / 60:.1f} min)"))


if __name__ == "__main__":
    main()
