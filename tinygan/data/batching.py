"""Seeded minibatches over whole data sets, epoch by epoch.

    for images, labels in batches((data.images, data.labels), 64, rng, epochs=1):
        ...
"""
import numpy

from .seeding import as_generator


def batches(arrays, batch_size, rng, drop_last=True, epochs=None):
    """Yield minibatches of ``arrays`` (one array or a tuple/list of arrays of equal length).

    Each epoch is a fresh permutation drawn from ``rng`` (a Generator or an
    int seed), cut into consecutive slices of ``batch_size``; with
    ``drop_last`` the last, smaller slice of an epoch is skipped, otherwise it
    is yielded. ``epochs=None`` repeats forever. A single array yields arrays,
    a tuple or list yields tuples.
    """
    single = not isinstance(arrays, (tuple, list))
    group = [numpy.asarray(arrays)] if single else [numpy.asarray(a) for a in arrays]
    lengths = {len(a) for a in group}
    if not group or len(lengths) != 1:
        raise ValueError(f"batches: the arrays must have the same length, got lengths "
                         f"{[len(a) for a in group]}")
    n = lengths.pop()
    if n == 0:
        raise ValueError("batches: the arrays are empty; there is nothing to batch")
    if batch_size < 1 or (drop_last and batch_size > n):
        limit = f" and at most the {n} samples (or pass drop_last=False)" if drop_last else ""
        raise ValueError(f"batches: batch_size {batch_size} must be >= 1{limit}")
    if epochs is not None and epochs < 0:
        raise ValueError(f"batches: epochs must be None (forever) or >= 0, got {epochs}")
    rng = as_generator(rng, "batches")
    return _generate(group, n, batch_size, rng, drop_last, epochs, single)


def _generate(group, n, batch_size, rng, drop_last, epochs, single):
    epoch = 0
    while epochs is None or epoch < epochs:
        order = rng.permutation(n)
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            picked = order[start:start + batch_size]
            yield group[0][picked] if single else tuple(a[picked] for a in group)
        epoch += 1
