"""BigGAN in miniature on 28x28 MNIST digits: the truncation trick's quality/variety trade-off.

    python demos/biggan_truncation.py          # about 5 minutes on 2 busy CPU cores
    python demos/biggan_truncation.py --full   # the default width, two D steps, longer
    python demos/biggan_truncation.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)

Trains BigGAN (Brock et al. 2019: residual blocks, class-conditional batch
norm from a shared embedding, projection discriminator, hinge loss,
spectral norm, orthogonal init) on mnist5k's labelled training digits, then
samples with z truncated at several thresholds (entries beyond it are
resampled). For each threshold it prints FID (LeNet features, against the
held-out digits; lower is better: quality and variety together), IS (LeNet;
higher: confident and varied classes) and the mean per-pixel standard
deviation within a class (a plain measure of variety), and writes
demos/out/biggan_truncation.png: one row per threshold, the same classes
0-9 in every row. The short run gives G the same learning rate as D (the
paper's 5e-5 lets D win outright within a few hundred steps) and is far
too short for digits: it shows variety falling with the threshold, not yet
the quality gain that needs a trained G.
"""
import numpy as np

from _grid import save_grid
from _image_runs import digit_split, train_image_variant
from common import arguments, build, out_path
from tinygan.metrics import classifier

SHORT = dict(steps=250, config={"width": 8, "batch_size": 32, "n_d_steps": 1, "z_dim": 48,
                                "lr_g": 2e-4,
                                "embed_dim": 16})
FULL = dict(steps=3000, config={"width": 32, "batch_size": 64})
THRESHOLDS = [0.25, 0.5, 1.0, 1.5, 2.0, None]
N = 1000


def class_variety(images, labels):
    """Mean over classes of the per-pixel standard deviation of that class's images."""
    return float(np.mean([images[labels == k].std(axis=0).mean() for k in np.unique(labels)]))


def main():
    args = arguments("BigGAN truncation trade-off on MNIST digits",
                     steps=(int, None, "training steps"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    gan = build("biggan", train.shape, run["config"], args.seed, args.device)
    train_image_variant(gan, train, steps, args.seed, log_every=50)
    labels = np.arange(N) % 10
    rows = []
    print("threshold  FID (LeNet)  IS (LeNet)  within-class std")
    for threshold in THRESHOLDS:
        images = np.concatenate([gan.sample(len(part), labels=part, truncation=threshold).numpy()
                                 for part in np.array_split(labels, 4)])
        score = classifier.inception_score(images)
        print(f"{str(threshold):>9}  {classifier.fid(heldout.images, images):11.2f}  "
              f"{score.mean:5.2f} +- {score.std:4.2f}  {class_variety(images, labels):.3f}",
              flush=True)
        rows.append(images[:10])
    print("wrote", save_grid(np.concatenate(rows), out_path("biggan_truncation.png"),
                             len(THRESHOLDS), f"BigGAN after {steps} steps, by truncation",
                             row_labels=[str(t) if t else "none" for t in THRESHOLDS],
                             col_labels=[str(k) for k in range(10)]))


if __name__ == "__main__":
    main()
