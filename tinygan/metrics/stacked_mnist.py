"""Stacked MNIST mode coverage: how many of the 1,000 digit triples a generator draws.

The discrete mode-collapse benchmark of Metz et al. 2017 (Unrolled GANs,
§3.3.1), with the evaluation used by VEEGAN (Srivastava et al. 2017, Table 2)
and PacGAN (Lin et al. 2018, Table 2): each generated image (3, 28, 28) holds
one digit per channel; a pretrained digit classifier reads the three
channels, and the image's mode is the triple of classes,

    mode = 100 d_1 + 10 d_2 + d_3            (0 .. 999).

Over 26,000 samples (26 per mode on average) it reports

    modes captured   the number of modes drawn at least once;
    KL               KL(q || u) = sum_k q_k log(1000 q_k), q the samples'
                     distribution over the modes, u uniform (the data's):
                     0 for perfectly even coverage, log 1000 = 6.9 for one mode.

The KL splits in two (the chain rule of KL against a uniform, i.e.
independent, reference):

    KL(q || u) = sum_c KL(q_c || u_10) + TC(q),

q_c the distribution of the digit in channel c and TC(q) >= 0 the total
correlation between the channels (0 when the three digits are drawn
independently). ``channel_digit_kl`` gives the first part: a generator
whose KL is mostly there draws some digits too often in every channel.

Published anchors: DCGAN 99 modes / KL 3.40 (VEEGAN Table 2), PacDCGAN2
1000 modes / KL 0.06 (PacGAN Table 2). Those used their own MNIST
classifiers; ours is the LeNet of ``tinygan.metrics.classifier``
(98.4% held-out accuracy), so about 5% of real stacked images have a
channel misread and land on a wrong mode.
"""
from typing import NamedTuple

import numpy

from . import classifier as lenet
from .modes import kl_to_uniform

N_MODES = 1000
N_SAMPLES = 26000       # VEEGAN and PacGAN's evaluation size


class StackedSummary(NamedTuple):
    """Modes captured (of 1,000), KL(q || uniform), and the count of samples per mode (1000,)."""
    modes: int
    kl: float
    counts: numpy.ndarray


def stacked_digits(images, classifier=None, batch_size=500, op="stacked_digits"):
    """The digits (d_1, d_2, d_3) LeNet reads in the channels of each image (N, 3, 28, 28);
    an int array (N, 3)."""
    array = numpy.asarray(getattr(images, "data", images))
    if array.ndim != 4 or array.shape[1] != 3:
        raise ValueError(f"{op}: expects stacked-MNIST images (N, 3, 28, 28), one digit "
                         f"per channel, got {array.shape}")
    n = len(array)
    channels = array.reshape(n * 3, 1, *array.shape[2:])        # image-major: d_1, d_2, d_3
    return lenet.logits(channels, classifier, batch_size).argmax(axis=1).reshape(n, 3)


def stacked_modes(images, classifier=None, batch_size=500):
    """The mode 100 d_1 + 10 d_2 + d_3 of each image (N, 3, 28, 28), d_c the digit LeNet reads
    in channel c; an int array (N,)."""
    return stacked_digits(images, classifier, batch_size, "stacked_modes") @ numpy.array(
        [100, 10, 1])


def mode_histogram_kl(counts):
    """KL(q || uniform) = sum_k q_k log(K q_k) of a histogram of K modes (empty modes add 0)."""
    counts = numpy.asarray(counts, dtype=numpy.float64)
    if counts.ndim != 1 or counts.sum() <= 0 or numpy.any(counts < 0):
        raise ValueError(f"mode_histogram_kl: needs a non-empty histogram of non-negative "
                         f"counts, got shape {counts.shape} with total {counts.sum()}")
    return kl_to_uniform(counts)


def channel_digit_counts(counts, op="channel_digit_counts"):
    """(3, 10): row c counts how often channel c holds each digit, the marginals of a histogram
    of the 1,000 modes (mode 100 d_1 + 10 d_2 + d_3)."""
    counts = numpy.asarray(counts, dtype=numpy.float64)
    if counts.shape != (N_MODES,):
        raise ValueError(f"{op}: needs a histogram of the {N_MODES} modes, got "
                         f"shape {counts.shape}")
    cube = counts.reshape(10, 10, 10)                       # axes: d_1, d_2, d_3
    return numpy.stack([cube.sum(axis=tuple(a for a in range(3) if a != c)) for c in range(3)])


def channel_digit_kl(counts):
    """sum_c KL(q_c || uniform over 10 digits), q_c the digit frequencies of channel c in a
    histogram of the 1,000 modes; at most ``mode_histogram_kl(counts)``."""
    return sum(kl_to_uniform(row) for row in channel_digit_counts(counts, "channel_digit_kl"))


def stacked_mnist_metrics(images, classifier=None, batch_size=500):
    """StackedSummary(modes, kl, counts) of generated stacked-MNIST images (N, 3, 28, 28).

    Pass N_SAMPLES (26,000) images to match the published protocol.
    """
    counts = numpy.bincount(stacked_modes(images, classifier, batch_size), minlength=N_MODES)
    return StackedSummary(int(numpy.count_nonzero(counts)), mode_histogram_kl(counts), counts)
