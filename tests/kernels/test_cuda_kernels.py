"""CUDA kernels against the CPU kernels (skipped without CuPy and a GPU)."""
import numpy
import pytest

cupy = pytest.importorskip("cupy")
try:
    if cupy.cuda.runtime.getDeviceCount() < 1:
        pytest.skip("no CUDA device", allow_module_level=True)
except cupy.cuda.runtime.CUDARuntimeError:
    pytest.skip("CUDA runtime not usable", allow_module_level=True)

import tinygan as tg                                    # noqa: E402
import tinygan.functional as F                          # noqa: E402
from tinygan.kernels import conv, norm                  # noqa: E402
from tinygan.kernels.conv import ConvGeometry           # noqa: E402

CASES = [  # (n, c, size, o, kernel, stride, padding, dilation)
    (2, 3, (7, 6), 4, (3, 2), (2, 1), (1, 2), (1, 2)),
    (3, 16, (8, 8), 8, (4, 4), (2, 2), (1, 1), (1, 1)),
    (2, 5, (4, 4), 1, (4, 4), (1, 1), (0, 0), (1, 1)),
]


def _geometry(size, kernel, stride, padding, dilation):
    out = conv.conv_output_size(size, kernel, stride, padding, dilation)
    return ConvGeometry(kernel, stride, padding, dilation, size, out)


@pytest.mark.parametrize("dtype,tol", [(numpy.float64, 1e-10), (numpy.float32, 1e-4)])
@pytest.mark.parametrize("case", CASES)
def test_conv_family_matches_cpu(dtype, tol, case):
    n, c, size, o, kernel, stride, padding, dilation = case
    g = _geometry(size, kernel, stride, padding, dilation)
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((n, c) + size).astype(dtype)
    w = rng.standard_normal((o, c) + kernel).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    y_cpu, _ = conv.conv2d(x, w, b, g)
    y_gpu, cols = conv.conv2d(cupy.asarray(x), cupy.asarray(w), cupy.asarray(b), g)
    numpy.testing.assert_allclose(cupy.asnumpy(y_gpu), y_cpu, rtol=tol, atol=tol)
    gy = rng.standard_normal(y_cpu.shape).astype(dtype)
    numpy.testing.assert_allclose(
        cupy.asnumpy(conv.conv2d_weight_grad(cupy.asarray(x), cupy.asarray(gy), g, cols)),
        conv.conv2d_weight_grad(x, gy, g), rtol=tol, atol=tol)
    numpy.testing.assert_allclose(
        cupy.asnumpy(conv.conv_transpose2d(cupy.asarray(gy), cupy.asarray(w), None, g)),
        conv.conv_transpose2d(gy, w, None, g), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [(numpy.float64, 1e-10), (numpy.float32, 1e-4)])
def test_batch_norm_matches_cpu(dtype, tol):
    rng = numpy.random.default_rng(1)
    x = (rng.standard_normal((4, 3, 10)) + 2).astype(dtype)
    gamma, beta = rng.uniform(0.5, 1.5, 3).astype(dtype), rng.standard_normal(3).astype(dtype)
    cpu = norm.batch_norm_forward(x, gamma, beta, 1e-5)
    gpu = norm.batch_norm_forward(*(cupy.asarray(a) for a in (x, gamma, beta)), 1e-5)
    for a, b in zip(gpu, cpu):
        numpy.testing.assert_allclose(cupy.asnumpy(a), b, rtol=tol, atol=tol)
    gy = rng.standard_normal(x.shape).astype(dtype)
    inv = 1 / numpy.sqrt(cpu[2] + 1e-5)
    cpu_b = norm.batch_norm_backward(gy, x, cpu[1], inv, gamma)
    gpu_b = norm.batch_norm_backward(cupy.asarray(gy), cupy.asarray(x), gpu[1],
                                     1 / cupy.sqrt(gpu[2] + 1e-5), cupy.asarray(gamma))
    for a, b in zip(gpu_b, cpu_b):
        numpy.testing.assert_allclose(cupy.asnumpy(a), b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [(numpy.float64, 1e-10), (numpy.float32, 1e-4)])
def test_layer_norm_matches_cpu(dtype, tol):
    rng = numpy.random.default_rng(3)
    x = rng.standard_normal((4, 3, 2, 5)).astype(dtype)
    w = rng.uniform(0.5, 1.5, (3, 2, 5)).astype(dtype)
    b = rng.standard_normal((3, 2, 5)).astype(dtype)
    cpu = norm.layer_norm_forward(x, w, b, 3, 1e-5)
    gpu = norm.layer_norm_forward(*(cupy.asarray(a) for a in (x, w, b)), 3, 1e-5)
    for a, r in zip(gpu, cpu):
        numpy.testing.assert_allclose(cupy.asnumpy(a), r, rtol=tol, atol=tol)
    gy = rng.standard_normal(x.shape).astype(dtype)
    cpu_b = norm.layer_norm_backward(gy, x, cpu[1], cpu[2], w, 3)
    gpu_b = norm.layer_norm_backward(cupy.asarray(gy), cupy.asarray(x), gpu[1], gpu[2],
                                     cupy.asarray(w), 3)
    for a, r in zip(gpu_b, cpu_b):
        numpy.testing.assert_allclose(cupy.asnumpy(a), r, rtol=tol, atol=tol)


def test_ops_on_cuda_match_cpu_to_second_order():
    rng = numpy.random.default_rng(2)
    arrays = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))

    def grads(device):
        x, w = (tg.tensor(a, requires_grad=True, device=device) for a in arrays)
        y = F.batch_norm(F.conv2d(x, w, stride=2, padding=1), None, None, training=True)
        y = F.layer_norm(y, y.shape[1:])
        gx, gw = tg.grad((y * y * y).sum(), [x, w], create_graph=True)
        return [t.numpy() for t in tg.grad((gx * gx).sum() + (gw * gw).sum(), [x, w])]

    for a, b in zip(grads("cuda"), grads("cpu")):
        numpy.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
