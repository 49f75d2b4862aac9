"""The gradient penalty of WGAN-GP: value, parameter gradient (double backward), axes."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.gans import WGANGP
from tinygan.gans.networks import functional_call, mlp
from tinygan.gans.wgan_gp import finite_difference_penalty, gradient_penalty, interpolates
from tinygan.testing import gradcheck

from tests.gans.helpers import counting_sampler


def numeric_input_gradient(f, x, h=1e-6):
    """d f(x_i) / d x_i per sample by central differences (f maps (m, ...) -> (m,))."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape[1:]):
        plus, minus = x.copy(), x.copy()
        plus[(slice(None),) + idx] += h
        minus[(slice(None),) + idx] -= h
        grad[(slice(None),) + idx] = (f(plus) - f(minus)) / (2 * h)
    return grad


def small_critic_setup(m=4):
    critic = mlp(2, (5,), 1, activation="tanh")
    rng = np.random.default_rng(3)
    real, fake = tg.tensor(rng.standard_normal((m, 2))), tg.tensor(rng.standard_normal((m, 2)))
    eps = tg.tensor(rng.random(m))
    return critic, real, fake, eps


def test_penalty_value_matches_finite_difference_gradients(float64):
    critic, real, fake, eps = small_critic_setup()
    penalty = gradient_penalty(lambda x: critic(x).reshape(-1), real, fake, eps, weight=10.0)
    x_hat = interpolates(real, fake, eps).numpy()

    def f(x):
        with tg.no_grad():
            return critic(tg.tensor(x)).numpy().reshape(-1)
    norms = np.linalg.norm(numeric_input_gradient(f, x_hat), axis=1)
    assert penalty.item() == pytest.approx(10.0 * ((norms - 1) ** 2).mean(), rel=1e-6)


def test_penalty_parameter_gradient_passes_gradcheck(float64):
    critic, real, fake, eps = small_critic_setup()
    names = [n for n, _ in critic.named_parameters()]
    params = [p.detach().requires_grad_() for p in critic.parameters()]

    def penalty_of(*theta):
        def scores(x):
            return functional_call(critic, dict(zip(names, theta)), x).reshape(-1)
        return gradient_penalty(scores, real, fake, eps, weight=10.0)
    assert gradcheck(penalty_of, params)


def test_norm_is_per_sample_over_all_non_batch_axes(float64):
    """Trap: samples of shape (2, 3). A linear critic f(x) = <W, x> + b has grad W for every
    sample, so the penalty is lambda (||W||_F - 1)^2; a norm over axis 1 alone is wrong."""
    tg.manual_seed(0)
    gp = WGANGP((2, 3), {"d_hidden": (), "gp_weight": 10.0})
    w = gp.discriminator[1].weight.numpy().reshape(2, 3)
    rng = np.random.default_rng(0)
    real = tg.tensor(rng.standard_normal((6, 2, 3)))
    fake = tg.tensor(rng.standard_normal((6, 2, 3)))
    expected = 10.0 * (np.linalg.norm(w) - 1) ** 2
    assert gp.penalty(real, fake).item() == pytest.approx(expected, rel=1e-10)
    wrong_axis_norms = np.linalg.norm(w, axis=0)
    assert not np.isclose(expected, 10.0 * ((wrong_axis_norms - 1) ** 2).mean())


def test_finite_difference_penalty_is_exact_for_a_linear_critic_in_one_dimension(float64):
    rng = np.random.default_rng(0)
    real, fake = tg.tensor(rng.standard_normal((8, 1))), tg.tensor(rng.standard_normal((8, 1)) + 3)
    eps1, eps2 = tg.tensor(rng.random(8)), tg.tensor(rng.random(8))

    def critic(x):
        return (2.5 * x - 1.0).reshape(-1)
    exact = gradient_penalty(critic, real, fake, eps1, weight=10.0).item()
    approx = finite_difference_penalty(critic, real, fake, eps1, eps2, weight=10.0).item()
    assert exact == pytest.approx(10.0 * 1.5 ** 2) and approx == pytest.approx(exact)


@pytest.mark.parametrize("penalty", ["exact", "finite-difference"])
def test_train_step_reports_the_penalty_and_uses_n_critic_batches(penalty):
    gp = WGANGP((2,), {"penalty": penalty, "batch_size": 16})
    sampler = counting_sampler()
    metrics = gp.train_step(sampler)
    assert sampler.calls == 5 and metrics["penalty"] >= 0
    expected = -metrics["wasserstein"] + metrics["penalty"]
    assert metrics["loss/D"] == pytest.approx(expected, rel=1e-5)


def test_paper_defaults_and_bad_penalty_name():
    gp = WGANGP((2,))
    cfg = gp.config
    assert (cfg["lr"], tuple(cfg["betas"]), cfg["n_critic"], cfg["gp_weight"]) == \
        (1e-4, (0.5, 0.9), 5, 10.0)
    with pytest.raises(ValueError, match="finite-difference"):
        WGANGP((2,), {"penalty": "approximate"})
