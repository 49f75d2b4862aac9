"""Short synthetic captions of digit images ("a thick seven", "the digit two in faint
strokes"), their token ids, and text encoders, for text-to-image GANs (GAN-CLS).

A caption names the image's label and, for the thinnest and thickest third
of each class (by ink mass, sum of (x + 1)/2 over the pixels), its stroke
thickness. Each image gets ``captions_per_image`` captions drawn from a tiny
grammar with synonyms (thin | faint, thick | bold) and two templates, as
Reed et al. (2016) give each image several human captions.

    data = captions.captioned("digits", seed=0)
    images, tokens = data.sample(64, rng)            # (64, 1, 8, 8), (64, MAX_TOKENS) int64
    phi = captions.bag_of_words(tokens)              # (64, len(VOCABULARY)) text embedding
    captions.decode(tokens[:2])                      # ["a thick seven", "the digit two"]

Token id 0 is padding. The fixed encoder ``bag_of_words`` plays the role of
Reed et al.'s pre-trained, frozen text encoder; ``EmbeddingEncoder`` is a
learned alternative (the mean of word embeddings).
"""
import numpy

from .. import nn
from ..backend import default_dtype, get_array_module
from ..ops.reduce import sum as tensor_sum
from ..tensor import Tensor

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
THICKNESS_WORDS = {"thin": ("thin", "faint"), "thick": ("thick", "bold")}
TEMPLATES = {True: ("a {adjective} {digit}", "the digit {digit} in {adjective} strokes"),
             False: ("a {digit}", "the digit {digit}")}
VOCABULARY = ("<pad>", "a", "the", "digit", "in", "strokes", "thin", "faint", "thick", "bold",
              *DIGIT_WORDS)
WORD_IDS = {word: i for i, word in enumerate(VOCABULARY)}
MAX_TOKENS = 6
THICKNESSES = ("thin", None, "thick")


def ink_mass(images):
    """sum over pixels of (x + 1) / 2 for each image of (N, C, H, W) in [-1, 1]: (N,)."""
    images = numpy.asarray(images, dtype=numpy.float64)
    return ((images + 1) / 2).reshape(len(images), -1).sum(axis=1)


def thickness_of(images, labels):
    """"thin", None or "thick" per image: lowest, middle or highest third of ink mass in its class."""
    mass, labels = ink_mass(images), numpy.asarray(labels)
    result = numpy.full(len(labels), None, dtype=object)
    for label in numpy.unique(labels):
        members = labels == label
        low, high = numpy.quantile(mass[members], [1 / 3, 2 / 3])
        result[members & (mass < low)] = "thin"
        result[members & (mass > high)] = "thick"
    return result


def describe(label, thickness, rng):
    """One caption of digit ``label`` with ``thickness`` ("thin", "thick" or None).

    The template and the synonym of the thickness are drawn with ``rng``.
    """
    templates = TEMPLATES[thickness is not None]
    template = templates[rng.integers(len(templates))]
    adjective = None
    if thickness is not None:
        synonyms = THICKNESS_WORDS[thickness]
        adjective = synonyms[rng.integers(len(synonyms))]
    return template.format(adjective=adjective, digit=DIGIT_WORDS[int(label)])


def random_captions(n, rng):
    """n captions of digits and thicknesses drawn uniformly (labels 0-9, thin / none / thick)."""
    labels = rng.integers(0, 10, n)
    thickness = rng.integers(0, len(THICKNESSES), n)
    return [describe(label, THICKNESSES[t], rng) for label, t in zip(labels, thickness)]


def encode(captions):
    """Token ids (N, MAX_TOKENS) int64 of a list of captions, padded with 0; unknown words raise."""
    tokens = numpy.zeros((len(captions), MAX_TOKENS), dtype=numpy.int64)
    for i, caption in enumerate(captions):
        words = caption.lower().split()
        unknown = [w for w in words if w not in WORD_IDS]
        if unknown or len(words) > MAX_TOKENS:
            raise ValueError(f"encode: caption {caption!r} has unknown words {unknown} or more "
                             f"than {MAX_TOKENS} words; the vocabulary is {VOCABULARY[1:]}")
        tokens[i, :len(words)] = [WORD_IDS[w] for w in words]
    return tokens


