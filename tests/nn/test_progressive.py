"""Pixel norm, minibatch standard deviation and equalised learning rate: by hand, and
differentiable twice."""
import math

import numpy as np
import pytest

import tinygan as tg
from tinygan.nn.progressive import (EqualConv2d, EqualLinear, MinibatchStdDev, PixelNorm,
                                    minibatch_stddev, pixel_norm)
from tinygan.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


pytestmark = pytest.mark.usefixtures("float64")


def test_pixel_norm_by_hand():
    a = RNG.standard_normal((2, 3, 2, 2))
    expected = a / np.sqrt((a ** 2).mean(axis=1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(PixelNorm()(tg.tensor(a)).numpy(), expected, rtol=1e-12)
    out = pixel_norm(tg.tensor(a)).numpy()
    np.testing.assert_allclose((out ** 2).mean(axis=1), 1.0, rtol=1e-6)


def test_minibatch_stddev_by_hand():
    x = RNG.standard_normal((3, 2, 2, 2))
    s = np.sqrt(x.var(axis=0) + 1e-8).mean()
    out = MinibatchStdDev()(tg.tensor(x)).numpy()
    assert out.shape == (3, 3, 2, 2)
    np.testing.assert_allclose(out[:, :2], x)
    np.testing.assert_allclose(out[:, 2], s, rtol=1e-12)


def test_equalised_layers_scale_unit_normal_weights_by_he_constant():
    tg.manual_seed(1)
    linear = EqualLinear(50, 400)
    assert abs(linear.weight.numpy().std() - 1) < 0.02
    x = RNG.standard_normal((2, 50))
    expected = x @ (linear.weight.numpy() * math.sqrt(2) / math.sqrt(50)).T
    np.testing.assert_allclose(linear(tg.tensor(x)).numpy(), expected, rtol=1e-10, atol=1e-12)
    conv = EqualConv2d(2, 3, 3, padding=1)
    assert conv.scale == math.sqrt(2) / math.sqrt(2 * 9)
    xi = tg.tensor(RNG.standard_normal((1, 2, 4, 4)))
    plain = tg.functional.conv2d(xi, tg.tensor(conv.weight.numpy() * conv.scale), None, 1, 1)
    np.testing.assert_allclose(conv(xi).numpy(), plain.numpy(), rtol=1e-10)


def test_layers_differentiate_twice():
    x = tg.tensor(RNG.standard_normal((3, 2, 2, 2)), requires_grad=True)
    for fn in (pixel_norm, minibatch_stddev):
        assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])
    conv = EqualConv2d(2, 2, 3, padding=1)
    assert gradgradcheck(lambda x, w: tg.functional.conv2d(x, w * conv.scale, None, 1, 1),
                         [tg.tensor(RNG.standard_normal((1, 2, 3, 3)), requires_grad=True),
                          tg.tensor(conv.weight.numpy(), requires_grad=True)])
    linear = EqualLinear(3, 2)
    assert gradgradcheck(lambda v: linear(v).tanh(),
                         [tg.tensor(RNG.standard_normal((2, 3)), requires_grad=True)])
