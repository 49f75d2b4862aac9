"""What the image demos share: the digits they train on, the loop, and the LeNet metrics.

GANs train on the 4,000 training digits of mnist5k (28x28); their samples
are compared with the 1,000 held-out digits (``tinygan.metrics.classifier.
heldout_split``), which neither the GAN nor the LeNet classifier saw.
"""
import numpy as np

from tinygan import data as datasets
from tinygan.metrics import classifier
from tinygan.train import train

# The 32x32 configurations that the zoo (demos/zoo_budget.py, where their measurements are) and
# the ProGAN and StyleGAN2 demos share: ProGAN's channels thin from 64 at 4x4 to 8 at 32x32,
# with batches of 64 at the two low resolutions; StyleGAN2 keeps the paper's lr and R1 gamma
# but trains without style mixing: over 1,200 steps, seeds 0-4, mixing with probability 0.9
# left the samples hopping from digit to digit in 4 of 5 seeds (mean FID 322), without it
# 2 of 5 (mean FID 215; docs/RESULTS.md). Mixing at sampling time still works.
PROGAN_32 = {"width": 64, "width_base": 256, "batch_size": 32,
             "stage_batch_sizes": (64, 64, 32, 32), "fade_images": 3000, "stable_images": 3000}
STYLEGAN2_32 = {"width": 32, "batch_size": 16, "n_mapping": 2, "z_dim": 32, "w_dim": 32,
                "mixing_prob": 0.0}


def digit_split():
    """(train, heldout) ImageSets of mnist5k, 28x28 in [-1, 1]."""
    return classifier.heldout_split()


def padded_to_32(image_set):
    """The same digits zero-padded (at -1, the background) to 32x32, for ProGAN and StyleGAN2,
    whose resolutions double from 4x4."""
    return datasets.ImageSet(datasets.pad(image_set.images, 32), image_set.labels,
                             image_set.name)


def train_image_variant(variant, data, steps, seed, log_every=100, callback=None, start_step=0,
                        data_rng=None):
    """Run ``steps`` iterations of ``variant`` on ``data`` (``tinygan.train.train``, which gives
    labelled variants (images, labels) minibatches; ``callback(step, variant, metrics)`` after
    every step), numbered from ``start_step + 1`` (a run continued from a checkpoint passes
    seed=None, keeping the restored random state, and its restored ``data_rng``, the NumPy
    Generator that picks the minibatches); returns the last step's metrics."""
    return train(variant, data, steps, seed=seed, log_every=log_every, callback=callback,
                 start_step=start_step, data_rng=data_rng)[-1]


def lenet_metrics(images, heldout):
    """FID (LeNet features), KID (LeNet features) and IS (LeNet) of images against held-out
    digits, and the digit KL (LeNet) of the digits they show (0: every digit equally often),
    as a dict keyed by those names."""
    kid = classifier.kid(heldout.images, images, subsets=20, subset_size=500)
    score = classifier.inception_score(images)
    return {classifier.NAMES["fid"]: classifier.fid(heldout.images, images),
            classifier.NAMES["kid"]: f"{kid.mean:.1f} +- {kid.std:.1f}",
            classifier.NAMES["is"]: f"{score.mean:.2f} +- {score.std:.2f}",
            classifier.NAMES["digit_kl"]: f"{classifier.digit_kl(images):.3f}"}


def report(label, metrics):
    """Print one line of metrics."""
    text = "  ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                     for k, v in metrics.items())
    print(f"{label}: {text}", flush=True)


def crop_28(images):
    """32x32 images (padded MNIST) cut back to their central 28x28, for LeNet."""
    return images[..., 2:30, 2:30] if images.shape[-1] == 32 else images


def samples(variant, n, batch=500):
    """n samples of ``variant`` as a NumPy array, drawn ``batch`` at a time."""
    return np.concatenate([variant.sample(min(batch, n - start)).numpy()
                           for start in range(0, n, batch)])


def with_reference_batch(generate, latent, reference):
    """generate(latent) computed in a batch together with ``reference`` latents.

    G's batch norm normalises with the statistics of the batch it is given;
    a handful of hand-picked latents alone would be normalised differently
    from the training batches, so they go through G with a few hundred
    random ones (a reference batch), and only their images are kept.
    """
    from tinygan.ops.shape import concatenate
    return generate(concatenate([latent, reference], axis=0))[:latent.shape[0]].numpy()


def class_rows(variant, per_class=10, n_classes=10):
    """Images (n_classes * per_class, C, H, W): row k holds ``per_class`` samples of class k."""
    labels = np.repeat(np.arange(n_classes), per_class)
    return variant.sample(len(labels), labels=labels).numpy()


def label_agreement(variant, n=2000, n_classes=10):
    """The fraction of n samples of random classes that LeNet reads as the class asked for."""
    labels = np.random.default_rng(0).integers(0, n_classes, n)
    images = np.concatenate([variant.sample(len(part), labels=part).numpy()
                             for part in np.array_split(labels, max(1, n // 500))])
    return float((classifier.logits(images).argmax(axis=1) == labels).mean())
