"""A LeNet-style digit classifier shipped with tinygan, and the image metrics built on it.

Inception Score and FID (seeds 001, "Evaluating GANs") judge samples through
a classifier trained on the data's domain: Inception v3 for natural images.
For 28x28 handwritten digits an Inception network is the wrong eye, so this
module ships a small LeNet-5-style classifier (LeCun et al. 1998) trained on
the mnist5k digits (``demos/train_classifier.py``) and reports

    FID (LeNet features)  d^2 = |m - m_w|^2 + Tr(C + C_w - 2 (C C_w)^(1/2))   on ``features``
    KID (LeNet features)  unbiased MMD^2 with the cubic kernel, on ``features``
    IS (LeNet)            exp(E_x KL(p(y|x) || p(y)))               on ``class_probabilities``
    digit KL (LeNet)      KL(q || uniform) = sum_d q_d log(10 q_d), q the frequencies of
                          the digits read (arg-max class): mode dropping on its own

These numbers compare runs within tinygan; they are not comparable with
published Inception-based FID/KID/IS values.

Network, for images (N, 1, 28, 28) in [-1, 1] (MNIST's own size, which every
tinygan image variant uses for MNIST-like data):

    conv 5x5 pad 2, 1 -> 16, ReLU, 2x2 average pool     16 x 14 x 14
    conv 5x5, 16 -> 32, ReLU, 2x2 average pool          32 x 5 x 5
    linear 800 -> 128, ReLU
    linear 128 -> 64, ReLU                              features (the penultimate layer)
    linear 64 -> 10                                     logits; p(y|x) = softmax(logits)

Of mnist5k's 500 images per digit, a fixed 100 per digit are held out
(``heldout_split``): the classifier never trains on them, and they are the
real images that generated samples are compared with.

Reference values of the shipped weights: held-out accuracy 0.984 (train
0.993); FID of the 4,000 training digits against the 1,000 held-out ones
1.6, of one half of the held-out digits against the other 8.5 (FID is
biased upwards for small sets); IS of the held-out digits 8.9. The
features are not rescaled, so kernel values, and KID with them, are in the
hundreds to thousands (KID of training against held-out digits: -31 +- 47
over subsets of 500).
"""
import os

import numpy

from .. import autograd, backend, io, nn
from .. import functional as F
from ..tensor import tensor
from .fid import frechet_distance
from .inception_score import inception_score as _inception_score
from .kid import kernel_inception_distance
from .modes import kl_to_uniform

WEIGHTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights",
                       "lenet_mnist5k.npz")
IMAGE_SHAPE = (1, 28, 28)
FEATURES = 64
NAMES = {"fid": "FID (LeNet features)", "kid": "KID (LeNet features)", "is": "IS (LeNet)",
         "digit_kl": "digit KL (LeNet)"}
HELDOUT_PER_CLASS = 100
SPLIT_SEED = 20240


class LeNet(nn.Module):
    """The classifier: ``features(x)`` is the 64-d penultimate layer, ``forward(x)`` the logits."""

    def __init__(self, device="cpu"):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2, device=device), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(16, 32, 5, device=device), nn.ReLU(), nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 5 * 5, 128, device=device), nn.ReLU(),
            nn.Linear(128, FEATURES, device=device), nn.ReLU())
        self.head = nn.Linear(FEATURES, 10, device=device)

    def features(self, x):
        """The penultimate layer's activations (N, 64)."""
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def heldout_split(data=None, per_class=HELDOUT_PER_CLASS, seed=SPLIT_SEED):
    """(train, heldout) ImageSets of mnist5k: ``per_class`` images of each digit held out.

    The held-out images of each digit are a fixed random choice (``seed``),
    the same on every call. The training images keep the file's order; the
    held-out ones come in a fixed random order, so that consecutive parts of
    them mix the digits (as the Inception Score's splits assume).
    """
    from ..data import ImageSet, mnist5k
    data = mnist5k() if data is None else data
    rng = numpy.random.default_rng(seed)
    heldout = numpy.concatenate([rng.permutation(numpy.flatnonzero(data.labels == k))[:per_class]
                                 for k in range(10)])
    heldout = rng.permutation(heldout)
    train = numpy.setdiff1d(numpy.arange(len(data)), heldout)
    return (ImageSet(data.images[train], data.labels[train], "mnist5k-train"),
            ImageSet(data.images[heldout], data.labels[heldout], "mnist5k-heldout"))


_loaded = {}


