"""Optimizers reproduce hand-computed trajectories of PyTorch's update formulas."""
import copy
import math

import numpy
import pytest

import tinygan as tg
from tinygan import optim

GRADS = [numpy.array([0.5, -1.0]), numpy.array([0.2, 0.3]), numpy.array([-0.4, 0.1])]
START = numpy.array([1.0, -2.0])


def run(make_opt, grads=GRADS):
    p = tg.tensor(START.copy(), requires_grad=True)
    opt = make_opt([p])
    path = []
    for g in grads:
        p.grad = tg.tensor(g)
        opt.step()
        path.append(p.numpy().copy())
    return path


def test_sgd_momentum_nesterov_weight_decay_by_hand():
    lr, mu, wd = 0.1, 0.9, 0.01
    p, buf, expected = START.copy(), None, []
    for g in GRADS:
        d = g + wd * p
        buf = d.copy() if buf is None else mu * buf + d
        p = p - lr * (d + mu * buf)
        expected.append(p.copy())
    got = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, weight_decay=wd, nesterov=True))
    numpy.testing.assert_allclose(got, expected, atol=1e-6)


def test_plain_sgd_with_dampening():
    p, buf, expected = START.copy(), None, []
    for g in GRADS:
        buf = g.copy() if buf is None else 0.5 * buf + (1 - 0.3) * g
        p = p - 0.1 * buf
        expected.append(p.copy())
    numpy.testing.assert_allclose(
        run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3)), expected, atol=1e-6)


@pytest.mark.parametrize("centered,momentum", [(False, 0.0), (True, 0.0), (True, 0.9)])
def test_rmsprop_eps_outside_sqrt_by_hand(centered, momentum):
    lr, alpha, eps = 0.01, 0.99, 1e-8
    p, sq, ga, buf, expected = START.copy(), numpy.zeros(2), numpy.zeros(2), numpy.zeros(2), []
    for g in GRADS:
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = numpy.sqrt(sq - ga * ga) + eps
        else:
            avg = numpy.sqrt(sq) + eps
        if momentum:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
        expected.append(p.copy())
    got = run(lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, centered=centered,
                                       momentum=momentum))
    numpy.testing.assert_allclose(got, expected, atol=1e-6)


def test_rmsprop_first_step_value():
    # first step: sq = 0.01 g^2, so p moves by lr * g / (0.1 |g| + eps) = lr * 10 * sign(g)
    got = run(lambda ps: optim.RMSprop(ps, lr=0.01), grads=GRADS[:1])
    numpy.testing.assert_allclose(got[0], START - 0.1 * numpy.sign(GRADS[0]), atol=1e-6)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_by_hand(amsgrad):
    lr, (b1, b2), eps, wd = 2e-4, (0.5, 0.999), 1e-8, 0.1
    p, m, v, vmax, expected = START.copy(), numpy.zeros(2), numpy.zeros(2), numpy.zeros(2), []
    for t, g in enumerate(GRADS, start=1):
        g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = numpy.maximum(vmax, v)
        vv = vmax if amsgrad else v
        p = p - lr / (1 - b1 ** t) * m / (numpy.sqrt(vv) / math.sqrt(1 - b2 ** t) + eps)
        expected.append(p.copy())
    got = run(lambda ps: optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                                    amsgrad=amsgrad))
    numpy.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)


def test_adamw_decouples_weight_decay():
    lr, wd = 1e-2, 0.5
    p, m, v, expected = START.copy(), numpy.zeros(2), numpy.zeros(2), []
    for t, g in enumerate(GRADS, start=1):
        p = p * (1 - lr * wd)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - lr / (1 - 0.9 ** t) * m / (numpy.sqrt(v) / math.sqrt(1 - 0.999 ** t) + 1e-8)
        expected.append(p.copy())
    numpy.testing.assert_allclose(run(lambda ps: optim.AdamW(ps, lr=lr, weight_decay=wd)),
                                  expected, atol=1e-6)


def test_state_dict_round_trip_continues_identically():
    a = run(lambda ps: optim.Adam(ps, lr=0.1))
    p = tg.tensor(START.copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    for g in GRADS[:2]:
        p.grad = tg.tensor(g)
        opt.step()
    state = opt.state_dict()
    q = tg.tensor(p.numpy().copy(), requires_grad=True)
    opt2 = optim.Adam([q], lr=0.5)
    opt2.load_state_dict(state)
    q.grad = tg.tensor(GRADS[2])
    opt2.step()
    numpy.testing.assert_allclose(q.numpy(), a[2], atol=1e-12)


@pytest.mark.parametrize("make", [lambda ps: optim.Adam(ps, lr=0.1),
                                  lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5),
                                  lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)])
def test_a_deep_copy_of_parameters_and_optimizer_continues_identically(make):
    """The state is keyed by parameter: a copy (a replayed training step copies the whole
    variant) must carry each parameter's moments and step count over to its copy."""
    p = tg.tensor(START.copy(), requires_grad=True)
    opt = make([p])
    for g in GRADS[:2]:
        p.grad = tg.tensor(g)
        opt.step()
    q, opt_copy = copy.deepcopy((p, opt))
    assert opt_copy.param_groups[0]["params"][0] is q and q is not p
    for param, optimizer in ((p, opt), (q, opt_copy)):
        param.grad = tg.tensor(GRADS[2])
        optimizer.step()
    numpy.testing.assert_allclose(q.numpy(), p.numpy(), atol=0)
    assert len(opt_copy.state) == 1 and id(q) in opt_copy.state


def test_parameter_groups_and_errors():
    p1, p2 = tg.ones(1, requires_grad=True), tg.ones(1, requires_grad=True)
    opt = optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 1.0}], lr=0.1)
    p1.grad, p2.grad = tg.ones(1), tg.ones(1)
    opt.step()
    assert p1.item() == pytest.approx(0.9) and p2.item() == pytest.approx(0.0)
    opt.zero_grad()
    assert p1.grad is None
    with pytest.raises(ValueError, match="unknown options \\['momentun'\\]"):
        optim.SGD([{"params": [p1], "momentun": 0.9}])
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(TypeError, match="require grad"):
        optim.Adam([tg.ones(1)])


def test_loaded_state_is_a_copy_not_shared():
    p = tg.tensor(START.copy(), requires_grad=True)
    a = optim.Adam([p], lr=0.1)
    p.grad = tg.tensor(GRADS[0])
    a.step()
    q = tg.tensor(START.copy(), requires_grad=True)
    b = optim.Adam([q], lr=0.1)
    b.load_state_dict(a.state_dict())
    before = a.state_dict()["state"][0]["exp_avg"].copy()
    q.grad = tg.tensor(GRADS[1])
    b.step()
    numpy.testing.assert_array_equal(a.state_dict()["state"][0]["exp_avg"], before)
