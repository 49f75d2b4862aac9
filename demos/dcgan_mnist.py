"""DCGAN on 28x28 MNIST digits: samples, latent interpolation and latent vector arithmetic.

    python demos/dcgan_mnist.py            # about 3 minutes on 2 CPU cores
    python demos/dcgan_mnist.py --full     # the paper's width and minibatch, longer
    python demos/dcgan_mnist.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)

Trains DCGAN (Radford et al. 2016) on mnist5k's 4,000 training digits and
writes to demos/out/:

    dcgan_samples.png        64 samples
    dcgan_interpolation.png  G along straight lines between random z (seeds 001, "DCGAN")
    dcgan_arithmetic.png     vector arithmetic in z: thick a - thin a + thin b

and prints FID (LeNet features), KID and IS against the 1,000 held-out
digits, for the trained generator and for the untrained one it started as.

Latent arithmetic follows the paper: z vectors of three exemplars of each
concept are averaged, the averages are added and subtracted, and G draws
the result (with small uniform noise added for variants). The concepts are
found automatically: LeNet names each sample's digit, and stroke thickness
is the fraction of inked pixels; with a and b the two digits G draws most
often, "thick a - thin a + thin b" should give a thick b.
"""
import numpy as np

import tinygan as tg
from tinygan.gans.dcgan import interpolate_latents
from tinygan.metrics import classifier

from _grid import save_grid
from _image_runs import (digit_split, lenet_metrics, report, samples, train_image_variant,
                         with_reference_batch)
from common import arguments, build, out_path

SHORT = dict(steps=3000, config={"width": 32, "batch_size": 64})
FULL = dict(steps=5000, config={})


def ink(images):
    """The fraction of pixels with ink (value > 0) in each image: stroke thickness."""
    return (images > 0).reshape(len(images), -1).mean(axis=1)


def exemplars(z, images, labels, digit, thick, k=3):
    """The k samples of ``digit`` with the most (thick) or least ink, and their z's."""
    mine = np.flatnonzero(labels == digit)
    order = mine[np.argsort(ink(images[mine]))]
    picked = order[-k:] if thick else order[:k]
    return z[picked], images[picked]


def latent_arithmetic(dcgan, n=2000, seed=0):
    """Rows of images for thick(a), thin(a), thin(b) (three exemplars and G(mean z) each) and the
    result thick(a) - thin(a) + thin(b) (G at the result and at three noisy copies of it), with
    a and b the two digits G draws most often (as LeNet reads them, with confidence > 0.9).

    Returns (a, b, rows), or None when G draws fewer than six such samples of a or b.
    """
    z = dcgan.sample_z(n)
    reference = dcgan.sample_z(256)
    images = with_reference_batch(dcgan.generate, z, reference)
    probs = classifier.class_probabilities(images)
    labels = np.where(probs.max(axis=1) > 0.9, probs.argmax(axis=1), -1)
    counts = np.bincount(labels[labels >= 0], minlength=10)
    b, a = np.argsort(counts)[-2:]
    if counts[b] < 6:
        return None
    rows, means = [], []
    for digit, thick in ((a, True), (a, False), (b, False)):
        zs, shown = exemplars(z.numpy(), images, labels, digit, thick)
        mean = tg.tensor(zs.mean(axis=0, keepdims=True), device=dcgan.device)
        means.append(mean)
        rows.append(np.concatenate([shown, with_reference_batch(dcgan.generate, mean, reference)]))
    result = means[0] - means[1] + means[2]
    noise = np.random.default_rng(seed).uniform(-0.25, 0.25, (3, result.shape[1]))
    variants = tg.cat([result, result + tg.tensor(noise.astype(result.dtype), device=dcgan.device)])
    rows.append(with_reference_batch(dcgan.generate, variants, reference))
    return int(a), int(b), rows


def main():
    args = arguments("DCGAN on MNIST digits", steps=(int, None, "training steps"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    dcgan = build("dcgan", train.shape, run["config"], args.seed, args.device)
    report("untrained G", lenet_metrics(samples(dcgan, 2000), heldout))

    train_image_variant(dcgan, train, steps, args.seed)
    fake = samples(dcgan, 2000)
    report(f"DCGAN after {steps} steps", lenet_metrics(fake, heldout))
    counts = np.bincount(classifier.class_probabilities(fake).argmax(axis=1), minlength=10)
    print(f"digits of 2000 samples as LeNet reads them (0..9): {counts.tolist()}")
    print("wrote", save_grid(fake[:64], out_path("dcgan_samples.png"), 8,
                             f"DCGAN samples after {steps} steps"))

    reference = dcgan.sample_z(256)
    ends = dcgan.sample_z(12)
    path = tg.cat([interpolate_latents(ends[2 * i], ends[2 * i + 1], 10) for i in range(6)])
    print("wrote", save_grid(with_reference_batch(dcgan.generate, path, reference),
                             out_path("dcgan_interpolation.png"), 6, "G((1 - t) z0 + t z1)"))

    arithmetic = latent_arithmetic(dcgan, seed=args.seed)
    if arithmetic is None:
        print("latent arithmetic skipped: G draws too few digits that LeNet reads confidently")
        return
    a, b, rows = arithmetic
    inks = [ink(row[-1:])[0] for row in rows[:3]] + [ink(rows[3]).mean()]
    result_classes = classifier.class_probabilities(rows[3]).argmax(axis=1)
    print(f"latent arithmetic thick({a}) - thin({a}) + thin({b}): ink of G(mean z) for thick {a} "
          f"{inks[0]:.3f}, thin {a} {inks[1]:.3f}, thin {b} {inks[2]:.3f}; result {inks[3]:.3f}, "
          f"LeNet reads the result as {result_classes.tolist()}")
    print("wrote", save_grid(np.concatenate(rows), out_path("dcgan_arithmetic.png"), 4,
                             f"thick {a} - thin {a} + thin {b}", size=0.8,
                             row_labels=[f"thick {a}", f"thin {a}", f"thin {b}", "result"],
                             col_labels=["1", "2", "3", "mean z"]))
    print("  (rows 1-3: three exemplars and G at their mean z; row 4: G at the result, then "
          "at the result plus U(-0.25, 0.25) noise)")


if __name__ == "__main__":
    main()
