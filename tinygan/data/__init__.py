"""Data sets with known truth (toy mixtures) and image data, all plain NumPy.

    from tinygan import data
    ring = data.get("ring8")                 # or data.ring8()
    x = ring.sample(2500, numpy.random.default_rng(0))
    digits = data.get("digits", size=16)     # .images (N, 1, 16, 16) in [-1, 1], .labels

Every data set has ``name``, ``shape`` (of one sample) and ``sample(n, rng)``
returning float32 arrays; mixtures add ``centres``, ``std``, ``pdf`` and
``log_pdf``; image sets add ``images`` (N, C, H, W) and int64 ``labels``.
``DATASETS`` maps each name to its builder and a one-line description.
"""
from .batching import batches
from .download import BASE_URLS, FILES, RemoteFile, data_root, fetch, sha256_of, verify
from .errors import DataError, MissingDependency
from .idx import decode_idx, encode_idx, read_idx, write_idx
from .images import ImageSet, digits, mnist5k, to_unit_range
from .mnist import fashion_mnist, load_idx_pair, mnist
from .registry import DATASETS, Entry, get
from .resize import pad, resize
from .stacked import stacked_mnist
from .swissroll import SwissRoll, swissroll
from .toy import GaussianMixture, gauss1d, gaussian_mixture_1d, grid, grid25, ring, ring8

__all__ = [
    "BASE_URLS", "DATASETS", "DataError", "Entry", "FILES", "GaussianMixture", "ImageSet",
    "MissingDependency", "RemoteFile", "SwissRoll", "batches", "data_root", "decode_idx",
    "digits", "encode_idx", "fashion_mnist", "fetch", "gauss1d", "gaussian_mixture_1d", "get",
    "grid", "grid25", "load_idx_pair", "mnist", "mnist5k", "pad", "read_idx", "resize", "ring",
    "ring8", "sha256_of", "stacked_mnist", "swissroll", "to_unit_range", "verify", "write_idx",
]
