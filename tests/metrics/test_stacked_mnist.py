"""Stacked-MNIST mode coverage: the mode of each image and the KL of the mode histogram."""
import math

import numpy as np
import pytest

from tinygan import data
from tinygan.metrics.stacked_mnist import (N_MODES, channel_digit_counts, channel_digit_kl,
                                           mode_histogram_kl, stacked_digits,
                                           stacked_mnist_metrics, stacked_modes)


@pytest.fixture(scope="module")
def real():
    return data.get("stacked-mnist", n=600, seed=3)


def test_classifier_reads_the_modes_of_real_stacked_images(real):
    # each channel is read right 98.4% of the time: about 95% of triples are right
    assert np.mean(stacked_modes(real.images) == real.labels) > 0.9


def test_modes_are_hundreds_tens_units_of_the_channels(real):
    one = real.images[:1]
    swapped = one[:, ::-1].copy()          # channels (d3, d2, d1)
    mode = int(stacked_modes(one)[0])
    digits = mode // 100, mode // 10 % 10, mode % 10
    assert int(stacked_modes(swapped)[0]) == 100 * digits[2] + 10 * digits[1] + digits[0]
    assert tuple(stacked_digits(one)[0]) == digits


def test_a_single_channel_image_is_refused_by_name():
    with pytest.raises(ValueError, match=r"stacked_digits: .*\(2, 1, 28, 28\)"):
        stacked_digits(np.zeros((2, 1, 28, 28)))
    with pytest.raises(ValueError, match=r"stacked_modes: .*\(2, 1, 28, 28\)"):
        stacked_modes(np.zeros((2, 1, 28, 28)))


def test_kl_of_mode_histograms_by_hand():
    assert mode_histogram_kl(np.ones(N_MODES)) == pytest.approx(0.0, abs=1e-12)
    one_mode = np.zeros(N_MODES)
    one_mode[7] = 26000
    assert mode_histogram_kl(one_mode) == pytest.approx(math.log(N_MODES))
    counts = np.array([3.0, 1.0, 0.0, 0.0])      # q = (3/4, 1/4), K = 4
    expected = 0.75 * math.log(4 * 0.75) + 0.25 * math.log(4 * 0.25)
    assert mode_histogram_kl(counts) == pytest.approx(expected, rel=1e-12)


def test_kl_splits_into_channel_digit_kl_and_total_correlation():
    rng = np.random.default_rng(0)
    marginals = [rng.dirichlet(np.ones(10)) for _ in range(3)]
    independent = np.einsum("a,b,c->abc", *marginals).ravel() * 1e6
    expected = sum(float(np.sum(p * np.log(10 * p))) for p in marginals)
    assert channel_digit_kl(independent) == pytest.approx(expected, rel=1e-9)
    assert mode_histogram_kl(independent) == pytest.approx(expected, rel=1e-9)     # TC = 0
    # uniform digits in every channel, but d_3 = d_1: all of the KL is correlation
    tied = np.zeros((10, 10, 10))
    for d1 in range(10):
        tied[d1, :, d1] = 1
    assert channel_digit_kl(tied.ravel()) == pytest.approx(0.0, abs=1e-12)
    assert mode_histogram_kl(tied.ravel()) == pytest.approx(math.log(10))
    with pytest.raises(ValueError, match=r"channel_digit_kl.*\(10,\)"):
        channel_digit_kl(np.ones(10))


def test_summary_of_a_collapsed_generator(real):
    collapsed = np.repeat(real.images[:2], 50, axis=0)
    summary = stacked_mnist_metrics(collapsed)
    assert summary.modes <= 2 and summary.counts.sum() == 100
    assert summary.kl >= math.log(N_MODES / 2) - 1e-9


def test_clear_errors_for_wrong_shapes_and_empty_histograms():
    with pytest.raises(ValueError, match=r"stacked_modes.*\(4, 1, 28, 28\)"):
        stacked_modes(np.zeros((4, 1, 28, 28), np.float32))
    with pytest.raises(ValueError, match="mode_histogram_kl"):
        mode_histogram_kl(np.zeros(10))


def test_channel_digit_counts_are_the_marginals_of_the_mode_histogram():
    counts = np.zeros(N_MODES)
    counts[[123, 120, 903]] = [2, 1, 4]           # modes 100 d_1 + 10 d_2 + d_3
    rows = channel_digit_counts(counts)
    assert rows.shape == (3, 10)
    np.testing.assert_array_equal(rows[0], np.bincount([1, 1, 1, 9, 9, 9, 9], minlength=10))
    np.testing.assert_array_equal(rows[1], np.bincount([2, 2, 2, 0, 0, 0, 0], minlength=10))
    np.testing.assert_array_equal(rows[2], np.bincount([3, 3, 0, 3, 3, 3, 3], minlength=10))
    with pytest.raises(ValueError, match=r"channel_digit_counts.*\(10,\)"):
        channel_digit_counts(np.ones(10))
