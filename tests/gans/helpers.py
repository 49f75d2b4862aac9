"""Small fixed distributions and sample_real functions for the variant tests."""
import numpy as np

import tinygan as tg


class Gaussian:
    """N(mean, std^2) in d dimensions, sampled with the caller's Generator."""

    def __init__(self, mean, std, dim=1):
        self.mean, self.std, self.dim = mean, std, dim

    def sample(self, n, rng):
        return self.mean + self.std * rng.standard_normal((n, self.dim))


def fixed_batches(*batches):
    """sample_real that returns the given arrays in turn (checking the size asked for)."""
    queue = list(batches)

    def sample_real(m):
        batch = queue.pop(0)
        assert len(batch) == m
        return tg.tensor(batch, dtype=tg.default_dtype())
    return sample_real


def counting_sampler(dim=2, seed=0):
    """sample_real drawing N(0, I) samples that counts its calls in ``.calls``."""
    rng = np.random.default_rng(seed)

    def sample_real(m):
        sample_real.calls += 1
        return tg.tensor(rng.standard_normal((m, dim)), dtype=tg.default_dtype())
    sample_real.calls = 0
    return sample_real


def queue(*items):
    """A function returning ``items`` one call at a time (fixes the noise a step draws)."""
    items = list(items)
    return lambda *args: items.pop(0)
