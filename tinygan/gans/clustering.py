"""k-means on feature vectors, for the self-conditioned GAN (``selfcond``).

Lloyd's algorithm (Lloyd 1982) alternates two steps on points f_1..f_n and
centroids mu_1..mu_k until the assignment stops changing:

    assign   c_i = argmin_j ||f_i - mu_j||^2
    update   mu_j = mean of the f_i with c_i = j     (a cluster left empty keeps its mu_j)

Each step lowers the within-cluster sum of squares sum_i ||f_i - mu_{c_i}||^2.
The first centroids come from k-means++ seeding (Arthur & Vassilvitskii,
"k-means++: The Advantages of Careful Seeding", SODA 2007): the first is a
uniformly drawn point, each next one a point drawn with probability
proportional to its squared distance to the nearest centroid chosen so far.

All functions take and return NumPy arrays, computing in the points' own
float dtype (float32 features cost half the time of float64 ones);
distances are ||f||^2 - 2 f . mu + ||mu||^2, one matrix product per step.
"""
import numpy


def _as_points(features, name):
    points = numpy.asarray(features)
    if points.dtype.kind != "f":
        points = points.astype(numpy.float64)
    if points.ndim != 2 or points.shape[0] == 0:
        raise ValueError(f"{name}: features must be a non-empty (n, d) array, got shape "
                         f"{points.shape}")
    return points


def squared_distances(features, centroids):
    """(n, k) array of ||f_i - mu_j||^2 for features (n, d) and centroids (k, d)."""
    points = _as_points(features, "squared_distances")
    centres = _as_points(centroids, "squared_distances")
    if centres.shape[1] != points.shape[1]:
        raise ValueError(f"squared_distances: features have {points.shape[1]} dimensions, "
                         f"centroids {centres.shape[1]}")
    centres = centres.astype(points.dtype, copy=False)
    distances = ((points * points).sum(axis=1)[:, None] - 2 * points @ centres.T
                 + (centres * centres).sum(axis=1)[None, :])
    return numpy.maximum(distances, 0.0)


def nearest_centroid(features, centroids):
    """c_i = argmin_j ||f_i - mu_j||^2: the index (int64) of each point's nearest centroid."""
    return squared_distances(features, centroids).argmin(axis=1).astype(numpy.int64)


def kmeans_plus_plus(features, k, rng):
    """k initial centroids (k, d) drawn from the points by k-means++ seeding, with the NumPy
    Generator ``rng``."""
    points = _as_points(features, "kmeans_plus_plus")
    if not 1 <= k <= points.shape[0]:
        raise ValueError(f"kmeans_plus_plus: k must lie in [1, {points.shape[0]}] (the number "
                         f"of points), got {k}")
    norms = (points * points).sum(axis=1)

    def to_point(i):
        return numpy.maximum(norms - 2 * points @ points[i] + norms[i], 0.0)
    chosen = [int(rng.integers(points.shape[0]))]
    nearest = to_point(chosen[0]).astype(numpy.float64)
    for _ in range(1, k):
        total = nearest.sum()
        pick = int(rng.choice(points.shape[0], p=nearest / total)) if total > 0 \
            else int(rng.integers(points.shape[0]))
        chosen.append(pick)
        nearest = numpy.minimum(nearest, to_point(pick))
    return points[chosen].copy()


def cluster_means(features, labels, centroids):
    """Lloyd's update: a copy of ``centroids`` (k, d) in which row j becomes the mean of the
    points labelled j; a row with no points keeps its value."""
    points = _as_points(features, "cluster_means")
    centres = _as_points(centroids, "cluster_means").astype(points.dtype)
    labels = numpy.asarray(labels)
    if labels.shape != (len(points),) or labels.dtype.kind not in "iu" or (
            labels.size and not 0 <= labels.min() <= labels.max() < len(centres)):
        raise ValueError(f"cluster_means: expects one int label in [0, {len(centres)}) per "
                         f"point ({len(points)}), got {labels.dtype} {labels.shape}")
    counts = numpy.bincount(labels, minlength=len(centres))
    filled = counts > 0
    starts = numpy.cumsum(counts) - counts               # where each cluster's run begins
    members = points[numpy.argsort(labels, kind="stable")]
    centres[filled] = numpy.add.reduceat(members, starts[filled], axis=0) / counts[filled, None]
    return centres


def kmeans(features, centroids, iterations=10):
    """Lloyd's algorithm from the given centroids (k, d): at most ``iterations`` rounds of
    assign and update, stopping early when no point changes cluster.

    Returns (centroids (k, d), labels (n,) int64 of the final centroids); an empty
    cluster keeps its centroid, so cluster j keeps its index from one call to the next.
    """
    points = _as_points(features, "kmeans")
    centres = _as_points(centroids, "kmeans").astype(points.dtype)
    if iterations < 1:
        raise ValueError(f"kmeans: iterations must be >= 1, got {iterations}")
    labels = nearest_centroid(points, centres)
    for _ in range(iterations):
        centres = cluster_means(points, labels, centres)
        new_labels = nearest_centroid(points, centres)
        if numpy.array_equal(new_labels, labels):
            break
        labels = new_labels
    return centres, labels


def within_cluster_sum_of_squares(features, centroids, labels):
    """sum_i ||f_i - mu_{c_i}||^2: what each of Lloyd's steps lowers."""
    points = _as_points(features, "within_cluster_sum_of_squares").astype(numpy.float64)
    difference = points - numpy.asarray(centroids, dtype=numpy.float64)[labels]
    return float((difference * difference).sum())
