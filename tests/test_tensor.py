"""Tensor creation, conversion and devices."""
import numpy
import pytest

import tinygan as tg


def test_factories_shapes_dtypes_and_devices(device):
    assert tg.zeros(2, 3, device=device).shape == (2, 3)
    assert tg.ones((4,), device=device).dtype == numpy.float32
    assert tg.full((2, 2), 7.0, device=device).numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tg.arange(5, device=device).numpy().tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(0.0, 1.0, 0.5, device=device).dtype == numpy.float32
    assert tg.randn(3, 4, device=device).device == device
    r = tg.rand(1000, device=device).numpy()
    assert 0 <= r.min() and r.max() < 1
    x = tg.randn(2, 5, dtype="float64", device=device)
    assert tg.zeros_like(x).dtype == numpy.float64 and tg.ones_like(x).shape == (2, 5)


def test_tensor_from_lists_arrays_and_tensors():
    assert tg.tensor([1.0, 2.0]).dtype == numpy.float32
    assert tg.tensor([1, 2]).dtype.kind == "i"
    assert tg.tensor(numpy.ones(2)).dtype == numpy.float64
    t = tg.tensor([1.0], dtype="float64", requires_grad=True)
    copy = tg.tensor(t)
    assert not copy.requires_grad and copy.data is not t.data


def test_attributes_and_item():
    x = tg.tensor([[1.0, 2.0, 3.0]])
    assert x.shape == (1, 3) and x.ndim == 2 and x.size == 3
    assert tg.tensor(2.5).item() == 2.5
    with pytest.raises(ValueError, match="item"):
        x.item()
    assert x.T.shape == (3, 1)
    assert "tensor(" in repr(x)


def test_seeding_reproduces_random_tensors():
    tg.manual_seed(5)
    a = tg.randn(4).numpy()
    tg.manual_seed(5)
    numpy.testing.assert_array_equal(a, tg.randn(4).numpy())


def test_unknown_device_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        tg.zeros(2, device="tpu")


@pytest.mark.skipif(tg.cuda_available(), reason="checks the message shown without a GPU")
def test_cuda_without_cupy_says_what_to_install():
    with pytest.raises(RuntimeError, match="pip install tinygan\\[cuda12\\]"):
        tg.ones(2).to("cuda")


@pytest.mark.skipif(not tg.cuda_available(), reason="CUDA needs CuPy and an NVIDIA GPU")
def test_moving_between_devices_is_differentiable():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.to("cuda") * 3).cpu().sum()
    y.backward()
    assert x.grad.device == "cpu"
    numpy.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="different devices.*cpu.*cuda|cuda.*cpu"):
        x + x.cuda()


def test_setitem_only_outside_the_graph():
    x = tg.zeros(3)
    x[1] = 5.0
    assert x.numpy().tolist() == [0.0, 5.0, 0.0]
    w = tg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 1.0
