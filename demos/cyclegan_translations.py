"""CycleGAN translates between two unpaired digit domains, both ways.

Trains Zhu et al.'s CycleGAN on a pair from tinygan.data.domains (default:
8x8 digits X and colour-inverted digits Y, made from disjoint halves of the
data, so no image of Y is the translation of an image of X) and writes
demos/out/cyclegan_translations_<pair>.png: held-out x, G(x), the true T(x),
F(G(x)); then y = T(x'), F(y), the true x', G(F(y)). Because the domains
are built with a known transform T, translations are scored against the
truth: mean |G(x) - T(x)| and |F(T(x)) - x| on held-out digits, next to
the error of leaving the image as it is. On 8x8 digits, thickening
(``--pair digits-thicken``) merges strokes and cannot be undone, so the
cycle loss can only be met by hiding x in faint patterns of G(x): the
translations there look like thick digits but often not of the same digit.

    python demos/cyclegan_translations.py                          # about 2 minutes on 2 CPU cores
    python demos/cyclegan_translations.py --full
    python demos/cyclegan_translations.py --pair mnist5k-thicken   # 28x28, about 4 minutes
    python demos/cyclegan_translations.py --pair mnist5k-thicken --full --device cuda   # GPU
"""
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: BLAS threads only contend

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import data as datasets, plotting  # noqa: E402
from tinygan.data import domains  # noqa: E402

from bigan_reconstructions import mosaic  # noqa: E402
from common import arguments, build, out_path  # noqa: E402

CONFIG = {"batch_size": 16}
STEPS = {"digits": (1500, 15000), "mnist5k": (600, 6000)}


def held_out_pair(name, seed, fraction=0.9):
    """(DomainPair built from a ``fraction`` of the data, the other images as evaluation x)."""
    data_name, _, transform = name.rpartition("-")
    images = datasets.get(data_name).images
    order = np.random.default_rng(seed).permutation(len(images))
    cut = int(fraction * len(order))
    return domains.make_pair(images[order[:cut]], transform, seed, name=name), images[order[cut:]]


def main():
    args = arguments(__doc__.splitlines()[0],
                     pair=(str, "digits-invert", "a tinygan.data.domains pair (digits-thicken...)"))
    pair, x_eval = held_out_pair(args.pair, args.seed)
    steps = STEPS[args.pair.rpartition("-")[0]][1 if args.full else 0]
    cyclegan = build("cyclegan", pair.shape, CONFIG, args.seed, args.device)
    rng = np.random.default_rng([args.seed, 1])

    def on_device(images):
        return tg.tensor(images, device=cyclegan.device)

    def sample_real(m):
        x, y = pair.sample(m, rng)
        return on_device(x), on_device(y)

    start = time.perf_counter()
    for step in range(1, steps + 1):
        metrics = cyclegan.train_step(sample_real)
        if step % 250 == 0 or step == steps:
            shown = ("loss/gan_G", "loss/gan_F", "loss/cycle", "loss/D_X", "loss/D_Y")
            print(f"step {step}/{steps}  " + "  ".join(f"{k[5:]} {metrics[k]:.3f}" for k in shown),
                  flush=True)
    seconds = time.perf_counter() - start

    truth_y = pair.truth(x_eval)
    g_x = cyclegan.translate(on_device(x_eval)).numpy()
    f_y = cyclegan.translate_back(on_device(truth_y)).numpy()
    f_g_x = cyclegan.translate_back(on_device(g_x)).numpy()
    g_f_y = cyclegan.translate(on_device(f_y)).numpy()
    print(f"{steps} steps (batch {CONFIG['batch_size']}) in {seconds:.0f} s on {args.pair}")
    print(f"X -> Y: mean |G(x) - T(x)| = {np.abs(g_x - truth_y).mean():.3f}   "
          f"(doing nothing: |x - T(x)| = {np.abs(x_eval - truth_y).mean():.3f})")
    print(f"Y -> X: mean |F(T(x)) - x| = {np.abs(f_y - x_eval).mean():.3f}")
    print(f"cycles: mean |F(G(x)) - x| = {np.abs(f_g_x - x_eval).mean():.3f}   "
          f"mean |G(F(y)) - y| = {np.abs(g_f_y - truth_y).mean():.3f}")

    cols = 16
    rows = [(x_eval, "x"), (g_x, "G(x)"), (truth_y, "true T(x)"), (f_g_x, "F(G(x))"),
            (truth_y, "y = T(x)"), (f_y, "F(y)"), (x_eval, "true x"), (g_f_y, "G(F(y))")]
    fig, axes = plotting.figure(len(rows), 1, size=4)
    for ax, (images, title) in zip(axes, rows):
        ax.imshow(mosaic(images[:cols], cols), cmap="gray_r", vmin=-1, vmax=1)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    fig.set_size_inches(7, 8)
    print("wrote", plotting.save(fig, out_path(f"cyclegan_translations_{args.pair}.png")))


if __name__ == "__main__":
    main()
