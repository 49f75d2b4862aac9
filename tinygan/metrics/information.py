"""Mutual information between two discrete labelings of the same samples (nats).

    discrete_mutual_information(codes, digits)     # I(C; D) from paired int labels

The plug-in estimate from the joint histogram,

    I(X; Y) = sum_{x, y} p(x, y) log( p(x, y) / (p(x) p(y)) ),

which is 0 for independent labels and H(X) = log K when Y determines X and X
is uniform over K values. With n samples it overestimates by about
(K_x - 1)(K_y - 1) / (2 n) (Miller 1955), 0.008 nats for 10 x 10 values and
5,000 samples. InfoGAN's demos use it to say which digit a categorical code
sets.
"""
import numpy


def discrete_mutual_information(x, y):
    """I(X; Y) in nats from paired non-negative int labels x, y (n,): the plug-in estimate
    sum p(x, y) log(p(x, y) / (p(x) p(y))) over the joint histogram."""
    x, y = numpy.asarray(x), numpy.asarray(y)
    if x.ndim != 1 or x.shape != y.shape or x.dtype.kind not in "iu" or y.dtype.kind not in "iu":
        raise ValueError(f"discrete_mutual_information: expects two int label arrays of one "
                         f"shape (n,), got {x.dtype} {x.shape} and {y.dtype} {y.shape}")
    if x.size == 0 or x.min() < 0 or y.min() < 0:
        raise ValueError("discrete_mutual_information: expects at least one sample and labels "
                         ">= 0")
    joint = numpy.zeros((x.max() + 1, y.max() + 1))
    numpy.add.at(joint, (x, y), 1.0)
    joint /= x.size
    product = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    seen = joint > 0
    # the plug-in sum is >= 0; rounding can leave -1e-17 for independent labels
    return max(0.0, float(numpy.sum(joint[seen] * numpy.log(joint[seen] / product[seen]))))
