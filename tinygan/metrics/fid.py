"""The Fréchet distance between two sets of features (FID when the features are Inception's).

    d^2 = |m1 - m2|^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2))        (Heusel et al. 2017, eq. 6)

the squared 2-Wasserstein distance between the Gaussians N(m1, C1) and
N(m2, C2) fitted to the two feature sets. The matrix square root is taken in
a symmetric, numerically careful form: C1 C2 is not symmetric, but it has
the same eigenvalues as S C2 S with S = C1^(1/2) (a symmetric positive
semi-definite matrix), so Tr (C1 C2)^(1/2) = sum_i sqrt(lambda_i(S C2 S)),
with S and the lambda_i from symmetric eigendecompositions and rounding
negatives clipped to 0. Everything runs in float64, NumPy only.
"""
import numpy

from .checks import as_matrix


def feature_statistics(features):
    """(mean (d,), covariance (d, d)) of features (n, d); the covariance divides by n - 1."""
    features = as_matrix(features, "feature_statistics", "features", min_rows=2)
    return features.mean(axis=0), numpy.cov(features, rowvar=False).reshape(features.shape[1], -1)


def sqrtm_psd(matrix):
    """The symmetric square root V diag(sqrt(max(w, 0))) V^T of a symmetric PSD matrix (eigh)."""
    matrix = numpy.asarray(matrix, dtype=numpy.float64)
    w, v = numpy.linalg.eigh((matrix + matrix.T) / 2)
    return (v * numpy.sqrt(numpy.clip(w, 0, None))) @ v.T


def trace_sqrt_product(c1, c2):
    """Tr (C1 C2)^(1/2) = sum_i sqrt(lambda_i(S C2 S)), S = C1^(1/2), for symmetric PSD C1, C2."""
    s = sqrtm_psd(c1)
    middle = s @ numpy.asarray(c2, dtype=numpy.float64) @ s
    eigenvalues = numpy.linalg.eigvalsh((middle + middle.T) / 2)
    return float(numpy.sum(numpy.sqrt(numpy.clip(eigenvalues, 0, None))))


def frechet_distance_from_statistics(mu1, c1, mu2, c2):
    """d^2 = |mu1 - mu2|^2 + Tr C1 + Tr C2 - 2 Tr (C1 C2)^(1/2), clipped at 0 against rounding."""
    mu1, mu2 = (numpy.asarray(m, dtype=numpy.float64).reshape(-1) for m in (mu1, mu2))
    c1, c2 = (numpy.atleast_2d(numpy.asarray(c, dtype=numpy.float64)) for c in (c1, c2))
    d = len(mu1)
    if mu2.shape != (d,) or c1.shape != (d, d) or c2.shape != (d, d):
        raise ValueError(f"frechet_distance_from_statistics: means {mu1.shape}, {mu2.shape} and "
                         f"covariances {c1.shape}, {c2.shape} must be (d,) and (d, d) for one d")
    distance = (numpy.sum((mu1 - mu2) ** 2) + numpy.trace(c1) + numpy.trace(c2)
                - 2 * trace_sqrt_product(c1, c2))
    return float(max(distance, 0.0))


def frechet_distance(features_a, features_b):
    """The Fréchet distance d^2 between Gaussians fitted to features (n_a, d) and (n_b, d)."""
    features_a = as_matrix(features_a, "frechet_distance", "features_a", min_rows=2)
    features_b = as_matrix(features_b, "frechet_distance", "features_b", min_rows=2)
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(f"frechet_distance: features_a {features_a.shape} and features_b "
                         f"{features_b.shape} have different feature sizes")
    return frechet_distance_from_statistics(*feature_statistics(features_a),
                                            *feature_statistics(features_b))
