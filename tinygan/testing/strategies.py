"""Hypothesis strategies for property tests of ops: shapes, broadcastable
shape pairs, and well-conditioned float64 arrays. Reuse them in your own tests:

    from hypothesis import given
    from tinygan.testing import strategies as tst

    @given(tst.arrays(tst.shapes()))
    def test_my_op(x): ...
"""
import numpy
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes with small sides (gradient checks cost one forward pass per element)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(max_dims=3, max_side=4):
    """Pairs of shapes that broadcast together, size-1 axes and missing axes on either side."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             max_side=max_side).map(lambda r: r.input_shapes)


def arrays(shape, low=-2.0, high=2.0, away_from=None, margin=0.1):
    """float64 arrays with values in [low, high].

    ``away_from``: a value (or list of values) every element keeps at least
    ``margin`` away from, so kinks (0 for relu/abs) and poles (0 for 1/x, log)
    are not straddled by a finite difference.
    """
    if not isinstance(shape, st.SearchStrategy):
        shape = st.just(tuple(shape))
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    points = () if away_from is None else numpy.atleast_1d(away_from)
    if len(points):
        elements = elements.filter(lambda v: all(abs(v - p) >= margin for p in points))
    return shape.flatmap(lambda s: hnp.arrays(numpy.float64, s, elements=elements))


def positive_arrays(shape, low=0.2, high=3.0):
    """float64 arrays with values in [low, high] (for log, sqrt, division)."""
    return arrays(shape, low=low, high=high)


def distinct_arrays(shape, low=-2.0, high=2.0, gap=0.05):
    """float64 arrays whose elements differ pairwise by at least ``gap`` (for max/min/sort)."""
    if not isinstance(shape, st.SearchStrategy):
        shape = st.just(tuple(shape))

    def build(s):
        size = int(numpy.prod(s)) if len(s) else 1
        grid = numpy.arange(low, high, gap)
        return st.permutations(list(grid)).map(lambda v: numpy.array(v[:size]).reshape(s)) \
            if size <= len(grid) else st.nothing()
    return shape.flatmap(build)
