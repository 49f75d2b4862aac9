"""InfoGAN on 28x28 MNIST digits: what the latent codes learned to control.

    python demos/infogan_traversals.py            # about 3 minutes on 2 CPU cores
    python demos/infogan_traversals.py --full     # the paper's networks and minibatch, longer
    python demos/infogan_traversals.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)

Trains InfoGAN (Chen et al. 2016: a categorical code c1 of 10 values and two
continuous codes c2, c3 ~ U(-1, 1), kept readable by Q with lambda = 1) on
mnist5k's training digits, without labels, then writes to demos/out/:

    infogan_categorical.png   row k: c1 = k, the same ten z across each column
    infogan_continuous_2.png  c2 from -2 to 2 along each row (c3 = 0)
    infogan_continuous_3.png  c3 from -2 to 2 along each row (c2 = 0)

and prints, measured rather than eyeballed: the bound L_I(c1) (log 10 =
2.30 at most), how much the images of one c1 value vary with z, how purely
each value of c1 maps to one digit as LeNet reads it, and how slant
(horizontal shift of the ink per row, from its second moments) and width
(spread of the ink across columns) change along c2 and c3.
The paper finds c1 picks the digit and the continuous codes rotation and
width; which continuous code takes which role is up to training.
"""
import numpy as np

import tinygan as tg
from tinygan.metrics import classifier

from _grid import save_grid
from _image_runs import digit_split, lenet_metrics, report, samples, train_image_variant
from _image_runs import with_reference_batch
from common import arguments, build, out_path

# The short run drops G's fully connected hidden layer: with it (1024 or 256 units) our runs
# learned to ignore z within 1,000 steps (images of one code varied with z by a pixel std of
# 0.03-0.06, real digits of one class by 0.25); without it they kept using z.
SHORT = dict(steps=1200, config={"width": 32, "batch_size": 64, "g_hidden": 0, "d_hidden": 256})
FULL = dict(steps=5000, config={})
SWEEP = np.linspace(-2, 2, 9)


def shape_measures(images):
    """(slant, width) of each image (N, 1, H, W): slant = mu_rc / mu_rr, the horizontal shift of
    the ink per row down, and width = sqrt(mu_cc), the spread of the ink across columns, from the
    second central moments of the ink (pixel values mapped to [0, 1])."""
    w = (images[:, 0] + 1) / 2
    rows, cols = np.mgrid[:w.shape[1], :w.shape[2]]
    mass = w.sum(axis=(1, 2))
    r = (w * rows).sum(axis=(1, 2)) / mass
    c = (w * cols).sum(axis=(1, 2)) / mass
    dr, dc = rows[None] - r[:, None, None], cols[None] - c[:, None, None]
    mu_rr = (w * dr * dr).sum(axis=(1, 2)) / mass
    mu_rc = (w * dr * dc).sum(axis=(1, 2)) / mass
    mu_cc = (w * dc * dc).sum(axis=(1, 2)) / mass
    return -mu_rc / mu_rr, np.sqrt(mu_cc)


def real_spread(data, per_class=10):
    """The pixel std across ``per_class`` real digits of one class (mean over pixels, classes)."""
    return float(np.mean([data.images[data.labels == d][:per_class].reshape(per_class, -1)
                          .std(axis=0).mean() for d in range(10)]))


def traversal(info, z, categories, code, values, reference):
    """G at each z (with its category) for every value of continuous code ``code`` (the other 0):
    images (len(z) * len(values), C, H, W), one row per z."""
    n_cont = info.config["n_continuous"]
    rows = []
    for i in range(len(z)):
        cont = np.zeros((len(values), n_cont))
        cont[:, code] = values
        same_z = tg.cat([z[i:i + 1]] * len(values))
        latent = info.latent(same_z, np.full(len(values), categories[i]), cont)
        rows.append(with_reference_batch(info.generate, latent, reference))
    return np.concatenate(rows)


def main():
    args = arguments("InfoGAN latent traversals on MNIST digits",
                     steps=(int, None, "training steps"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    info = build("infogan", train.shape, run["config"], args.seed, args.device)
    metrics = train_image_variant(info, train, steps, args.seed)
    report(f"InfoGAN after {steps} steps", lenet_metrics(samples(info, 2000), heldout))
    print(f"L_I(c1) on the last minibatch: {metrics['L_I(c1)']:.3f} (at most log 10 = 2.303)")

    reference = info.latent(info.sample_z(256), *info.sample_codes(256))
    k = info.config["n_categories"]
    z = info.sample_z(10)
    categorical = info.latent(tg.cat([z] * k), np.repeat(np.arange(k), 10), np.zeros((10 * k, 2)))
    grid = with_reference_batch(info.generate, categorical, reference)
    spread = grid.reshape(k, 10, -1).std(axis=1).mean()
    print(f"pixel std across the ten z of a row: {spread:.3f} (real digits of one class: "
          f"{real_spread(train):.3f})")
    print("wrote", save_grid(grid, out_path("infogan_categorical.png"), k,
                             "row: value of c1 (no labels used); column: the same z",
                             row_labels=[str(v) for v in range(k)]))

    purity = []
    for value in range(k):
        latent = info.latent(info.sample_z(200), np.full(200, value), info.sample_codes(200)[1])
        images = with_reference_batch(info.generate, latent, reference)
        read = np.bincount(classifier.logits(images).argmax(axis=1), minlength=10)
        purity.append((read.argmax(), read.max() / 200))
    digits = [d for d, _ in purity]
    print("c1 value -> digit LeNet reads (share): "
          + ", ".join(f"{v}->{d} ({p:.0%})" for v, (d, p) in enumerate(purity))
          + f"; {len(set(digits))} distinct digits")

    categories = np.arange(0, k, max(1, k // 5))[:5]
    z = info.sample_z(len(categories))
    for code in range(info.config["n_continuous"]):
        grid = traversal(info, z, categories, code, SWEEP, reference)
        print("wrote", save_grid(grid, out_path(f"infogan_continuous_{code + 2}.png"),
                                 len(categories), f"c{code + 2} from -2 to 2 (the other code 0)",
                                 col_labels=[f"{v:g}" for v in SWEEP]))
        sweep_z = info.sample_z(100)
        sweep_categories = info.sample_codes(100)[0]
        slants, widths = [], []
        for value in (-2.0, 0.0, 2.0):
            cont = np.zeros((100, info.config["n_continuous"]))
            cont[:, code] = value
            latent = info.latent(sweep_z, sweep_categories, cont)
            slant, width = shape_measures(with_reference_batch(info.generate, latent, reference))
            slants.append(slant.mean())
            widths.append(width.mean())
        print(f"c{code + 2} = -2, 0, 2: mean slant {np.round(slants, 3).tolist()}, "
              f"mean width {np.round(widths, 2).tolist()} pixels")


if __name__ == "__main__":
    main()
