"""Unpaired pairs of image domains built from the shipped digit images, for CycleGAN.

CycleGAN learns translations between two domains X and Y from two sets of
images that are *not* paired with each other (seeds 001, "Unpaired
Conditional Image Generation"). A pair here is made from one data set: its
images are shuffled and split into two disjoint halves; X is the first half
as it is, Y is the second half passed through a fixed ``transform`` (colour
inversion, stroke thickening or thinning). No image of Y is the translation
of an image of X, so the pair is truly unpaired; yet because the transform
is known, a learned translation G(x) can still be scored against its ground
truth T(x).

    pair = domains.get("digits-invert", seed=0)
    x, y = pair.sample(64, rng)          # two independent, unpaired batches
    pair.truth(x)                        # T(x): what G(x) should look like

Images are float32 arrays (N, C, H, W) in [-1, 1] with -1 the paper and +1
the ink, and every transform maps [-1, 1] into itself.
"""
import numpy


def invert(images):
    """T(x) = -x: ink and paper swap (a colour inversion in [-1, 1]); T is its own inverse."""
    return -images


def _neighbourhood(images, reduce, fill):
    """``reduce`` (max or min) over each pixel and its 4 neighbours; outside the image: ``fill``."""
    padded = numpy.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    h, w = images.shape[-2:]
    shifted = [padded[..., 1:h + 1, 1:w + 1], padded[..., :h, 1:w + 1], padded[..., 2:, 1:w + 1],
               padded[..., 1:h + 1, :w], padded[..., 1:h + 1, 2:]]
    return reduce(numpy.stack(shifted), axis=0)


def thicken(images):
    """T(x)[i, j] = max of x over (i, j) and its 4 neighbours: grey-scale dilation (thicker)."""
    return _neighbourhood(images, numpy.max, -numpy.inf)


def thin(images):
    """T(x)[i, j] = min of x over (i, j) and its 4 neighbours: grey-scale erosion (thinner)."""
    return _neighbourhood(images, numpy.min, numpy.inf)


TRANSFORMS = {"invert": invert, "thicken": thicken, "thin": thin}


class DomainPair:
    """Two unpaired sets of images: ``x`` (domain X) and ``y`` = T(other images) (domain Y).

    ``labels_x``/``labels_y`` hold the source images' labels where known
    (for evaluation only; CycleGAN never sees them).
    """

    def __init__(self, x, y, transform, name="", labels_x=None, labels_y=None):
        if x.shape[1:] != y.shape[1:]:
            raise ValueError(f"DomainPair: X images {x.shape[1:]} and Y images {y.shape[1:]} "
                             f"differ in shape")
        self.x, self.y, self.transform, self.name = x, y, transform, name
        self.labels_x, self.labels_y = labels_x, labels_y

    @property
    def shape(self):
        """The shape (C, H, W) of one image of either domain."""
        return tuple(self.x.shape[1:])

    def sample(self, n, rng):
        """(n images of X, n images of Y), drawn independently with replacement: unpaired."""
        return self.x[rng.integers(0, len(self.x), n)], self.y[rng.integers(0, len(self.y), n)]

    def truth(self, x):
        """T(x): the ground-truth translation of X images into domain Y."""
        return self.transform(x).astype(x.dtype)

    def __repr__(self):
        return (f"DomainPair({self.name!r}, |X|={len(self.x)}, |Y|={len(self.y)}, "
                f"shape={self.shape})")


def make_pair(images, transform, seed=0, labels=None, name=""):
    """Shuffle ``images`` with ``seed``, split them in halves: DomainPair(half 1, T(half 2)).

    ``transform`` is a function of an image array or a name in TRANSFORMS.
    """
    transform = TRANSFORMS[transform] if isinstance(transform, str) else transform
    images = numpy.asarray(images, dtype=numpy.float32)
    if images.ndim != 4:
        raise ValueError(f"make_pair: expected images of shape (N, C, H, W), got {images.shape}")
    order = numpy.random.default_rng(seed).permutation(len(images))
    first, second = order[:len(order) // 2], order[len(order) // 2:]
    y = transform(images[second]).astype(numpy.float32)
    labels = None if labels is None else numpy.asarray(labels)
    return DomainPair(images[first], y, transform, name,
                      None if labels is None else labels[first],
                      None if labels is None else labels[second])


def get(name, seed=0, **data_kwargs):
    """The pair ``"<data>-<transform>"`` ("digits-invert", "mnist5k-thicken", ...) of tinygan.data.

    ``data_kwargs`` go to ``tinygan.data.get`` (e.g. ``pad_to_32=True`` for mnist5k).
    """
    data_name, _, transform = name.rpartition("-")
    if transform not in TRANSFORMS or not data_name:
        raise ValueError(f"unknown domain pair {name!r}; use '<data>-<transform>' with a transform "
                         f"in {sorted(TRANSFORMS)}, e.g. 'digits-invert'")
    from . import get as get_data
    data = get_data(data_name, **data_kwargs)
    return make_pair(data.images, transform, seed, getattr(data, "labels", None), name)
