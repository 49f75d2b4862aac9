"""StyleGAN2 on digits: a style-mixing grid.

    python demos/stylegan2_style_mixing.py          # about 5 minutes on 2 CPU cores (32x32 MNIST)
    python demos/stylegan2_style_mixing.py --full   # the same digits, larger batches, 3000 steps
    python demos/stylegan2_style_mixing.py --full --device cuda   # on an NVIDIA GPU (CuPy)

Trains StyleGAN2 (Karras et al. 2020: mapping network, modulated and
demodulated convolutions, noise inputs, style mixing, lazy R1 and
path-length regularisation) and writes demos/out/stylegan2_style_mixing.png:
the first column holds images of latents A, the first row images of latents
B, and the cell (A, B) takes the coarse styles (the layers before the
crossover, low resolutions) from A and the rest from B.
"""
import numpy as np

import tinygan as tg
from _grid import save_grid
from common import arguments, build, dataset, out_path
from tinygan.train import train

# 32 channels, the paper's lr 2e-3 and R1 gamma 10: digit-like strokes after 640 steps; on
# scikit-learn's 16x16 digits G drew per-pixel noise (16 channels, 300 steps) or blurs (32, 600)
SHORT = dict(steps=640, data=("mnist5k", {"pad_to_32": True}),
             config={"width": 32, "batch_size": 16, "n_mapping": 2, "z_dim": 32, "w_dim": 32})
FULL = dict(steps=3000, data=("mnist5k", {"pad_to_32": True}),
            config={"width": 32, "batch_size": 32})
ROWS, COLS = 4, 6


def main():
    args = arguments("StyleGAN2 style mixing on digits", steps=(int, None, "training steps"),
                     crossover=(int, 3, "layers taken from the row latent"))
    run = FULL if args.full else SHORT
    name, kwargs = run["data"]
    data = dataset(name, **kwargs)
    gan = build("stylegan2", data.shape, run["config"], args.seed, args.device)
    steps = args.steps or run["steps"]
    train(gan, data, steps, seed=args.seed, log_every=50)
    tg.manual_seed(args.seed + 1)
    z_rows, z_cols = gan.sample_z(ROWS), gan.sample_z(COLS)
    n_ws = gan.generator.synthesis.n_ws
    mixed = gan.style_mixing_grid(z_rows, z_cols, args.crossover).numpy()
    alone_rows = gan.style_mixing_grid(z_rows, z_rows[:1], n_ws).numpy()
    alone_cols = gan.style_mixing_grid(z_cols[:1], z_cols, 0).numpy()
    blank = -np.ones_like(mixed[:1])
    grid = [blank, alone_cols]
    for r in range(ROWS):
        grid += [alone_rows[r:r + 1], mixed[r * COLS:(r + 1) * COLS]]
    print("wrote", save_grid(np.concatenate(grid), out_path("stylegan2_style_mixing.png"),
                             ROWS + 1, f"StyleGAN2, {steps} steps: styles < {args.crossover} "
                             f"of {n_ws} from A",
                             row_labels=["B"] + [f"A{r}" for r in range(ROWS)],
                             col_labels=["A"] + [f"B{c}" for c in range(COLS)]))


if __name__ == "__main__":
    main()
