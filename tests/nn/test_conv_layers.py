"""Convolution, normalisation and pooling layers: names, initialisation, modes,
and a WGAN-GP gradient penalty through a small convolutional critic."""
import math

import numpy
import pytest

import tinygan as tg
import tinygan.functional as F
import tinygan.nn as nn
from tinygan.testing import gradcheck

F64 = numpy.float64


# ------------------------------------------------------------ convolutions

@pytest.mark.parametrize("layer,shape,out_channels,fan_in", [
    (lambda: nn.Conv2d(8, 16, 3), (16, 8, 3, 3), 16, 8 * 9),
    (lambda: nn.Conv2d(3, 5, (2, 4), stride=2, padding=1), (5, 3, 2, 4), 5, 3 * 8),
    (lambda: nn.ConvTranspose2d(8, 16, 3), (8, 16, 3, 3), 16, 16 * 9),   # fan_in from shape[1]
])
def test_conv_parameters_and_initialisation(layer, shape, out_channels, fan_in):
    tg.manual_seed(0)
    m = layer()
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m.weight.shape == shape and m.bias.shape == (out_channels,)
    bound = 1 / math.sqrt(fan_in)       # kaiming_uniform_(a=sqrt(5)) on the weight
    w = m.weight.numpy()
    assert numpy.abs(w).max() <= bound and numpy.abs(w).max() > 0.8 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.25 * bound
    assert numpy.abs(m.bias.numpy()).max() <= bound


def test_conv_layers_match_functional_and_have_optional_bias():
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False)
    assert conv.bias is None and [n for n, _ in conv.named_parameters()] == ["weight"]
    x = tg.randn(2, 2, 5, 5)
    numpy.testing.assert_array_equal(conv(x).numpy(),
                                     F.conv2d(x, conv.weight, None, 2, 1).numpy())
    up = nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, output_padding=1)
    y = up(conv(x))
    assert y.shape == (2, 2, 7, 7)
    ref = F.conv_transpose2d(conv(x), up.weight, up.bias, 2, 1, 1)
    numpy.testing.assert_array_equal(y.numpy(), ref.numpy())


def test_dcgan32_networks_shapes_and_gradients():
    g = nn.Sequential(
        nn.ConvTranspose2d(100, 32, 4, 1, 0, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.ConvTranspose2d(8, 1, 4, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 8, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(8, 16, 4, 2, 1, bias=False), nn.BatchNorm2d(16), nn.LeakyReLU(0.2),
        nn.Conv2d(16, 32, 4, 2, 1, bias=False), nn.BatchNorm2d(32), nn.LeakyReLU(0.2),
        nn.Conv2d(32, 1, 4, 1, 0, bias=False))
    fake = g(tg.randn(3, 100, 1, 1))
    assert fake.shape == (3, 1, 32, 32)
    logits = d(fake)
    assert logits.shape == (3, 1, 1, 1)
    logits.sum().backward()
    for name, p in list(g.named_parameters()) + list(d.named_parameters()):
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert numpy.isfinite(p.grad.numpy()).all(), name


# ------------------------------------------------------------ normalisation

def test_batch_norm_names_and_state_dict_order():
    bn = nn.BatchNorm2d(3)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    numpy.testing.assert_array_equal(bn.weight.numpy(), numpy.ones(3))
    numpy.testing.assert_array_equal(bn.running_var.numpy(), numpy.ones(3))
    assert int(bn.num_batches_tracked.item()) == 0


def test_batch_norm_training_updates_running_stats_and_eval_uses_them():
    bn = nn.BatchNorm2d(2, momentum=0.5, dtype=F64)
    x = numpy.random.default_rng(0).standard_normal((4, 2, 3, 3)) * 2 + 1
    bn(tg.tensor(x))
    m = x.mean(axis=(0, 2, 3))
    unbiased = x.var(axis=(0, 2, 3), ddof=1)
    numpy.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * m)
    numpy.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * unbiased)
    assert int(bn.num_batches_tracked.item()) == 1
    bn.eval()
    y = bn(tg.tensor(x)).numpy()
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    numpy.testing.assert_allclose(y, (x - rm[:, None, None]) / numpy.sqrt(rv[:, None, None] + 1e-5))
    assert int(bn.num_batches_tracked.item()) == 1


def test_batch_norm_cumulative_average_and_untracked():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=F64)
    rng = numpy.random.default_rng(1)
    xs = [rng.standard_normal((5, 2)) for _ in range(3)]
    for x in xs:
        bn(tg.tensor(x))
    numpy.testing.assert_allclose(bn.running_mean.numpy(), numpy.mean([x.mean(0) for x in xs], 0))
    free = nn.BatchNorm1d(2, track_running_stats=False, affine=False, dtype=F64)
    assert list(free.state_dict()) == [] and free.running_mean is None
    free.eval()
    y = free(tg.tensor(xs[0])).numpy()
    numpy.testing.assert_allclose(y.mean(0), 0, atol=1e-12)     # batch statistics in eval too


def test_batch_norm_1d_accepts_ncl_and_checks_ndim():
    bn = nn.BatchNorm1d(3)
    assert bn(tg.randn(4, 3, 5)).shape == (4, 3, 5)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-D input.*\(4, 3\)"):
        nn.BatchNorm2d(3)(tg.randn(4, 3))


def test_layer_norm_layer():
    ln = nn.LayerNorm([2, 3], dtype=F64)
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]
    assert ln.weight.shape == (2, 3)
    x = numpy.random.default_rng(2).standard_normal((4, 2, 3))
    y = ln(tg.tensor(x)).numpy()
    mu, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    ref = (x - mu) / numpy.sqrt(var + 1e-5)
    numpy.testing.assert_allclose(y, ref, rtol=1e-10)


def test_pool_and_upsample_layers():
    x = tg.randn(2, 3, 4, 4)
    assert nn.AvgPool2d(2)(x).shape == (2, 3, 2, 2)
    assert nn.Upsample(scale_factor=2)(x).shape == (2, 3, 8, 8)


# ------------------------------------------------------------ WGAN-GP penalty

def test_wgan_gp_penalty_parameter_gradients_match_finite_differences():
    """penalty = mean_n (||d D(x) / dx_n||_2 - 1)^2 with D = conv -> layer_norm ->
    leaky_relu -> flatten -> linear; its gradient in every parameter goes through
    the double backward of each layer."""
    tg.manual_seed(3)
    conv = nn.Conv2d(1, 2, 3, stride=1, padding=1, dtype=F64)
    ln = nn.LayerNorm([2, 3, 3], dtype=F64)
    lin = nn.Linear(18, 1, dtype=F64)
    rng = numpy.random.default_rng(4)
    ln.weight.data = rng.uniform(0.5, 1.5, ln.weight.shape)
    ln.bias.data = rng.standard_normal(ln.bias.shape) * 0.3
    x = tg.tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True)

    def critic(t):
        h = F.leaky_relu(ln(conv(t)), 0.2)
        return lin(h.flatten(1))

    def penalty(*params):
        out = critic(x)
        (gx,) = tg.grad(out.sum(), [x], create_graph=True)
        norms = ((gx * gx).sum(axis=(1, 2, 3)) + 1e-12).sqrt()
        return ((norms - 1) ** 2).mean()

    params = [conv.weight, conv.bias, ln.weight, ln.bias, lin.weight, lin.bias]
    assert penalty().item() > 1e-3
    assert gradcheck(penalty, params, atol=1e-5, rtol=1e-4)
