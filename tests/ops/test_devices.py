"""Every op family runs on CUDA and agrees with the CPU, to second order.

Each case builds its output from float64 leaves on one device; the value,
the gradients and the gradient of the squared gradient norm (a double
backward, as WGAN-GP and R1 take it) must match the CPU's. Skipped without
CuPy and a GPU.
"""
import numpy
import pytest

import tinygan as tg
import tinygan.functional as F
from tinygan.nn.progressive import minibatch_stddev, pixel_norm
from tinygan.nn.style import modulated_conv2d

pytestmark = pytest.mark.skipif(not tg.cuda_available(), reason="CUDA needs CuPy and an NVIDIA GPU")

rng = numpy.random.default_rng(0)
A, B = rng.standard_normal((3, 4)), rng.standard_normal((4,)) + 3.0
IMAGES, KERNEL = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3))
SCALE, STYLES = rng.standard_normal(3) + 2.0, rng.standard_normal((2, 3)) + 1.5

CASES = {
    "elementwise": ((A, B), lambda a, b: (
        tg.sigmoid(a) * tg.softplus(b) / b + tg.exp(a).sin() - a.abs() + tg.leaky_relu(a, 0.1)
        + tg.clip(a, -0.5, 0.5) + tg.maximum(a, b))),
    "reduce": ((A, B), lambda a, b: (
        tg.logsumexp(a, axis=1).sum() + a.var(axis=0).mean() + a.max() * b.min())),
    "shape": ((A, B), lambda a, b: (
        tg.concatenate([a[[0, 0]], a.T[:2] @ tg.ones(3, 4, dtype=a.dtype, device=a.device)]).reshape(-1)
        * tg.pad(b, 2).broadcast_to(4, 8).flatten()[:16])),
    "linalg": ((A, B), lambda a, b: a @ b),
    "losses": ((A, B), lambda a, b: (
        F.cross_entropy(a, tg.tensor([0, 3, 1])) + F.mse_loss(a[0], b)
        + F.binary_cross_entropy_with_logits(a, tg.zeros_like(a)))),
    "conv2d": ((IMAGES, KERNEL), lambda x, w: tg.tanh(
        F.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2)))),
    "conv_transpose2d": ((IMAGES, KERNEL.transpose(1, 0, 2, 3)), lambda x, w: tg.tanh(
        F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1))),
    "batch_norm": ((IMAGES, SCALE), lambda x, g: F.batch_norm(
        x * x, None, None, g, -g, training=True) ** 3),
    "layer_norm": ((IMAGES, SCALE), lambda x, g: F.layer_norm(
        x * g.reshape(1, 3, 1, 1), (3, 6, 5)) ** 3),
    "pool_and_resize": ((IMAGES, SCALE), lambda x, g: (
        F.avg_pool2d(x * x, 2) * g.reshape(1, 3, 1, 1)).sum() * F.interpolate(
        x, scale_factor=2, mode="bilinear") ** 2),
    "pixel_norm_and_minibatch_std": ((IMAGES, SCALE), lambda x, g: minibatch_stddev(
        pixel_norm(x * g.reshape(1, 3, 1, 1))) ** 3),
    "modulated_conv2d": ((IMAGES, STYLES), lambda x, s: modulated_conv2d(
        x, tg.tensor(KERNEL, device=x.device), s, padding=1) ** 2),
}


def _run(case, device):
    arrays, fn = CASES[case]
    leaves = [tg.tensor(a, requires_grad=True, device=device) for a in arrays]
    y = fn(*leaves).sum()
    grads = tg.grad(y, leaves, create_graph=True)
    energy = sum((g * g).sum() for g in grads)
    second = tg.grad(energy, leaves, allow_unused=True)
    assert y.device == device and all(g.device == device for g in grads)
    return [t.numpy() if t is not None else None for t in (y, *grads, *second)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_ops_agree_with_cpu_to_second_order(case):
    for got, want in zip(_run(case, "cuda"), _run(case, "cpu")):
        if want is None:
            assert got is None
        else:
            numpy.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
