"""The metrics that suit each kind of data set: what ``tinygan eval`` reports for a run.

    mixtures of Gaussians   modes captured, high-quality fraction, reverse KL (PacGAN's protocol)
    1-D data                W1 to real samples; for a known density, the binned JS divergence
    2-D data                sliced W1 to real samples
    digits                  FID, KID, IS and digit KL with the shipped LeNet classifier
    stacked MNIST           modes captured of 1,000, KL of the mode histogram to uniform
    domain pairs            mean L1 error of the translation G(x) against the true T(x)
"""
import math

import numpy

from . import images, metrics
from .metrics import stacked_mnist

EVAL_STREAM = 3                   # seeds the real samples that evaluations compare with


def sample_kind(shape):
    """"images" for (C, H, W) samples, "2d" for (2,), "1d" for (1,)."""
    shape = tuple(shape)
    return "images" if len(shape) == 3 else {(2,): "2d", (1,): "1d"}.get(shape, "other")


DIGIT_SETS = ("mnist5k", "mnist", "digits")


def data_metrics(name, data, fake, reference, seed=0):
    """(metrics, notes) for generated samples ``fake`` of the data set called ``name``.

    Mixtures: modes captured (of ``modes_total``), high-quality fraction,
    reverse KL. 1-D: W1 to 10,000 real samples, and for a known density the JS
    divergence between the samples' histogram and the density's bin masses. 2-D: sliced W1 to real
    samples. Digits: FID/KID/IS and digit KL with the LeNet classifier. Stacked
    MNIST: modes captured of 1,000 and the KL of the mode histogram. Domain
    pairs: the mean L1 error of G(x) against the true translation T(x), next
    to that of doing nothing (x itself).
    """
    results, notes = {}, []
    rng = numpy.random.default_rng([seed, EVAL_STREAM])
    kind, flat = sample_kind(data.shape), fake.reshape(len(fake), -1)
    if hasattr(data, "centres") and hasattr(data, "std"):
        summary = metrics.mode_metrics(flat, data)
        results.update(modes=int(summary.modes), modes_total=len(data.centres),
                       high_quality=float(summary.high_quality),
                       reverse_kl=float(summary.reverse_kl))
    if kind == "1d":
        real = numpy.asarray(data.sample(10000, rng), dtype=numpy.float64).ravel()
        results["wasserstein1"] = metrics.wasserstein1(flat.ravel(), real)
        if hasattr(data, "pdf"):
            results["js_binned"] = binned_js(flat.ravel(), data, real)
    elif kind == "2d":
        real = numpy.asarray(data.sample(len(flat), rng), dtype=numpy.float64)
        results["sliced_wasserstein1"] = sliced_wasserstein1(flat, real, rng)
    elif hasattr(data, "truth"):
        truth = data.truth(reference)
        results["translation_l1"] = float(numpy.abs(fake - truth).mean())
        results["identity_l1"] = float(numpy.abs(reference - truth).mean())
    elif name == "stacked-mnist":
        results.update(stacked_mnist_metrics(fake, notes))
    elif kind == "images":
        results.update(digit_metrics(name, data, fake, notes))
    for key, value in results.items():
        if isinstance(value, float) and not math.isfinite(value):
            results[key] = None
            notes.append(f"{key} is undefined for these samples ({value})")
    return results, notes



def binned_js(samples, data, real, bins=100):
    """JS divergence between the samples' histogram and p_data's mass in the same bins.

    The bins cover 1.5 x the real data's range; the data's bin masses integrate
    its exact density. The estimate's bias for samples of p_data itself is about
    (occupied bins) / (8 n) nats.
    """
    extent = images.extent_of(real)
    edges = numpy.linspace(-extent, extent, bins + 1)
    counts, _ = numpy.histogram(samples, edges)
    fine = numpy.linspace(-extent, extent, bins * 20 + 1)
    density = data.pdf(fine[:, None])
    cells = (density[1:] + density[:-1]) / 2 * numpy.diff(fine)
    p = cells.reshape(bins, 20).sum(axis=1)
    q = counts / max(len(samples), 1)
    p, q = p / p.sum(), q / max(q.sum(), 1e-300)
    mix = (p + q) / 2
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return float(0.5 * numpy.nansum(numpy.where(p > 0, p * numpy.log(p / mix), 0))
                     + 0.5 * numpy.nansum(numpy.where(q > 0, q * numpy.log(q / mix), 0)))


def sliced_wasserstein1(a, b, rng, projections=64):
    """The mean over random unit directions u of W1 between the projections a u and b u."""
    directions = rng.standard_normal((projections, a.shape[1]))
    directions /= numpy.linalg.norm(directions, axis=1, keepdims=True)
    return float(numpy.mean([metrics.wasserstein1(a @ u, b @ u) for u in directions]))


def stacked_mnist_metrics(fake, notes):
    """Modes captured of 1,000, the mode histogram's KL to uniform and the part of it due to
    each channel's digit frequencies, of stacked-MNIST images."""
    summary = stacked_mnist.stacked_mnist_metrics(fake)
    if len(fake) != stacked_mnist.N_SAMPLES:
        notes.append(f"the published protocol scores {stacked_mnist.N_SAMPLES} samples, these "
                     f"numbers {len(fake)}")
    return {"modes": summary.modes, "modes_total": len(summary.counts), "mode_kl": summary.kl,
            "channel_digit_kl": stacked_mnist.channel_digit_kl(summary.counts)}


def digit_metrics(name, data, fake, notes):
    """FID/KID/IS (LeNet features) of digit images against held-out real ones, and the digit KL
    of the digits they show, when possible."""
    if name not in DIGIT_SETS:
        notes.append(f"no image metric for {name}: the shipped classifier knows digits only")
        return {}
    try:
        from .metrics import classifier
        net = classifier.load_classifier()
    except (ImportError, FileNotFoundError) as exc:
        notes.append(f"FID/KID/IS skipped: {exc}")
        return {}
    if name == "digits":
        from .data import resize
        real = resize(data.images, 28)
        fake = resize(fake.astype(numpy.float32), 28)
        notes.append("digits are resized from 8x8 to 28x28 for the classifier; compare such "
                     "numbers only with each other")
    else:
        real = classifier.heldout_split()[1].images
        notes.append(f"real reference: the {len(real)} held-out mnist5k images")
    kid = classifier.kid(real, fake, net, subsets=50, subset_size=min(len(real), len(fake)))
    score = classifier.inception_score(fake, net, splits=min(10, len(fake)))
    return {classifier.NAMES["fid"]: float(classifier.fid(real, fake, net)),
            classifier.NAMES["kid"]: kid.mean, classifier.NAMES["kid"] + " std": kid.std,
            classifier.NAMES["is"]: score.mean, classifier.NAMES["is"] + " std": score.std,
            classifier.NAMES["digit_kl"]: classifier.digit_kl(fake, net)}
