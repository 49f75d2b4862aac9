"""Spectral norm: the estimate converges to the SVD's largest singular value, and
gradients through sigma(W) match finite differences at first and second order."""
import numpy
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.testing import gradcheck, gradgradcheck


def test_sigma_estimate_converges_to_largest_singular_value():
    layer = nn.utils.spectral_norm(nn.Linear(6, 5))
    for _ in range(50):
        layer(tg.randn(2, 6))
    w = layer.weight_orig.numpy()
    sigma_svd = numpy.linalg.svd(w, compute_uv=False)[0]
    u, v = layer.weight_u.numpy(), layer.weight_v.numpy()
    numpy.testing.assert_allclose(u @ w @ v, sigma_svd, rtol=1e-4)
    numpy.testing.assert_allclose(numpy.linalg.svd(layer.weight.numpy(), compute_uv=False)[0],
                                  1.0, rtol=1e-4)


def test_names_match_pytorch_and_eval_freezes_u():
    layer = nn.utils.spectral_norm(nn.Linear(3, 4))
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    assert set(layer.state_dict()) == {"bias", "weight_orig", "weight_u", "weight_v"}
    layer.eval()
    u = layer.weight_u.numpy().copy()
    layer(tg.randn(2, 3))
    numpy.testing.assert_array_equal(u, layer.weight_u.numpy())
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        nn.utils.spectral_norm(nn.Linear(2, 2), name="kernel")


def test_gradients_through_sigma_first_and_second_order():
    layer = nn.utils.spectral_norm(nn.Linear(4, 3, dtype="float64"))
    layer(tg.randn(1, 4, dtype="float64"))           # one power iteration: u, v fixed below
    layer.eval()
    x = tg.randn(2, 4, dtype="float64")
    w0 = tg.tensor(layer.weight_orig.numpy(), requires_grad=True)

    def f(w):
        object.__setattr__(layer, "weight_orig", w)
        return tg.tanh(layer(x))

    assert gradcheck(f, [w0]) and gradgradcheck(f, [w0])


def test_transposed_conv_uses_the_output_channel_axis_like_pytorch():
    layer = nn.utils.spectral_norm(nn.ConvTranspose2d(3, 5, 2))
    assert layer.weight_u.shape == (5,) and layer.weight_v.shape == (3 * 2 * 2,)
    for _ in range(60):
        layer(tg.randn(1, 3, 2, 2))
    w = layer.weight_orig.numpy().transpose(1, 0, 2, 3).reshape(5, -1)
    numpy.testing.assert_allclose(layer.weight_u.numpy() @ w @ layer.weight_v.numpy(),
                                  numpy.linalg.svd(w, compute_uv=False)[0], rtol=1e-4)
