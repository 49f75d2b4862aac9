"""Every op family runs on every available device and agrees with the CPU."""
import numpy
import pytest

import tinygan as tg
import tinygan.functional as F

rng = numpy.random.default_rng(0)
A, B = rng.standard_normal((3, 4)), rng.standard_normal((4,)) + 3.0

CASES = {
    "elementwise": lambda a, b: (tg.sigmoid(a) * tg.softplus(b) / b + tg.exp(a).sin() - a.abs()
                                 + tg.leaky_relu(a, 0.1) + tg.clip(a, -0.5, 0.5) + tg.maximum(a, b)),
    "reduce": lambda a, b: tg.logsumexp(a, axis=1).sum() + a.var(axis=0).mean() + a.max() * b.min(),
    "shape": lambda a, b: tg.concatenate([a[[0, 0]], a.T[:2] @ tg.ones(3, 4, dtype=a.dtype)])
    .reshape(-1) * tg.pad(b, 2).broadcast_to(4, 8).flatten()[:16],
    "linalg": lambda a, b: a @ b,
    "losses": lambda a, b: F.cross_entropy(a, tg.tensor([0, 3, 1])) + F.mse_loss(a[0], b)
    + F.binary_cross_entropy_with_logits(a, tg.zeros_like(a)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_ops_agree_with_cpu_to_second_order(case, device):
    fn = CASES[case]

    def run(dev):
        a = tg.tensor(A, requires_grad=True, device=dev)
        b = tg.tensor(B, requires_grad=True, device=dev)
        y = fn(a, b).sum()
        ga, gb = tg.grad(y, [a, b], create_graph=True)
        (gga,) = tg.grad((ga * ga).sum() + (gb * gb).sum(), a, allow_unused=True)
        assert y.device == dev and ga.device == dev
        return [t.numpy() if t is not None else None for t in (y, ga, gb, gga)]

    for got, want in zip(run(device), run("cpu")):
        if want is None:
            assert got is None
        else:
            numpy.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
