"""The Inception Score of generated samples from a classifier's class probabilities.

    IS = exp( E_x KL(p(y|x) || p(y)) ),   p(y) = E_x p(y|x)     (Salimans et al. 2016, Section 4)

High when each sample is classified confidently (p(y|x) peaked) and the
classes are used evenly (p(y) flat): between 1 (every sample gets the same
prediction) and the number of classes K (confident, evenly spread). As in
the reference implementation, the samples are cut into ``splits`` consecutive
parts, the score is computed on each, and their mean and standard deviation
(ddof = 0) are reported.
"""
import numpy

from .checks import as_matrix
from .estimate import Estimate


def inception_score(probabilities, splits=10, tolerance=1e-3):
    """Estimate(mean, std) of exp(mean_x sum_y p(y|x) log(p(y|x) / p(y))) over ``splits`` parts.

    ``probabilities`` is (n, K), rows non-negative and summing to 1 within
    ``tolerance`` (softmax outputs, not logits). 0 log 0 counts as 0.
    """
    p = as_matrix(probabilities, "inception_score", "probabilities")
    if numpy.any(p < 0) or numpy.any(numpy.abs(p.sum(axis=1) - 1) > tolerance):
        raise ValueError("inception_score: each row must be a probability vector (non-negative, "
                         "summing to 1); apply a softmax to the classifier's logits first")
    if not 1 <= splits <= len(p):
        raise ValueError(f"inception_score: splits must be between 1 and the {len(p)} samples, "
                         f"got {splits}")
    scores = []
    for part in numpy.array_split(p, splits):
        marginal = part.mean(axis=0)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            terms = numpy.where(part > 0, part * (numpy.log(part) - numpy.log(marginal)), 0.0)
        scores.append(numpy.exp(terms.sum(axis=1).mean()))
    return Estimate(float(numpy.mean(scores)), float(numpy.std(scores)))
