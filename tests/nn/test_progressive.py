"""Pixel norm, minibatch standard deviation and equalised learning rate: by hand, and
differentiable twice."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygan as tg
from tinygan.nn.progressive import (EqualConv2d, EqualLinear, MinibatchStdDev, PixelNorm,
                                    minibatch_stddev, pixel_norm, splits_into_groups)
from tinygan.testing import gradcheck, gradgradcheck
from tinygan.testing.strategies import arrays

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


def test_minibatch_stddev_in_groups_by_hand():
    x = RNG.standard_normal((6, 2, 2, 2))
    out = MinibatchStdDev(group_size=2)(tg.tensor(x)).numpy()
    for i in range(6):                          # sample i is grouped with i + 3 (mod 6)
        group = x[[i % 3, i % 3 + 3]]
        np.testing.assert_allclose(out[i, 2], np.sqrt(group.var(axis=0) + 1e-8).mean(),
                                   rtol=1e-12)
    whole = minibatch_stddev(tg.tensor(x), group_size=6).numpy()
    np.testing.assert_allclose(whole, minibatch_stddev(tg.tensor(x)).numpy(), rtol=1e-12)
    assert minibatch_stddev(tg.tensor(x[:2]), group_size=4).shape == (2, 3, 2, 2)  # G <= N
    with pytest.raises(ValueError, match="minibatch_stddev: a batch of 6 does not split into "
                                         "groups of 4"):
        minibatch_stddev(tg.tensor(x), group_size=4)
    assert splits_into_groups(6, None) and splits_into_groups(6, 3) and splits_into_groups(2, 4)
    assert not splits_into_groups(6, 4) and not splits_into_groups(6, 0)


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


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 2), st.integers(2, 3), st.integers(1, 2), st.integers(1, 2), st.data())
def test_pixel_norm_and_grouped_minibatch_stddev_gradients(groups, group_size, c, hw, data):
    n = groups * group_size
    # sample k is shifted by 5k + 3: no two samples of a group and no pixel vector are
    # near equal or near 0, where the square roots' derivatives blow up
    shift = 5.0 * np.arange(n).reshape(n, 1, 1, 1) + 3.0
    x = tg.tensor(data.draw(arrays((n, c, hw, hw))) + shift, requires_grad=True)
    in_groups = lambda v: minibatch_stddev(v, group_size=group_size)     # noqa: E731
    for fn in (pixel_norm, in_groups):
        assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])
