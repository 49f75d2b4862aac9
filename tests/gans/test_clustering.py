"""k-means (Lloyd's algorithm, k-means++ seeding) against brute-force computations."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tinygan.gans.clustering import (cluster_means, kmeans, kmeans_plus_plus, nearest_centroid,
                                     squared_distances, within_cluster_sum_of_squares)


def blobs(rng, centres, per_blob=30, std=0.05):
    """Points around each centre, and the index of the centre each came from."""
    centres = np.asarray(centres, dtype=float)
    truth = np.repeat(np.arange(len(centres)), per_blob)
    return centres[truth] + std * rng.standard_normal((len(truth), centres.shape[1])), truth


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 5), d=st.integers(1, 4), seed=st.integers(0, 99))
def test_distances_and_nearest_centroid_match_brute_force(n, k, d, seed):
    rng = np.random.default_rng(seed)
    points, centres = rng.normal(size=(n, d)), rng.normal(size=(k, d))
    brute = np.array([[((p - c) ** 2).sum() for c in centres] for p in points])
    np.testing.assert_allclose(squared_distances(points, centres), brute, atol=1e-10)
    assert nearest_centroid(points, centres).tolist() == brute.argmin(axis=1).tolist()


def test_lloyd_finds_separated_blobs_and_keeps_the_starting_order():
    rng = np.random.default_rng(0)
    true_centres = [[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]]
    points, truth = blobs(rng, true_centres)
    start = np.array(true_centres)[[2, 0, 1]] + 0.5        # cluster j starts near centre order[j]
    centres, labels = kmeans(points, start, iterations=20)
    assert labels.tolist() == [[1, 2, 0][t] for t in truth]
    np.testing.assert_allclose(centres, np.array(true_centres)[[2, 0, 1]], atol=0.05)


def test_each_round_of_lloyd_lowers_the_within_cluster_sum_of_squares():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(200, 3))
    centres = kmeans_plus_plus(points, 6, np.random.default_rng(2))
    costs = []
    for _ in range(8):
        centres, labels = kmeans(points, centres, iterations=1)
        costs.append(within_cluster_sum_of_squares(points, centres, labels))
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(costs))
    assert costs[-1] < costs[0]


def test_an_empty_cluster_keeps_its_centroid():
    points = np.array([[0.0], [0.1], [1.0], [1.1]])
    start = np.array([[0.0], [1.0], [50.0]])
    centres, labels = kmeans(points, start)
    np.testing.assert_allclose(centres.ravel(), [0.05, 1.05, 50.0])
    assert labels.tolist() == [0, 0, 1, 1]


def test_cluster_means_move_each_filled_row_to_its_points_mean():
    points = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 10.0], [4.0, 5.0]])
    start = np.array([[9.0, 9.0], [-1.0, -1.0], [7.0, 7.0]])
    means = cluster_means(points, np.array([0, 0, 2, 0]), start)
    np.testing.assert_allclose(means, [[2.0, 3.0], [-1.0, -1.0], [10.0, 10.0]])
    np.testing.assert_array_equal(start, [[9.0, 9.0], [-1.0, -1.0], [7.0, 7.0]])   # a copy
    with pytest.raises(ValueError, match=r"cluster_means: expects one int label in \[0, 3\)"):
        cluster_means(points, np.array([0, 1, 3, 0]), start)
    with pytest.raises(ValueError, match="cluster_means: expects one int label"):
        cluster_means(points, np.array([0, 1]), start)


def test_kmeans_plus_plus_draws_distinct_points_of_the_data():
    rng = np.random.default_rng(3)
    points, _ = blobs(rng, [[0.0], [10.0], [20.0]], per_blob=5)
    centres = kmeans_plus_plus(points, 3, np.random.default_rng(4))
    assert all(any(np.array_equal(c, p) for p in points) for c in centres)
    # the seeding favours far points: one seed lands in each of three far-apart blobs
    assert sorted(np.round(centres.ravel() / 10).astype(int).tolist()) == [0, 1, 2]
    everything = kmeans_plus_plus(points, len(points), np.random.default_rng(5))
    assert len({tuple(c) for c in everything}) == len(points)


def test_bad_input_is_refused_with_the_function_named():
    with pytest.raises(ValueError, match=r"kmeans_plus_plus: k must lie in \[1, 2\]"):
        kmeans_plus_plus(np.zeros((2, 3)), 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="kmeans: features must be a non-empty"):
        kmeans(np.zeros(4), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="squared_distances: features have 3 dimensions, "
                                         "centroids 2"):
        nearest_centroid(np.zeros((4, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="kmeans: iterations must be >= 1"):
        kmeans(np.zeros((4, 1)), np.zeros((1, 1)), iterations=0)