def load_classifier(path=None, device="cpu"):
    """The trained LeNet in evaluation mode, weights read (without pickle) from ``path``.

    The default is the file shipped in ``tinygan/weights``; it is read once
    per device and cached.
    """
    key = (path or WEIGHTS, device)
    if key not in _loaded:
        if not os.path.exists(key[0]):
            raise FileNotFoundError(f"{key[0]}: no classifier weights; train them with "
                                    f"python demos/train_classifier.py")
        net = LeNet(device)
        net.load_state_dict({name: backend.to_device(array, device)
                             for name, array in io.load_state_dict(key[0]).items()})
        _loaded[key] = net.eval()
    return _loaded[key]


def _as_images(images):
    """Images as a float NumPy array (N, 1, 28, 28), or a ValueError naming the expected shape."""
    array = backend.to_numpy(getattr(images, "data", images))
    array = numpy.asarray(array, dtype=backend.default_dtype())
    if array.ndim != 4 or tuple(array.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"the LeNet classifier takes images (N, 1, 28, 28) in [-1, 1], got "
                         f"{array.shape}")
    return array


def _evaluate(images, layer, classifier, batch_size):
    net = classifier or load_classifier()
    array = _as_images(images)
    device = next(iter(net.parameters())).device
    outputs = []
    with autograd.no_grad():
        for start in range(0, len(array), batch_size):
            x = tensor(array[start:start + batch_size], device=device)
            outputs.append(backend.to_numpy(layer(net, x).data).astype(numpy.float64))
    return numpy.concatenate(outputs) if outputs else numpy.zeros((0, 10))


def logits(images, classifier=None, batch_size=500):
    """The classifier's logits (N, 10) of images (N, 1, 28, 28) in [-1, 1]."""
    return _evaluate(images, lambda net, x: net(x), classifier, batch_size)


def features(images, classifier=None, batch_size=500):
    """The penultimate-layer features (N, 64) of images (N, 1, 28, 28) in [-1, 1]."""
    return _evaluate(images, lambda net, x: net.features(x), classifier, batch_size)


def class_probabilities(images, classifier=None, batch_size=500):
    """p(y|x) = softmax(logits) (N, 10) of images (N, 1, 28, 28) in [-1, 1]."""
    return _evaluate(images, lambda net, x: F.softmax(net(x), axis=1), classifier, batch_size)


def accuracy(images, labels, classifier=None):
    """The fraction of images whose arg-max class is their label."""
    predicted = logits(images, classifier).argmax(axis=1)
    return float((predicted == numpy.asarray(labels)).mean())


def fid(real, fake, classifier=None):
    """FID (LeNet features): the Fréchet distance d^2 between Gaussians fitted to the
    LeNet features of two image sets (seeds 001, "Evaluating GANs")."""
    return frechet_distance(features(real, classifier), features(fake, classifier))


def kid(real, fake, classifier=None, subsets=100, subset_size=1000, rng=0):
    """KID (LeNet features): Estimate(mean, std) of the cubic-kernel unbiased MMD^2 of
    the two image sets' LeNet features over random subsets (Binkowski et al. 2018)."""
    return kernel_inception_distance(features(real, classifier), features(fake, classifier),
                                     subsets, subset_size, rng)


def inception_score(images, classifier=None, splits=10):
    """IS (LeNet): Estimate(mean, std) of exp(E_x KL(p(y|x) || p(y))) with p(y|x) from
    the LeNet classifier; between 1 and 10."""
    return _inception_score(class_probabilities(images, classifier), splits)


def digit_counts(images, classifier=None, batch_size=500):
    """How many of the images (N, 1, 28, 28) in [-1, 1] the classifier reads as each digit:
    an int array (10,), the histogram of arg-max classes."""
    predicted = logits(images, classifier, batch_size).argmax(axis=1)
    return numpy.bincount(predicted, minlength=10)


def digit_kl(images, classifier=None, batch_size=500):
    """digit KL (LeNet): KL(q || uniform) = sum_d q_d log(10 q_d), q the frequencies of the
    digits the classifier reads in the images (N >= 1).

    0 when a generator draws every digit equally often, as mnist5k holds them
    (500 each), and log 10 = 2.30 when it draws one digit only. The
    single-image counterpart of Stacked MNIST's KL: it measures dropped and
    over-drawn digits alone, where FID mixes them with the images' quality.
    Finite-sample floor: about 9 / (2 N) for a generator that is exactly
    uniform, 0.0045 for 1,000 samples.
    """
    counts = digit_counts(images, classifier, batch_size)
    if counts.sum() == 0:
        raise ValueError("digit_kl: needs at least one image, got 0")
    return kl_to_uniform(counts)
