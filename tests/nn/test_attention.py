"""SelfAttention2d against a hand computation of eqs. 6-8, and its gradients."""
import numpy

import tinygan as tg
import tinygan.nn as nn
from tinygan.testing import gradcheck, gradgradcheck


def reference(x, layer, gamma):
    """eqs. 6-8 with explicit loops over positions, in NumPy."""
    def conv(m, a):
        return m.weight.numpy()[:, :, 0, 0] @ a + m.bias.numpy()[:, None]
    n, c, hh, ww = x.shape
    out = numpy.empty_like(x)
    for b in range(n):
        xs = x[b].reshape(c, -1)
        f, g, h = conv(layer.f, xs), conv(layer.g, xs), conv(layer.h, xs)
        positions = xs.shape[1]
        o = numpy.zeros((h.shape[0], positions))
        for j in range(positions):
            s = numpy.array([f[:, i] @ g[:, j] for i in range(positions)])
            beta = numpy.exp(s - s.max()) / numpy.exp(s - s.max()).sum()
            o[:, j] = sum(beta[i] * h[:, i] for i in range(positions))
        out[b] = (gamma * conv(layer.v, o) + xs).reshape(c, hh, ww)
    return out


def test_gamma_zero_is_the_identity():
    layer = nn.SelfAttention2d(16)
    x = tg.randn(2, 16, 3, 3)
    numpy.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    assert layer.gamma.item() == 0.0


def test_matches_hand_computation_of_equations_6_to_8():
    layer = nn.SelfAttention2d(8, dtype="float64")
    layer.gamma.data[...] = 0.7
    x = numpy.random.default_rng(0).standard_normal((2, 8, 2, 3))
    numpy.testing.assert_allclose(layer(tg.tensor(x)).numpy(), reference(x, layer, 0.7), rtol=1e-10)
    beta = layer.last_attention
    assert beta.shape == (2, 6, 6)
    numpy.testing.assert_allclose(beta.sum(axis=-1), 1.0)


def test_gradients_first_and_second_order():
    layer = nn.SelfAttention2d(8, dtype="float64")
    layer.gamma.data[...] = 0.5
    x = tg.tensor(numpy.random.default_rng(1).standard_normal((1, 8, 2, 2)), requires_grad=True)
    wf = tg.tensor(layer.f.weight.numpy(), requires_grad=True)

    def f(x, w):
        object.__setattr__(layer.f, "weight", w)
        return layer(x)

    assert gradcheck(f, [x, wf]) and gradgradcheck(f, [x, wf])
