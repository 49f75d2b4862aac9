"""StyleGAN2 on digits: a style-mixing grid and the noise inputs' stochastic variation.

    python demos/stylegan2_style_mixing.py          # about 7 minutes on 2 CPU cores (32x32 MNIST)
    python demos/stylegan2_style_mixing.py --full   # the same digits, larger batches, 3000 steps
    python demos/stylegan2_style_mixing.py --full --device cuda   # on an NVIDIA GPU (CuPy)

Trains StyleGAN2 (Karras et al. 2020: mapping network, modulated and
demodulated convolutions, noise inputs, style mixing, lazy R1 and
path-length regularisation) on mnist5k's 4,000 training digits padded to
32x32, prints FID (LeNet features) and IS of 2,000 samples against the
1,000 held-out digits, with the noise inputs on (G as trained) and off, and
writes
demos/out/stylegan2_style_mixing.png: the first column holds images of
    latents A, the first row images of latents B, and the cell (A, B) takes
    the coarse styles (the layers before the crossover, low resolutions)
    from A and the rest from B;
demos/out/stylegan2_noise.png: StyleGAN's "stochastic variation" (Karras
    et al. 2019, Figure 4): each row one latent, with three draws of the
    per-pixel noise, the noise off, and the per-pixel standard deviation
    over 16 draws (white: most variation). The noise should only change
    details; in these miniature runs it also breaks strokes apart and can
    even change which digit is drawn (see docs/RESULTS.md).

The short run trains without the style-mixing regulariser (mixing at
sampling time, as in the grid, needs no training for it): with it, four
of five seeds left the samples hopping from one digit to another after
1,200 steps (``demos/digit_hopping.py`` watches it). It still depends on
its seed; the --full run, with the paper's mixing, larger batches and
longer training, draws clear, varied digits.
"""
import numpy as np

import tinygan as tg
from _grid import save_grid
from _image_runs import (STYLEGAN2_32, crop_28, digit_split, lenet_metrics, padded_to_32,
                         report, samples)
from common import arguments, build, out_path
from tinygan.train import train

# 32 channels, the paper's lr 2e-3 and R1 gamma 10, no style mixing (on scikit-learn's 16x16
# digits G drew per-pixel noise with 16 channels, blurs with 32); see docs/RESULTS.md for what
# 1,200 steps draw
SHORT = dict(steps=1200, config=STYLEGAN2_32)
FULL = dict(steps=3000, config={"width": 32, "batch_size": 32})
ROWS, COLS = 4, 6
NOISE_LATENTS, NOISE_DRAWS = 6, 16
N_SAMPLES = 2000


def style_mixing_picture(gan, z_rows, z_cols, crossover):
    """The grid: B's images along the top, A's down the left, mixes inside."""
    n_ws = gan.generator.synthesis.n_ws
    mixed = gan.style_mixing_grid(z_rows, z_cols, crossover).numpy()
    alone_rows = gan.style_mixing_grid(z_rows, z_rows[:1], n_ws).numpy()
    alone_cols = gan.style_mixing_grid(z_cols[:1], z_cols, 0).numpy()
    grid = [-np.ones_like(mixed[:1]), alone_cols]
    for r in range(len(alone_rows)):
        grid += [alone_rows[r:r + 1], mixed[r * COLS:(r + 1) * COLS]]
    return np.concatenate(grid)


def noise_picture(gan, z):
    """Per latent: three noise draws, the noise off, and the per-pixel standard deviation over
    NOISE_DRAWS draws (scaled so that the largest is white)."""
    images = gan.noise_variations(z, NOISE_DRAWS).numpy()      # (draws + 1, m, C, H, W)
    std = images[:-1].std(axis=0)
    std = 2 * std / max(float(std.max()), 1e-8) - 1
    return np.stack([images[0], images[1], images[2], images[-1], std], axis=1).reshape(
        -1, *images.shape[2:])


def samples_without_noise(gan, n, batch=500):
    """n samples of G's running average with every noise input set to 0."""
    return np.concatenate([gan.without_noise(gan.sample_z(min(batch, n - start))).numpy()
                           for start in range(0, n, batch)])


def main():
    args = arguments("StyleGAN2 style mixing on digits", steps=(int, None, "training steps"),
                     crossover=(int, 3, "layers taken from the row latent"))
    run = FULL if args.full else SHORT
    train_set, heldout = digit_split()
    data = padded_to_32(train_set)
    gan = build("stylegan2", data.shape, run["config"], args.seed, args.device)
    steps = args.steps or run["steps"]
    train(gan, data, steps, seed=args.seed, log_every=50)
    tg.manual_seed(args.seed + 2)
    report(f"stylegan2 after {steps} steps", lenet_metrics(crop_28(samples(gan, N_SAMPLES)),
                                                           heldout))
    report("  the same G, noise inputs off", lenet_metrics(
        crop_28(samples_without_noise(gan, N_SAMPLES)), heldout))
    tg.manual_seed(args.seed + 1)
    z_rows, z_cols = gan.sample_z(ROWS), gan.sample_z(COLS)
    n_ws = gan.generator.synthesis.n_ws
    print("wrote", save_grid(style_mixing_picture(gan, z_rows, z_cols, args.crossover),
                             out_path("stylegan2_style_mixing.png"), ROWS + 1,
                             f"StyleGAN2, {steps} steps: styles < {args.crossover} of {n_ws} "
                             f"from A",
                             row_labels=["B"] + [f"A{r}" for r in range(ROWS)],
                             col_labels=["A"] + [f"B{c}" for c in range(COLS)]))
    print("wrote", save_grid(noise_picture(gan, gan.sample_z(NOISE_LATENTS)),
                             out_path("stylegan2_noise.png"), NOISE_LATENTS,
                             f"noise inputs, {steps} steps",
                             col_labels=["noise 1", "noise 2", "noise 3", "off", "std"]))


if __name__ == "__main__":
    main()
