"""Random Fourier features: by hand, differentiable twice, saved as buffers, clear errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygan as tg
from tinygan.nn import FourierFeatures
from tinygan.testing import gradcheck, gradgradcheck
from tinygan.testing.strategies import arrays

RNG = np.random.default_rng(0)


pytestmark = pytest.mark.usefixtures("float64")


def test_features_by_hand():
    layer = FourierFeatures(2, scales=(1.0, 5.0), features=3, shift=[0.5, -1.0], scale=[2.0, 4.0])
    b = layer.frequencies.numpy()
    assert b.shape == (2, 6) and layer.out_features == 14
    x = RNG.standard_normal((4, 2))
    u = (x - [0.5, -1.0]) / [2.0, 4.0]
    expected = np.concatenate([u, np.sin(u @ b), np.cos(u @ b)], axis=1)
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), expected, rtol=1e-12)


def test_each_block_of_frequencies_has_its_scale():
    layer = FourierFeatures(2, scales=(1.0, 30.0), features=4000, seed=3)
    b = layer.frequencies.numpy()
    assert b[:, :4000].std() == pytest.approx(1.0, rel=0.05)
    assert b[:, 4000:].std() == pytest.approx(30.0, rel=0.05)


def test_nothing_is_learned_and_the_buffers_are_saved():
    layer = FourierFeatures(3, features=2)
    assert list(layer.parameters()) == []
    assert set(layer.state_dict()) == {"frequencies", "shift", "scale"}
    same = FourierFeatures(3, features=2)
    np.testing.assert_array_equal(layer.frequencies.numpy(), same.frequencies.numpy())
    other = FourierFeatures(3, features=2, seed=1)
    assert not np.allclose(layer.frequencies.numpy(), other.frequencies.numpy())


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_gradients_first_and_second_order(d, n, data):
    layer = FourierFeatures(d, scales=(0.5, 2.0), features=2, shift=0.1, scale=1.5)
    x = tg.tensor(data.draw(arrays((n, d))), requires_grad=True)
    assert gradcheck(layer, [x]) and gradgradcheck(layer, [x])


def test_bad_input_names_the_layer_and_shapes():
    layer = FourierFeatures(2)
    with pytest.raises(ValueError, match=r"FourierFeatures: expects input \(N, 2\), got shape "
                                         r"\(3, 3\)"):
        layer(tg.tensor(np.ones((3, 3))))
    with pytest.raises(ValueError, match="FourierFeatures: needs .* positive scales"):
        FourierFeatures(2, scales=(1.0, 0.0))
