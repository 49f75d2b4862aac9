"""The graph walk: backward, grad, hooks, no_grad, retain_graph, higher orders."""
import sys

import numpy
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.testing import GradcheckError, gradcheck, gradgradcheck


def f64(values, requires_grad=True):
    return tg.tensor(numpy.asarray(values, dtype=numpy.float64), requires_grad=requires_grad)


def test_gradients_accumulate_across_backward_calls():
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


def test_reused_non_leaf_is_handled_in_topological_order():
    x = f64(3.0)
    a = x * x          # 9, da/dx = 6
    y = a * a + a      # dy/da = 2a + 1 = 19
    y.backward()
    assert x.grad.item() == pytest.approx(19 * 6)


def test_shared_gradient_is_not_aliased_between_inputs():
    x = f64([1.0, 2.0])
    y = x + x
    y.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_long_chain_does_not_hit_recursion_limit():
    x = f64(1.0)
    y = x
    for _ in range(10_000):
        y = y + 1e-4 * y
    assert sys.getrecursionlimit() < 10_000 * 2
    y.backward()
    assert x.grad.item() == pytest.approx((1 + 1e-4) ** 10_000)


def test_backward_twice_through_freed_graph_is_a_clear_error():
    x = f64(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = f64(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_backward_of_non_scalar_needs_grad_argument():
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="not a scalar"):
        (x * 2).backward()
    (x * 2).backward(tg.tensor([1.0, 10.0], dtype="float64"))
    numpy.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_non_float_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        tg.tensor([1, 2], requires_grad=True)


def test_requires_grad_setters_on_leaves():
    x = tg.ones(2)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad_() is x
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_no_grad_builds_no_graph_and_enable_grad_restores():
    x = f64(2.0)
    with tg.no_grad():
        y = x * x
        with tg.enable_grad():
            z = x * x
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad

    @tg.no_grad()
    def doubled(t):
        return t * 2
    assert not doubled(x).requires_grad


def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
    gx, gw = tg.grad((x * w).sum(), [x, w])
    numpy.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    numpy.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None and not gx.requires_grad


def test_grad_with_respect_to_non_leaf_and_unused_inputs():
    x = f64([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = tg.grad(y, h, retain_graph=True)
    numpy.testing.assert_allclose(gh.numpy(), [6.0, 12.0])
    unused = f64(1.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad(y, [x, unused], retain_graph=True)
    gx, gu = tg.grad(y, [x, unused], allow_unused=True)
    assert gu is None
    numpy.testing.assert_allclose(gx.numpy(), [18.0, 36.0])


def test_grad_only_walks_the_part_of_the_graph_it_needs():
    # d D(x_hat)/d x_hat must not free or traverse the graph that produced x_hat
    z = f64([0.5])
    x_hat = z * 2
    out = (x_hat * x_hat).sum()
    tg.grad(out, x_hat)
    (x_hat.sum()).backward()    # the graph z -> x_hat is intact
    assert z.grad.item() == 2.0


def test_grad_outputs_weights_the_outputs():
    x = f64([1.0, 2.0])
    (g,) = tg.grad(x * x, x, grad_outputs=tg.tensor([1.0, -1.0], dtype="float64"))
    numpy.testing.assert_allclose(g.numpy(), [2.0, -4.0])


def test_hooks_see_and_replace_gradients_and_can_be_removed():
    x = f64([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    numpy.testing.assert_allclose(seen[0], [30.0, 30.0])
    numpy.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1


def test_detach_cuts_the_graph():
    x = f64(2.0)
    y = x * x.detach()
    y.backward()
    assert x.grad.item() == 2.0


def test_second_and_third_order_of_composites():
    x = f64(0.7)
    y = tg.tanh(x) * tg.exp(x)
    (g1,) = tg.grad(y, x, create_graph=True)
    (g2,) = tg.grad(g1, x, create_graph=True)
    (g3,) = tg.grad(g2, x)
    t, e = numpy.tanh(0.7), numpy.exp(0.7)
    s = 1 - t * t                                   # tanh'
    d1 = e * (t + s)
    d2 = e * (t + 2 * s - 2 * t * s)
    d3 = e * (t + 3 * s - 6 * t * s + 2 * s * (3 * t * t - 1))
    numpy.testing.assert_allclose([g1.item(), g2.item(), g3.item()], [d1, d2, d3], rtol=1e-10)


@pytest.mark.parametrize("fn", [
    lambda x, w: tg.sigmoid(x @ w).sum(axis=0) * tg.logsumexp(x, axis=1).mean(),
    lambda x, w: tg.softplus(tg.var(x, axis=0) * w[:, 0]) ** 2,
    lambda x, w: tg.concatenate([tg.tanh(x), (x @ w).T @ x], axis=0).sin(),
])
def test_third_order_via_gradgradcheck_of_a_gradient(fn):
    rng = numpy.random.default_rng(1)
    x, w = f64(rng.standard_normal((3, 2))), f64(rng.standard_normal((2, 2)))

    def first(x, w):
        return tg.grad((fn(x, w) ** 2).sum(), [x, w], create_graph=True)

    assert gradgradcheck(first, [x, w])


def test_gradcheck_reports_a_wrong_backward():
    class WrongSquare(tg.Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return gy * self.inputs[0] * 3   # should be 2

    with pytest.raises(GradcheckError, match="input 0.*element"):
        gradcheck(lambda x: WrongSquare()(x), [f64([1.0, 2.0])])


def test_gradient_penalty_of_mlp_matches_finite_differences():
    """((||df/dx|| - 1)^2).mean() of a small MLP: its parameter gradients (double backward)."""
    rng = numpy.random.default_rng(2)
    x = f64(rng.standard_normal((4, 3)))
    w1, b1 = f64(rng.standard_normal((5, 3))), f64(rng.standard_normal(5))
    w2, b2 = f64(rng.standard_normal((1, 5))), f64(rng.standard_normal(1))

    def penalty(w1, b1, w2, b2):
        f = tg.functional.linear(tg.tanh(tg.functional.linear(x, w1, b1)), w2, b2)
        (g,) = tg.grad(f.sum(), x, create_graph=True)
        norm = tg.sqrt((g * g).sum(axis=1))
        return ((norm - 1) ** 2).mean()

    assert gradcheck(penalty, [w1, b1, w2, b2])

    # the same penalty through nn.Module parameters and .backward()
    mlp = nn.Sequential(nn.Linear(3, 5, dtype="float64"), nn.Tanh(), nn.Linear(5, 1, dtype="float64"))
    for p, value in zip(mlp.parameters(), [w1, b1, w2, b2]):
        p.data = value.data.copy()
    (g,) = tg.grad(mlp(x).sum(), x, create_graph=True)
    ((tg.sqrt((g * g).sum(axis=1)) - 1) ** 2).mean().backward()
    expected = tg.grad(penalty(w1, b1, w2, b2), [w1, b1, w2, b2], allow_unused=True)
    assert expected[3] is None and mlp[2].bias.grad is None   # the output bias has no effect
    for p, e in zip(list(mlp.parameters())[:3], expected[:3]):
        numpy.testing.assert_allclose(p.grad.numpy(), e.numpy(), rtol=1e-10)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_detect_anomaly_names_the_op():
    x = f64([-1.0, 1.0])
    with tg.detect_anomaly():
        with pytest.raises(FloatingPointError, match="Log"):
            tg.log(x)
        y = tg.sqrt(x * 0 + 0.0)   # finite forward, infinite gradient at 0
        with pytest.raises(FloatingPointError, match="gradient of Sqrt"):
            y.sum().backward()


def test_grad_asks_each_op_only_for_gradients_that_lead_to_the_inputs():
    asked = []

    class Product(tg.Function):
        def forward(self, a, b):
            return a * b

        def backward(self, gy):
            asked.append(self.needs_input_grad)
            a, b = self.inputs
            return (gy * b if self.needs_input_grad[0] else None,
                    gy * a if self.needs_input_grad[1] else None)

    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])   # both require grad, like an input and a weight
    (gx,) = tg.grad(Product()(x, w).sum(), x)
    assert asked == [(True, False)]            # the weight gradient is never computed
    numpy.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    Product()(x, w).sum().backward()
    assert asked[-1] == (True, True)
