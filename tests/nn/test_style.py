"""Modulated convolution against a direct per-sample computation, noise injection, the
mapping network; second derivatives of the modulated convolution."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygan as tg
from tinygan.nn.style import MappingNetwork, ModulatedConv2d, NoiseInjection, modulated_conv2d
from tinygan.testing import gradcheck, gradgradcheck
from tinygan.testing.strategies import arrays

RNG = np.random.default_rng(0)


pytestmark = pytest.mark.usefixtures("float64")


def direct_conv(x, w):
    """Plain loops, same padding: y[o, a, b] = sum_{i,u,v} x_pad[i, a+u, b+v] w[o, i, u, v]."""
    k = w.shape[-1]
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    h, wd = x.shape[1:]
    y = np.zeros((w.shape[0], h, wd))
    for o in range(w.shape[0]):
        for a in range(h):
            for b in range(wd):
                y[o, a, b] = (xp[:, a:a + k, b:b + k] * w[o]).sum()
    return y


def per_sample_reference(x, weight, styles, demodulate, eps=1e-8):
    """One conv per sample: w'_ijk = s_i w_ijk, w''_ijk = w'_ijk / sqrt(sum_ik w'_ijk^2 + eps)."""
    out = []
    for n in range(len(x)):
        w1 = weight * styles[n][None, :, None, None]
        if demodulate:
            w1 = w1 / np.sqrt((w1 ** 2).sum(axis=(1, 2, 3), keepdims=True) + eps)
        out.append(direct_conv(x[n], w1))
    return np.stack(out)


@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv_matches_per_sample_weights(demodulate):
    x, w = RNG.standard_normal((3, 2, 4, 4)), RNG.standard_normal((3, 2, 3, 3))
    s = RNG.standard_normal((3, 2))
    got = modulated_conv2d(tg.tensor(x), tg.tensor(w), tg.tensor(s), demodulate, padding=1)
    np.testing.assert_allclose(got.numpy(), per_sample_reference(x, w, s, demodulate), rtol=1e-10)


def test_demodulation_gives_unit_output_scale():
    x = RNG.standard_normal((4, 16, 8, 8))
    w, s = RNG.standard_normal((8, 16, 3, 3)), 5 * RNG.standard_normal((4, 16))
    y = modulated_conv2d(tg.tensor(x), tg.tensor(w), tg.tensor(s), True, padding=1).numpy()
    assert 0.6 < y[:, :, 1:-1, 1:-1].std() < 1.4      # eq. 2: unit input -> unit output


def test_layer_uses_affine_styles_and_upsamples():
    layer = ModulatedConv2d(2, 3, 3, style_dim=4, upsample=True)
    x, wv = RNG.standard_normal((2, 2, 2, 2)), RNG.standard_normal((2, 4))
    s = layer.affine(tg.tensor(wv)).numpy()
    # bilinear doubling of a 2x2 image: each axis (a, b) -> (a, (3a + b) / 4, (a + 3b) / 4, b)
    blend = np.array([[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])
    up = np.einsum("ai,ncij,bj->ncab", blend, x, blend)
    expected = per_sample_reference(up, layer.weight.numpy() * layer.scale, s, True)
    np.testing.assert_allclose(layer(tg.tensor(x), tg.tensor(wv)).numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(layer.affine.bias.numpy(), 1.0)


def test_modulated_conv_differentiates_twice():
    x = tg.tensor(RNG.standard_normal((2, 2, 3, 3)), requires_grad=True)
    w = tg.tensor(RNG.standard_normal((2, 2, 3, 3)), requires_grad=True)
    s = tg.tensor(RNG.standard_normal((2, 2)), requires_grad=True)
    fn = lambda x, w, s: modulated_conv2d(x, w, s, True, padding=1)  # noqa: E731
    assert gradcheck(fn, [x, w, s]) and gradgradcheck(fn, [x, w, s])


def test_noise_injection_adds_scaled_noise():
    layer = NoiseInjection(2)
    layer.weight.data[...] = [0.5, -2.0]
    x, noise = RNG.standard_normal((1, 2, 2, 2)), RNG.standard_normal((1, 1, 2, 2))
    got = layer(tg.tensor(x), tg.tensor(noise)).numpy()
    np.testing.assert_allclose(got, x + np.array([0.5, -2.0])[None, :, None, None] * noise)
    tg.manual_seed(0)
    a = layer(tg.tensor(x)).numpy()
    assert not np.allclose(a, x)


def test_noise_injection_with_one_strength_per_layer():
    layer = NoiseInjection(3, per_channel=False)
    assert layer.weight.shape == (1,)
    layer.weight.data[...] = 0.25
    x, noise = RNG.standard_normal((2, 3, 2, 2)), RNG.standard_normal((2, 1, 2, 2))
    got = layer(tg.tensor(x), tg.tensor(noise)).numpy()
    np.testing.assert_allclose(got, x + 0.25 * noise)


@settings(max_examples=10, deadline=None)
@given(st.booleans(), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.data())
def test_noise_injection_gradients_in_x_and_the_strengths(per_channel, n, c, hw, data):
    layer = NoiseInjection(c, per_channel=per_channel)
    layer.weight.data[...] = data.draw(arrays(layer.weight.shape))
    noise = tg.tensor(data.draw(arrays((n, 1, hw, hw))))
    x = tg.tensor(data.draw(arrays((n, c, hw, hw))), requires_grad=True)
    # the strengths are perturbed in place by the checks: the layer's own parameter is an input
    fn = lambda x, strength: layer(x, noise) * layer(x, noise)   # noqa: E731
    assert gradcheck(fn, [x, layer.weight]) and gradgradcheck(fn, [x, layer.weight])


def test_mapping_network_pixel_normalises_then_applies_equalised_layers():
    net = MappingNetwork(3, 4, n_layers=2, lr_mul=0.01)
    z = RNG.standard_normal((2, 3))
    h = z / np.sqrt((z ** 2).mean(axis=1, keepdims=True) + 1e-8)
    for fc in (net.fc0, net.fc1):
        h = h @ (fc.weight.numpy() * fc.scale).T + fc.bias.numpy() * 0.01
        h = np.where(h > 0, h, 0.2 * h)
    np.testing.assert_allclose(net(tg.tensor(z)).numpy(), h, rtol=1e-10)
    assert net(tg.tensor(z * 7)).numpy() == pytest.approx(net(tg.tensor(z)).numpy())
