"""BiGAN learns an encoder E next to its generator G: reconstructions G(E(x)) next to x.

Trains Donahue et al.'s BiGAN on the 8x8 digits (or MNIST) and writes
demos/out/bigan_reconstructions_<data>.png: held-out images x, their
reconstructions G(E(x)), and samples G(z). No reconstruction error is ever
minimised: E and G only meet in the joint discriminator D(x, z), so G(E(x))
matches x only as far as the two joint distributions have been matched.
Prints the pixel error of the reconstructions, how often a digit classifier
gives G(E(x)) the label of x, and the accuracy of a linear classifier on
the features E(x) (BiGAN's feature learning), against the same probe on
an untrained encoder.

    python demos/bigan_reconstructions.py              # about 2 minutes on 2 CPU cores
    python demos/bigan_reconstructions.py --full       # longer training
    python demos/bigan_reconstructions.py --data mnist5k
    python demos/bigan_reconstructions.py --data mnist5k --full --device cuda   # NVIDIA GPU, CuPy
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: BLAS threads only contend

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import data as datasets, plotting  # noqa: E402
from tinygan.train import train  # noqa: E402

from common import arguments, build, out_path  # noqa: E402

CONFIG = {"batch_size": 64}
STEPS = {"digits": (3000, 20000), "mnist5k": (600, 6000)}


def split(data, fraction, seed):
    """(training ImageSet, held-out images, held-out labels): a random split of ``data``."""
    order = np.random.default_rng(seed).permutation(len(data.images))
    cut = int(fraction * len(order))
    train_set = datasets.ImageSet(data.images[order[:cut]], data.labels[order[:cut]], data.name)
    return train_set, data.images[order[cut:]], data.labels[order[cut:]]


def classifier(images, labels):
    """A logistic-regression digit classifier on pixels (the demos' stand-in for a trained CNN)."""
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(max_iter=2000).fit(images.reshape(len(images), -1), labels)


def probe_accuracy(encode, train_set, x_test, y_test):
    """Test accuracy of a linear classifier trained on the features encode(x) of training images."""
    from sklearn.linear_model import LogisticRegression
    features = encode(train_set.images[:2000])
    probe = LogisticRegression(max_iter=2000).fit(features, train_set.labels[:2000])
    return probe.score(encode(x_test), y_test)


def mosaic(images, cols):
    """Images (N, 1, H, W) in [-1, 1] tiled into one array, ``cols`` per row, 1-pixel gaps."""
    n, _, h, w = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), -1.0)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = image[0]
    return out


def save_panels(panels, path, cols=16, rows=2):
    """One figure of stacked panels, each (images, title) showing its first rows x cols images."""
    fig, axes = plotting.figure(len(panels), 1, size=4.2)
    for ax, (images, title) in zip(axes, panels):
        ax.imshow(mosaic(images[:rows * cols], cols), cmap="gray_r", vmin=-1, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.set_size_inches(7, 5.5)
    return plotting.save(fig, path)


def main():
    args = arguments(__doc__.splitlines()[0], data=(str, "digits", "digits or mnist5k"))
    steps = STEPS[args.data][1 if args.full else 0]
    train_set, x_test, y_test = split(datasets.get(args.data), 0.8, args.seed)
    untrained = build("bigan", train_set.shape, CONFIG, args.seed + 1, args.device)
    bigan = build("bigan", train_set.shape, CONFIG, args.seed, args.device)
    history = train(bigan, train_set, steps=steps, seed=args.seed, log_every=500)

    x = tg.tensor(x_test, device=bigan.device)
    recon = bigan.reconstruct(x).numpy()
    judge = classifier(train_set.images, train_set.labels)
    kept = np.mean(judge.predict(recon.reshape(len(recon), -1)) == y_test)
    real_acc = judge.score(x_test.reshape(len(x_test), -1), y_test)
    probe, probe0 = (probe_accuracy(lambda im: v.encode(tg.tensor(im, device=v.device)).numpy(),
                                    train_set, x_test, y_test) for v in (bigan, untrained))
    last = history[-1]
    print(f"{steps} steps in {history.seconds:.0f} s; last D(x,E(x)) {last['D(x,E(x))']:.2f}, "
          f"D(G(z),z) {last['D(G(z),z)']:.2f}")
    print(f"held-out reconstruction error mean |x - G(E(x))| = {np.abs(recon - x_test).mean():.3f} "
          f"(pixels in [-1, 1])")
    print(f"classifier gives G(E(x)) the label of x: {100 * kept:.1f}% "
          f"(its accuracy on x itself: {100 * real_acc:.1f}%)")
    print(f"linear probe on E(x): {100 * probe:.1f}% test accuracy "
          f"(untrained encoder: {100 * probe0:.1f}%)")

    print("wrote", save_panels([(x_test, "held-out x"), (recon, "reconstructions G(E(x))"),
                                (bigan.sample(32).numpy(), "samples G(z)")],
                               out_path(f"bigan_reconstructions_{args.data}.png")))


if __name__ == "__main__":
    main()
