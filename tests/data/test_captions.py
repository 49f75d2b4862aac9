"""Synthetic captions: thickness by class thirds, the grammar, tokens, the text encoders."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.data import captions


def images_with_ink(masses, size=4):
    """(N, 1, size, size) images in [-1, 1] whose ink mass sum((x + 1)/2) is each of ``masses``."""
    fill = np.asarray(masses, dtype=np.float64)[:, None] / size ** 2
    images = (2 * np.repeat(fill, size * size, axis=1) - 1).reshape(-1, 1, size, size)
    return images.astype(np.float32)


def test_ink_mass_by_hand():
    images = np.array([[[[-1, 1], [0, 1]]]], dtype=np.float32)
    np.testing.assert_allclose(captions.ink_mass(images), [2.5])


def test_thickness_is_the_lowest_and_highest_third_within_each_class():
    masses = [1, 2, 3, 4, 5, 6, 10, 11, 12]
    labels = [0, 0, 0, 0, 0, 0, 1, 1, 1]
    thickness = captions.thickness_of(images_with_ink(masses), labels)
    assert list(thickness) == ["thin", "thin", None, None, "thick", "thick", "thin", None, "thick"]


def test_encode_decode_round_trip_with_padding():
    texts = ["a thick seven", "the digit two in faint strokes", "a one"]
    tokens = captions.encode(texts)
    assert tokens.shape == (3, captions.MAX_TOKENS) and tokens.dtype == np.int64
    assert tokens[2, 2:].tolist() == [0] * (captions.MAX_TOKENS - 2)
    assert tokens[0, :3].tolist() == [captions.WORD_IDS[w] for w in ("a", "thick", "seven")]
    assert captions.decode(tokens) == texts
    with pytest.raises(ValueError, match="unknown words"):
        captions.encode(["a blurry seven"])


def test_bag_of_words_by_hand():
    tokens = captions.encode(["a thick seven", "the digit two in bold strokes"])
    phi = captions.bag_of_words(tokens)
    assert phi.shape == (2, len(captions.VOCABULARY)) and phi.dtype == tg.default_dtype()
    expected = np.zeros_like(phi)
    expected[0, [captions.WORD_IDS[w] for w in ("a", "thick", "seven")]] = 1 / 3
    words = ("the", "digit", "two", "in", "bold", "strokes")
    expected[1, [captions.WORD_IDS[w] for w in words]] = 1 / 6
    np.testing.assert_allclose(phi, expected, rtol=1e-6)
    assert isinstance(captions.bag_of_words(tg.tensor(tokens)), tg.Tensor)


def test_embedding_encoder_averages_the_words_and_ignores_padding():
    encoder = captions.EmbeddingEncoder(3)
    tokens = captions.encode(["a thick seven", "a one"])
    table = encoder.embedding.weight.numpy()
    expected = np.stack([table[tokens[0, :3]].mean(0), table[tokens[1, :2]].mean(0)])
    np.testing.assert_allclose(encoder(tokens).numpy(), expected, rtol=1e-6)
    (grad,) = tg.grad(encoder(tokens).sum(), [encoder.embedding.weight])
    used = set(tokens.ravel()) - {0}
    assert np.all(grad.numpy()[0] == 0) and all(np.any(grad.numpy()[i] != 0) for i in used)


def test_captions_name_the_digit_and_its_thickness_deterministically():
    masses = np.tile([2.0, 8.0, 14.0], 4)
    labels = np.repeat([3, 7, 3, 7], 3)
    data = captions.CaptionedImages(images_with_ink(masses), labels, captions_per_image=3, seed=0)
    again = captions.CaptionedImages(images_with_ink(masses), labels, captions_per_image=3, seed=0)
    assert (data.captions == again.captions).all()
    assert data.captions.shape == (12, 3) and data.tokens.shape == (12, 3, captions.MAX_TOKENS)
    for label, thickness, texts in zip(data.labels, data.thickness, data.captions):
        for text in texts:
            words = set(text.split())
            assert captions.DIGIT_WORDS[label] in words
            adjectives = words & {"thin", "faint", "thick", "bold"}
            if thickness is None:
                assert not adjectives
            else:
                assert adjectives and adjectives <= set(captions.THICKNESS_WORDS[thickness])
    assert captions.decode(data.tokens[0]) == list(data.captions[0])


def test_sample_returns_images_in_range_with_one_of_their_captions():
    masses = np.linspace(1, 15, 12)
    data = captions.CaptionedImages(images_with_ink(masses), np.arange(12) % 2, seed=1)
    images, tokens = data.sample(9, np.random.default_rng(0))
    images2, tokens2 = data.sample(9, np.random.default_rng(0))
    assert images.shape == (9, 1, 4, 4) and tokens.shape == (9, captions.MAX_TOKENS)
    assert -1 <= images.min() and images.max() <= 1
    np.testing.assert_array_equal(tokens, tokens2)
    for image, text in zip(images, captions.decode(tokens)):
        i = next(k for k, im in enumerate(data.images) if np.array_equal(im, image))
        assert text in data.captions[i]


def test_random_captions_parse_and_repeat_with_the_seed():
    texts = captions.random_captions(50, np.random.default_rng(3))
    assert texts == captions.random_captions(50, np.random.default_rng(3))
    assert captions.decode(captions.encode(texts)) == texts
    assert {t.split()[-1] if t.startswith("a ") else t.split()[2] for t in texts} <= set(
        captions.DIGIT_WORDS)


def test_captioned_shipped_digits():
    data = captions.captioned("digits", seed=0)
    assert data.shape == (1, 8, 8) and len(data.captions) == 1797
    counts = {t: int(np.sum(data.thickness == t)) for t in ("thin", "thick")}
    assert 500 < counts["thin"] < 700 and 500 < counts["thick"] < 700
