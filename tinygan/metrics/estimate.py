"""The (mean, std) pair that the subset-averaged metrics (KID, Inception Score) return."""
from typing import NamedTuple


class Estimate(NamedTuple):
    """A metric averaged over subsets or splits: its mean and the standard deviation across them."""
    mean: float
    std: float
