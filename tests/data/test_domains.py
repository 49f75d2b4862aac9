"""Unpaired domain pairs: the transforms by hand, the split, sampling, the named pairs."""
import numpy as np
import pytest

from tinygan.data import domains


def dot_image(size=5, at=(2, 2)):
    """One (1, 1, size, size) image of paper (-1) with a single ink pixel (+1)."""
    image = -np.ones((1, 1, size, size), dtype=np.float32)
    image[0, 0][at] = 1
    return image


def test_invert_swaps_ink_and_paper_and_is_its_own_inverse():
    images = np.random.default_rng(0).uniform(-1, 1, (3, 1, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(domains.invert(images), -images)
    np.testing.assert_array_equal(domains.invert(domains.invert(images)), images)


def test_thicken_grows_a_dot_into_a_cross_and_thin_shrinks_it_back():
    cross = -np.ones((5, 5), dtype=np.float32)
    cross[2, 1:4] = cross[1:4, 2] = 1
    thick = domains.thicken(dot_image())
    np.testing.assert_array_equal(thick[0, 0], cross)
    np.testing.assert_array_equal(domains.thin(thick), dot_image())


def test_transforms_at_the_border_only_look_inside_the_image():
    corner = domains.thicken(dot_image(at=(0, 0)))[0, 0]
    assert corner[0, 0] == corner[0, 1] == corner[1, 0] == 1 and (corner == 1).sum() == 3
    full = np.ones((1, 1, 3, 3), dtype=np.float32)
    np.testing.assert_array_equal(domains.thin(full), full)  # no paper beyond the edge


def test_make_pair_splits_disjoint_halves_deterministically():
    images = np.random.default_rng(1).uniform(-1, 1, (11, 1, 4, 4)).astype(np.float32)
    labels = np.arange(11)
    pair = domains.make_pair(images, "invert", seed=3, labels=labels)
    again = domains.make_pair(images, "invert", seed=3, labels=labels)
    np.testing.assert_array_equal(pair.x, again.x)
    np.testing.assert_array_equal(pair.y, again.y)
    assert len(pair.x) == 5 and len(pair.y) == 6 and pair.shape == (1, 4, 4)
    assert set(pair.labels_x) | set(pair.labels_y) == set(labels)
    assert not set(pair.labels_x) & set(pair.labels_y)
    np.testing.assert_array_equal(pair.x, images[pair.labels_x])
    np.testing.assert_array_equal(pair.y, -images[pair.labels_y])
    other = domains.make_pair(images, "invert", seed=4, labels=labels)
    assert set(other.labels_x) != set(pair.labels_x)
    assert pair.x.dtype == pair.y.dtype == np.float32


def test_sample_draws_independent_unpaired_batches():
    images = np.random.default_rng(2).uniform(-1, 1, (40, 1, 4, 4)).astype(np.float32)
    pair = domains.make_pair(images, "thicken", seed=0)
    x, y = pair.sample(7, np.random.default_rng(0))
    x2, y2 = pair.sample(7, np.random.default_rng(0))
    assert x.shape == y.shape == (7, 1, 4, 4)
    np.testing.assert_array_equal(x, x2)
    assert all(any(np.array_equal(row, r) for r in pair.x) for row in x)
    assert all(any(np.array_equal(row, r) for r in pair.y) for row in y)
    np.testing.assert_array_equal(pair.truth(x), domains.thicken(x))


@pytest.mark.parametrize("transform", sorted(domains.TRANSFORMS))
def test_every_transform_keeps_values_in_range(transform):
    images = np.random.default_rng(3).uniform(-1, 1, (6, 1, 5, 5)).astype(np.float32)
    out = domains.TRANSFORMS[transform](images)
    assert out.shape == images.shape and -1 <= out.min() and out.max() <= 1


def test_named_pairs_from_the_shipped_digits():
    pair = domains.get("digits-invert", seed=0)
    assert pair.shape == (1, 8, 8) and len(pair.x) + len(pair.y) == 1797
    assert -1 <= pair.y.min() and pair.y.max() <= 1
    assert pair.x.mean() < 0 < pair.y.mean()  # mostly paper in X, mostly ink after inversion
    with pytest.raises(ValueError, match="digits-invert"):
        domains.get("digits-blur")
    with pytest.raises(ValueError, match="N, C, H, W"):
        domains.make_pair(np.zeros((3, 4, 4)), "invert")
