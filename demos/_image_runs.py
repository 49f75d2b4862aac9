"""What the image demos share: the digits they train on, the loop, and the LeNet metrics.

GANs train on the 4,000 training digits of mnist5k (28x28); their samples
are compared with the 1,000 held-out digits (``tinygan.metrics.classifier.
heldout_split``), which neither the GAN nor the LeNet classifier saw.
"""
import time

import numpy as np

import tinygan as tg
from tinygan.metrics import classifier
from tinygan.train import train


def digit_split():
    """(train, heldout) ImageSets of mnist5k, 28x28 in [-1, 1]."""
    return classifier.heldout_split()


def labelled_sampler(data, rng):
    """sample_real(m) -> (m images as a Tensor, their int64 labels), drawn with replacement."""
    def sample_real(m):
        picks = rng.integers(0, len(data), m)
        return tg.tensor(data.images[picks]), data.labels[picks]
    return sample_real


def train_image_variant(variant, data, steps, seed, log_every=100):
    """Run ``steps`` iterations of ``variant`` on ``data``; returns the last step's metrics.

    Unlabelled variants run in ``tinygan.train.train``; labelled ones
    (``needs_labels``) get (images, labels) minibatches from the same kind of
    loop here.
    """
    if not getattr(variant, "needs_labels", False):
        return train(variant, data, steps, seed=seed, log_every=log_every)[-1]
    tg.manual_seed(seed)
    sample_real = labelled_sampler(data, np.random.default_rng([seed, 1]))
    start = time.perf_counter()
    for step in range(1, steps + 1):
        metrics = variant.train_step(sample_real)
        if step % log_every == 0 or step == steps:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in metrics.items()
                              if not k.startswith("grad_norm"))
            print(f"step {step}/{steps}  {shown}  ({time.perf_counter() - start:.0f} s)", flush=True)
    return metrics


def lenet_metrics(images, heldout):
    """{"FID (LeNet features)", "KID (LeNet features)", "IS (LeNet)"} of images against held-out digits."""
    kid = classifier.kid(heldout.images, images, subsets=20, subset_size=500)
    score = classifier.inception_score(images)
    return {classifier.NAMES["fid"]: classifier.fid(heldout.images, images),
            classifier.NAMES["kid"]: f"{kid.mean:.1f} +- {kid.std:.1f}",
            classifier.NAMES["is"]: f"{score.mean:.2f} +- {score.std:.2f}"}


def report(label, metrics):
    """Print one line of metrics."""
    text = "  ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())
    print(f"{label}: {text}", flush=True)


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
