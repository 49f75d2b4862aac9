"""Stacked MNIST: three random digits as the three channels of one image, 1,000 modes.

The mode-collapse benchmark of Metz et al. 2017 (Unrolled GANs), used again by
VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018): an image is
three independently drawn MNIST digits stacked as channels, and its mode is
the triple of their classes, label = 100 d1 + 10 d2 + d3 (0..999). A trained
digit classifier applied channel by channel then tells which modes a
generator reaches.
"""
import numpy

from .images import ImageSet
from .seeding import as_count


def stacked_mnist(n=10000, source="mnist5k", seed=0, **source_kwargs):
    """n images (n, 3, H, W) float32, each channel a digit drawn with replacement from ``source``.

    ``source`` is a data-set name (default "mnist5k", which needs no download;
    "mnist" for the full set) built with ``source_kwargs``, or an ImageSet of
    single-channel digits labelled 0..9. The draws are seeded by ``seed``.
    """
    n = as_count(n, "stacked_mnist")
    if isinstance(source, str):
        from .registry import get
        source = get(source, **source_kwargs)
    if source.images.shape[1] != 1 or source.labels.min() < 0 or source.labels.max() > 9:
        raise ValueError(f"stacked_mnist: the source must hold single-channel digits labelled "
                         f"0..9, got images {source.images.shape} with labels in "
                         f"[{source.labels.min()}, {source.labels.max()}]")
    picks = numpy.random.default_rng(seed).integers(0, len(source), (n, 3))
    images = source.images[picks, 0]
    labels = source.labels[picks] @ numpy.array([100, 10, 1], dtype=numpy.int64)
    return ImageSet(images, labels, "stacked-mnist")