def decode(tokens):
    """The captions (list of str) of token ids (N, L), padding dropped."""
    return [" ".join(VOCABULARY[t] for t in row if t != 0) for row in numpy.asarray(tokens)]


def bag_of_words(tokens):
    """phi(t)_v = (count of word v in t) / (number of words in t): a fixed text embedding (N, |V|).

    Padding is not a word (column 0 is always 0). Returns a NumPy array of
    the default float dtype when given an array, a Tensor when given a Tensor.
    """
    data = tokens.data if isinstance(tokens, Tensor) else numpy.asarray(tokens)
    xp = get_array_module(data)
    counts = (data[..., None] == xp.arange(len(VOCABULARY))).sum(axis=-2).astype(default_dtype())
    counts[..., 0] = 0
    phi = counts / xp.maximum(counts.sum(axis=-1, keepdims=True), 1)
    return Tensor(phi) if isinstance(tokens, Tensor) else phi


class EmbeddingEncoder(nn.Module):
    """A learned text encoder: phi(t) = mean of the embeddings of t's words (padding excluded)."""

    def __init__(self, embedding_dim, device="cpu"):
        super().__init__()
        self.embedding = nn.Embedding(len(VOCABULARY), embedding_dim, device=device)

    def forward(self, tokens):
        data = tokens.data if isinstance(tokens, Tensor) else tokens
        xp = get_array_module(data)
        mask = (data != 0).astype(self.embedding.weight.dtype)
        count = xp.maximum(mask.sum(axis=1, keepdims=True), 1)
        vectors = self.embedding(Tensor(data)) * Tensor(mask[..., None])
        return tensor_sum(vectors, axis=1) / Tensor(count)


class CaptionedImages:
    """Images with ``captions_per_image`` captions each.

    ``images`` (N, C, H, W) in [-1, 1], ``labels`` (N,), ``thickness`` (N,)
    of "thin" / None / "thick", ``captions`` (N, K) strings, ``tokens``
    (N, K, MAX_TOKENS) int64.
    """

    def __init__(self, images, labels, captions_per_image=2, seed=0):
        self.images = numpy.asarray(images, dtype=numpy.float32)
        self.labels = numpy.asarray(labels, dtype=numpy.int64)
        if len(self.images) != len(self.labels):
            raise ValueError(f"CaptionedImages: {len(self.images)} images but "
                             f"{len(self.labels)} labels")
        rng = numpy.random.default_rng(seed)
        self.thickness = thickness_of(self.images, self.labels)
        self.captions = numpy.array([
            [describe(label, thick, rng) for _ in range(captions_per_image)]
            for label, thick in zip(self.labels, self.thickness)])
        self.tokens = encode(self.captions.ravel()).reshape(self.captions.shape + (MAX_TOKENS,))

    @property
    def shape(self):
        """The shape (C, H, W) of one image."""
        return tuple(self.images.shape[1:])

    def sample(self, n, rng):
        """(n images, token ids (n, MAX_TOKENS) of one caption of each), drawn with replacement."""
        picks = rng.integers(0, len(self.images), n)
        which = rng.integers(0, self.tokens.shape[1], n)
        return self.images[picks], self.tokens[picks, which]


def captioned(data, captions_per_image=2, seed=0, **data_kwargs):
    """CaptionedImages of an image data object (with ``images`` and ``labels``) or of the data set
    called ``data`` in tinygan.data (built with ``data_kwargs``, e.g. ``pad_to_32=True``)."""
    if isinstance(data, str):
        from . import get as get_data
        data = get_data(data, **data_kwargs)
    return CaptionedImages(data.images, data.labels, captions_per_image, seed)
