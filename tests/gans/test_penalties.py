"""R1 and the path-length penalty: values by hand, and their parameter gradients (which go
through a create_graph gradient) against finite differences."""
import numpy as np
import pytest

import tinygan as tg
import tinygan.functional as F
from tinygan.gans import GAN
from tinygan.gans.penalties import (check_lazy_r1, lazy_r1, path_length_penalty, path_lengths,
                                    r1_penalty)
from tinygan.nn.style import modulated_conv2d
from tinygan.testing import gradcheck

from tests.gans.helpers import counting_sampler

RNG = np.random.default_rng(0)


def test_r1_of_a_linear_critic_by_hand(float64):
    a = RNG.standard_normal((1, 2, 2))
    real = tg.tensor(RNG.standard_normal((3, 1, 2, 2)))
    got = r1_penalty(lambda x: (x * tg.tensor(a)).sum(axis=(1, 2, 3)), real, gamma=10.0)
    assert got.item() == pytest.approx(5.0 * (a ** 2).sum())


def test_r1_of_a_quadratic_critic_by_hand(float64):
    x = RNG.standard_normal((4, 3))
    got = r1_penalty(lambda v: (v * v).sum(axis=1), tg.tensor(x), gamma=2.0)
    assert got.item() == pytest.approx(((2 * x) ** 2).sum(axis=1).mean())


def test_r1_parameter_gradient_matches_finite_differences(float64):
    real = tg.tensor(RNG.standard_normal((2, 1, 3, 3)))
    w = tg.tensor(RNG.standard_normal((2, 1, 2, 2)), requires_grad=True)
    v = tg.tensor(RNG.standard_normal(2 * 2 * 2), requires_grad=True)

    def penalty(w, v):
        critic = lambda x: F.conv2d(x, w).tanh().reshape(x.shape[0], -1) @ v  # noqa: E731
        return r1_penalty(critic, real, gamma=10.0)
    assert gradcheck(penalty, [w, v])


def test_path_length_of_a_linear_synthesis_by_hand(float64):
    a = RNG.standard_normal((3, 4))
    ws = tg.tensor(RNG.standard_normal((2, 5, 3)))
    y = RNG.standard_normal((2, 1, 2, 2))
    synthesis = lambda ws: (ws.sum(axis=1) @ tg.tensor(a)).reshape(-1, 1, 2, 2)  # noqa: E731
    lengths, _ = path_lengths(synthesis, ws, tg.tensor(y))
    expected = np.linalg.norm(y.reshape(2, 4) @ a.T, axis=1)
    np.testing.assert_allclose(lengths.numpy(), expected, rtol=1e-9)
    pl, mean = path_length_penalty(synthesis, ws, 0.5, tg.tensor(y))
    assert pl.item() == pytest.approx(((expected - 0.5) ** 2).mean())
    assert mean == pytest.approx(expected.mean())


def test_path_length_parameter_gradient_matches_finite_differences(float64):
    const = tg.tensor(RNG.standard_normal((1, 2, 3, 3)))
    ws = tg.tensor(RNG.standard_normal((2, 1, 2)))
    y = tg.tensor(RNG.standard_normal((2, 2, 3, 3)))
    weight = tg.tensor(RNG.standard_normal((2, 2, 3, 3)), requires_grad=True)

    def penalty(weight):
        synthesis = lambda ws: modulated_conv2d(  # noqa: E731
            const.broadcast_to(2, 2, 3, 3), weight, ws[:, 0], True, padding=1).tanh()
        return path_length_penalty(synthesis, ws, 0.3, y)[0]
    assert gradcheck(penalty, [weight])


def test_a_negative_r1_weight_is_refused():
    gan = GAN((2,), {"r1_gamma": -1.0, "batch_size": 4})
    with pytest.raises(ValueError, match=r"r1_penalty: gamma must be >= 0.*got -1.0"):
        gan.train_step(counting_sampler())


def test_lazy_r1_is_interval_times_r1_at_every_interval_th_step_only():
    def score(x):
        return (x * x).sum(axis=1)
    x = tg.tensor(np.array([[1.0, 2.0], [0.5, -1.0]]))
    assert lazy_r1(3, score, x, 2.0, 4) == (None, None)
    assert lazy_r1(4, score, x, 0.0, 4) == (None, None)
    term, value = lazy_r1(8, score, x, 2.0, 4)
    # grad of sum x^2 is 2x: gamma / 2 * mean ||2x||^2 = (20 + 5) / 2 = 12.5
    np.testing.assert_allclose([value, term.item()], [12.5, 4 * 12.5])
    for bad in [(-1.0, 1), (1.0, 0)]:
        with pytest.raises(ValueError, match="dcgan: r1_gamma must be >= 0 and r1_interval >= 1"):
            check_lazy_r1("dcgan", *bad)
