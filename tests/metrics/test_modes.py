"""Mode coverage: hand-placed samples with known answers, true samples, a collapsed generator."""
import math

import numpy as np
import pytest

from tinygan import data, metrics


def placed_samples():
    """20 samples: 10 on mode 0, 5 at 2.9 std from mode 1, 3 at 3.1 std from mode 2, 2 at 0."""
    ring = data.ring8()
    c, s = ring.centres, ring.std
    return np.concatenate([np.repeat(c[[0]], 10, 0), np.repeat(c[[1]] + [[2.9 * s, 0]], 5, 0),
                           np.repeat(c[[2]] + [[0, 3.1 * s]], 3, 0), np.zeros((2, 2))])


def test_hand_placed_samples_give_the_counted_answers():
    ring, x = data.ring8(), placed_samples()
    counts = metrics.mode_counts(x, ring.centres, ring.std)
    assert counts.tolist() == [10, 5, 0, 0, 0, 0, 0, 0]
    assert metrics.high_quality_fraction(x, ring.centres, ring.std) == 15 / 20
    assert metrics.modes_captured(x, ring.centres, ring.std) == 2
    assert metrics.modes_captured(x, ring.centres, ring.std, min_count=6) == 1
    expected = 2 / 3 * math.log(8 * 2 / 3) + 1 / 3 * math.log(8 / 3)
    assert metrics.reverse_kl(x, ring.centres, ring.std) == pytest.approx(expected, rel=1e-12)
    assert metrics.modes_captured(x, ring.centres, ring.std, threshold=3.2) == 3


def test_samples_of_the_true_mixture_cover_every_mode_evenly():
    for dataset in (data.ring8(), data.grid25()):
        x = dataset.sample(2500, np.random.default_rng(0))
        summary = metrics.mode_metrics(x, dataset)
        modes, high_quality, reverse_kl = summary
        assert modes == len(dataset.centres) and summary.modes == modes
        assert high_quality == pytest.approx(1 - math.exp(-4.5), abs=0.01)
        assert 0 <= reverse_kl < 0.02


def test_a_collapsed_generator_has_one_mode_and_reverse_kl_log_k():
    grid = data.grid25()
    x = grid.centres[7] + grid.std * np.random.default_rng(0).standard_normal((2500, 2)) / 2
    summary = metrics.mode_metrics(x, grid)
    assert summary == (1, 1.0, pytest.approx(math.log(25)))


def test_no_high_quality_sample_gives_nan_reverse_kl():
    ring = data.ring8()
    far = np.full((10, 2), 5.0)
    assert math.isnan(metrics.reverse_kl(far, ring.centres, ring.std))
    assert metrics.mode_metrics(far, ring)[:2] == (0, 0.0)


def test_per_mode_stds_measure_distance_in_each_modes_own_units():
    centres = np.array([[0.0, 0.0], [1.0, 0.0]])
    x = np.array([[0.45, 0.0]])                   # nearer mode 0 in space, mode 1 in its stds
    nearest, distance = metrics.nearest_modes(x, centres, [0.1, 1.0])
    assert nearest.tolist() == [1] and distance[0] == pytest.approx(0.55)


def test_bad_inputs_are_refused_with_their_shapes():
    ring = data.ring8()
    with pytest.raises(ValueError, match=r"nearest_modes.*\(5, 3\).*\(8, 2\)"):
        metrics.mode_counts(np.zeros((5, 3)), ring.centres, ring.std)
    with pytest.raises(ValueError, match="std"):
        metrics.mode_counts(np.zeros((5, 2)), ring.centres, [1.0, 2.0])
    with pytest.raises(ValueError, match="min_count"):
        metrics.modes_captured(np.zeros((5, 2)), ring.centres, ring.std, min_count=0)
    with pytest.raises(TypeError, match="mode_metrics.*centres and std"):
        metrics.mode_metrics(np.zeros((5, 2)), data.swissroll())
