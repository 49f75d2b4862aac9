"""Module bookkeeping: names, state dicts, modes, and the Linear layer."""
import math

import numpy
import pytest

import tinygan as tg
import tinygan.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 2))
        self.scale = nn.Parameter(tg.ones(2))
        self.register_buffer("count", tg.zeros(1))

    def forward(self, x):
        return self.body(x) * self.scale


def test_named_parameters_use_pytorch_dotted_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"]
    assert list(net.state_dict()) == [
        "scale", "count", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2 + 2


def test_linear_layout_and_default_init_bounds():
    layer = nn.Linear(50, 7)
    assert layer.weight.shape == (7, 50) and layer.bias.shape == (7,)
    bound = 1 / math.sqrt(50)
    assert numpy.abs(layer.weight.numpy()).max() <= bound
    assert numpy.abs(layer.bias.numpy()).max() <= bound
    x = tg.randn(5, 50)
    expected = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    numpy.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_and_errors():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    x = tg.randn(2, 3)
    numpy.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    state = a.state_dict()
    state["scale"] = numpy.ones(3, dtype=numpy.float32)
    with pytest.raises(ValueError, match="scale has shape"):
        b.load_state_dict(state)
    del state["scale"]
    with pytest.raises(KeyError, match="missing keys \\['scale'\\]"):
        b.load_state_dict(state)


def test_state_dict_is_a_copy():
    net = Net()
    state = net.state_dict()
    state["scale"][:] = 5
    assert net.scale.numpy().tolist() == [1.0, 1.0]


def test_zero_grad_train_eval_and_shared_parameters():
    net = Net()
    net(tg.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.eval()
    assert not net.training and not net.body[0].training
    net.train()
    assert net.body[2].training
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, shared)
    assert len(list(seq.parameters())) == 2


def test_module_requires_super_init():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(1))

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Broken()


def test_embedding_lookup_and_gradient():
    emb = nn.Embedding(4, 3)
    out = emb(tg.tensor([1, 1, 3]))
    assert out.shape == (3, 3)
    out.sum().backward()
    numpy.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [0, 2, 0, 1])
    with pytest.raises(IndexError, match="Embedding"):
        emb(tg.tensor([4]))


def test_init_functions_follow_their_formulas():
    w = nn.Parameter(tg.zeros(64, 32))
    nn.init.orthogonal_(w)
    numpy.testing.assert_allclose(w.numpy().T @ w.numpy(), numpy.eye(32), atol=1e-5)
    nn.init.normal_(w, 0.0, 0.02)
    assert abs(w.numpy().std() - 0.02) < 0.002
    nn.init.xavier_uniform_(w)
    assert numpy.abs(w.numpy()).max() <= math.sqrt(6 / 96)


def test_embedding_accepts_plain_index_arrays():
    emb = nn.Embedding(3, 2)
    numpy.testing.assert_array_equal(emb(numpy.array([2, 0])).numpy(), emb.weight.numpy()[[2, 0]])
