"""MNIST and Fashion-MNIST from their published IDX files, fetched once and verified.

    train = mnist("train")                          # downloads into ~/.cache/tinygan/mnist once
    test = fashion_mnist("test", root="data", download=False)

Each data set is 60,000 training and 10,000 test images of 28x28 (LeCun et
al. 1998; Xiao et al. 2017 for Fashion-MNIST), returned as an ``ImageSet``.
Where the files come from, how they are checked and where they are kept is
described in ``tinygan.data.download``.
"""
import os

import numpy

from .download import BASE_URLS, FILES, data_root, fetch
from .errors import DataError
from .idx import read_idx
from .images import ImageSet, to_unit_range
from .resize import pad

SPLITS = ("train", "test")


def load_idx_pair(name, split="train", root=None, download=True, base_url=None, timeout=60.0):
    """(uint8 images (N, 28, 28), uint8 labels (N,)) of "mnist" or "fashion-mnist".

    ``base_url`` replaces the published location (a mirror, or a local server).
    """
    if name not in FILES or split not in SPLITS:
        raise ValueError(f"load_idx_pair: name must be one of {sorted(FILES)} and split one of "
                         f"{SPLITS}, got {name!r}, {split!r}")
    folder = os.path.join(data_root(root), name)
    url = base_url if base_url is not None else BASE_URLS[name]
    paths = [fetch(FILES[name][f"{split}-{part}"], folder, url, download, timeout)
             for part in ("images", "labels")]
    images, labels = (read_idx(path) for path in paths)
    if images.dtype != numpy.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{paths[0]}: holds {images.dtype} {images.shape}, expected uint8 "
                        f"(N, 28, 28); delete it and fetch it again")
    if labels.dtype != numpy.uint8 or labels.shape != (len(images),) or labels.max(initial=0) > 9:
        raise DataError(f"{paths[1]}: holds {labels.dtype} {labels.shape} (max "
                        f"{labels.max(initial=0)}), expected uint8 ({len(images)},) in 0..9; "
                        f"delete it and fetch it again")
    return images, labels


def _image_set(name, split, root, download, base_url, pad_to_32, timeout):
    pixels, labels = load_idx_pair(name, split, root, download, base_url, timeout)
    images = to_unit_range(pixels[:, None], 255)
    if pad_to_32:
        images = pad(images, 32)
    return ImageSet(images, labels.astype(numpy.int64), name)


def mnist(split="train", root=None, download=True, base_url=None, pad_to_32=False, timeout=60.0):
    """MNIST handwritten digits, (N, 1, 28, 28) (or 32x32 with ``pad_to_32``), labels 0..9."""
    return _image_set("mnist", split, root, download, base_url, pad_to_32, timeout)


def fashion_mnist(split="train", root=None, download=True, base_url=None, pad_to_32=False,
                  timeout=60.0):
    """Fashion-MNIST clothing images, (N, 1, 28, 28) (or 32x32 with ``pad_to_32``), labels 0..9."""
    return _image_set("fashion-mnist", split, root, download, base_url, pad_to_32, timeout)
