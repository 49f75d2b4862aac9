"""The shared MLPs and calling a network with other parameter tensors."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans.networks import functional_call, mlp
from tinygan.gans.replay import ReplayBuffer


def test_mlp_maps_sample_shapes_through_hidden_layers():
    net = mlp((2, 3), (5, 4), (3, 2))
    assert net(tg.randn(7, 2, 3)).shape == (7, 3, 2)
    assert [m.out_features for m in net if hasattr(m, "out_features")] == [5, 4, 6]
    with pytest.raises(ValueError, match="relu"):
        mlp(2, (4,), 1, activation="swish")


def test_functional_call_uses_the_given_tensors_and_restores_the_parameters():
    net = mlp(2, (3,), 1)
    originals = dict(net.named_parameters())
    doubled = {name: p * 2 for name, p in originals.items()}
    x = tg.randn(4, 2)
    out = functional_call(net, doubled, x)
    w0, b0 = doubled["0.weight"].numpy(), doubled["0.bias"].numpy()
    w2, b2 = doubled["2.weight"].numpy(), doubled["2.bias"].numpy()
    expected = np.maximum(x.numpy() @ w0.T + b0, 0) @ w2.T + b2
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5)
    assert dict(net.named_parameters()) == originals          # the same Parameter objects
    (g,) = tg.grad(out.sum(), [originals["2.bias"]])            # graph runs through the copies
    assert g.numpy() == pytest.approx([2 * 4])


def test_replay_buffer_wraps_around_and_keeps_the_newest():
    buffer = ReplayBuffer(capacity=5)
    buffer.push(tg.tensor(np.arange(4.0)[:, None]))
    buffer.push(tg.tensor(np.arange(4.0, 7.0)[:, None]))
    assert buffer.size == 5 and sorted(buffer.store.ravel()) == [2, 3, 4, 5, 6]
    buffer.push(tg.tensor(np.arange(10.0, 18.0)[:, None]))     # more than the capacity
    assert sorted(buffer.store.ravel()) == [13, 14, 15, 16, 17]


@pytest.mark.parametrize("pushed", [0, 3, 7])                   # empty, part full, wrapped
def test_replay_buffer_state_restores_the_same_samples_and_next_slot(pushed):
    buffer = ReplayBuffer(capacity=5)
    if pushed:
        buffer.push(tg.tensor(np.arange(float(pushed))[:, None]))
    restored = ReplayBuffer(capacity=5)
    restored.load_state(buffer.state())
    assert (restored.size, restored.next) == (buffer.size, buffer.next)
    if pushed:
        np.testing.assert_array_equal(restored.store, buffer.store)
    else:
        assert restored.store is None
    with pytest.raises(ValueError, match="does not fit the capacity 2"):
        ReplayBuffer(capacity=2).load_state({"replay/store": np.zeros((3, 1)), "replay/next": 0})
