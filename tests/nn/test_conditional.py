"""Class-conditional batch norm and the projection discriminator head, by hand."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.nn.conditional import ConditionalBatchNorm2d, ProjectionHead
from tinygan.testing import gradcheck

RNG = np.random.default_rng(0)


pytestmark = pytest.mark.usefixtures("float64")


def test_conditional_batch_norm_by_hand():
    layer = ConditionalBatchNorm2d(2, 3)
    assert np.all(layer.gain.weight.numpy() == 0) and np.all(layer.bias.weight.numpy() == 0)
    for lin in (layer.gain, layer.bias):
        lin.weight.data[...] = RNG.standard_normal(lin.weight.shape)
        lin.bias.data[...] = RNG.standard_normal(lin.bias.shape)
    x, c = RNG.standard_normal((4, 2, 3, 3)), RNG.standard_normal((4, 3))
    normed = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
    gain = 1 + c @ layer.gain.weight.numpy().T + layer.gain.bias.numpy()
    bias = c @ layer.bias.weight.numpy().T + layer.bias.bias.numpy()
    expected = normed * gain[:, :, None, None] + bias[:, :, None, None]
    np.testing.assert_allclose(layer(tg.tensor(x), tg.tensor(c)).numpy(), expected, rtol=1e-9)


def test_conditional_batch_norm_gradients():
    layer = ConditionalBatchNorm2d(2, 3)
    layer.gain.weight.data[...] = RNG.standard_normal((2, 3))
    x = tg.tensor(RNG.standard_normal((3, 2, 2, 2)), requires_grad=True)
    c = tg.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    assert gradcheck(lambda x, c: layer(x, c), [x, c])


def test_projection_head_by_hand():
    head = ProjectionHead(3, 5)
    phi, labels = RNG.standard_normal((4, 3)), np.array([0, 4, 2, 4])
    expected = (phi @ head.linear.weight.numpy().T).ravel() + head.linear.bias.numpy() + \
        (head.embed.weight.numpy()[labels] * phi).sum(axis=1)
    np.testing.assert_allclose(head(tg.tensor(phi), labels).numpy(), expected, rtol=1e-10)
    g_embed = tg.grad(head(tg.tensor(phi), labels).sum(), [head.embed.weight])[0].numpy()
    np.testing.assert_allclose(g_embed[4], phi[1] + phi[3])
    np.testing.assert_allclose(g_embed[1], 0.0)
