"""Optimizers: SGD, RMSprop, Adam (and AdamW), with PyTorch's update formulas.

Updates change each parameter's array in place, outside the graph. State
(momentum buffers, moment estimates, the step count) is kept per parameter
and saved by ``state_dict()`` as plain arrays and numbers.
"""
import copy
import math

from . import backend
from .tensor import Tensor


class Optimizer:
    """Base class: holds parameter groups (dicts with "params" and hyperparameters)."""

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        for group in groups:
            unknown = set(group) - set(defaults) - {"params"}
            if unknown:
                raise ValueError(f"{type(self).__name__}: unknown options {sorted(unknown)}; "
                                 f"valid ones are {sorted(defaults)}")
            group = {**defaults, **group, "params": list(group["params"])}
            for p in group["params"]:
                if not isinstance(p, Tensor) or not p.requires_grad:
                    raise TypeError(f"{type(self).__name__}: can only optimize tensors that "
                                    f"require grad, got {type(p).__name__}")
            self.param_groups.append(group)
        self.state = {}

    def _params(self):
        return [p for g in self.param_groups for p in g["params"]]

    def __deepcopy__(self, memo):
        """A copy whose state follows the copied parameters. The state is keyed by each
        parameter's id, which a copy changes: without this, a deep copy of a network and its
        optimizer would restart the moment estimates and step counts."""
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key != "state":
                setattr(clone, key, copy.deepcopy(value, memo))
        copied = {id(old): new for old, new in zip(self._params(), clone._params())}
        clone.state = {id(copied[key]): copy.deepcopy(value, memo)
                       for key, value in self.state.items() if key in copied}
        return clone

    def zero_grad(self):
        """Forget the gradients of every parameter (set ``.grad`` to None)."""
        for p in self._params():
            p.grad = None

    def step(self):
        """Apply one update to every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                xp = backend.get_array_module(p.data)
                state = self.state.setdefault(id(p), {})
                self._update(xp, p.data, p.grad.data, state, group)

    def _update(self, xp, param, grad, state, group):
        raise NotImplementedError

    def state_dict(self):
        """{"state": {index: {name: array or number}}, "param_groups": [hyperparameters]}."""
        index = {id(p): i for i, p in enumerate(self._params())}
        state = {index[k]: dict(v) for k, v in self.state.items() if k in index}
        groups = [{k: v for k, v in g.items() if k != "params"} for g in self.param_groups]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned, for the same parameters in the same order."""
        params = self._params()
        if len(state_dict["param_groups"]) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: saved state has "
                             f"{len(state_dict['param_groups'])} groups, this optimizer "
                             f"{len(self.param_groups)}")
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            group.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in saved.items()})
        self.state = {}
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            self.state[id(p)] = {k: _copy_to(v, p.device) for k, v in s.items()}


def _copy_to(value, device):
    """A private copy of an array on ``device``; numbers pass through."""
    if not hasattr(value, "shape"):
        return value
    moved = backend.to_device(value, device)
    return moved.copy() if moved is value else moved


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and weight decay.

    g = grad + weight_decay * p;  b = momentum * b + (1 - dampening) * g (b = g at the
    first step);  g = g + momentum * b (Nesterov) or b;  p = p - lr * g.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, xp, p, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        if group["momentum"]:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = g.copy()
            else:
                buf = state["momentum_buffer"]
                buf *= group["momentum"]
                buf += (1 - group["dampening"]) * g
            buf = state["momentum_buffer"]
            g = g + group["momentum"] * buf if group["nesterov"] else buf
        p -= group["lr"] * g


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton 2012), as PyTorch computes it; WGAN's optimizer.

    v = alpha v + (1 - alpha) g^2;  with ``centered``, m = alpha m + (1 - alpha) g
    and v is replaced by v - m^2;  p = p - lr * g / (sqrt(v) + eps).
    Note that eps is added OUTSIDE the square root. With momentum:
    b = momentum * b + g / (sqrt(v) + eps), p = p - lr * b.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, xp, p, g, state, group):
        alpha = group["alpha"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p)
            if group["momentum"]:
                state["momentum_buffer"] = xp.zeros_like(p)
        state["step"] += 1
        sq = state["square_avg"]
        sq *= alpha
        sq += (1 - alpha) * g * g
        if group["centered"]:
            ga = state["grad_avg"]
            ga *= alpha
            ga += (1 - alpha) * g
            avg = xp.sqrt(sq - ga * ga) + group["eps"]
        else:
            avg = xp.sqrt(sq) + group["eps"]
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p -= group["lr"] * buf
        else:
            p -= group["lr"] * g / avg


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with L2 weight decay and AMSGrad, as PyTorch computes it.

    g = grad + weight_decay * p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    v_hat = max(v_hat, v) with AMSGrad, else v;
    p = p - lr / (1 - b1^t) * m / (sqrt(v_hat) / sqrt(1 - b2^t) + eps).
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        if not 0 <= betas[0] < 1 or not 0 <= betas[1] < 1:
            raise ValueError(f"{type(self).__name__}: betas must lie in [0, 1), got {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _update(self, xp, p, g, state, group):
        b1, b2 = group["betas"]
        if group["weight_decay"]:
            if self.decoupled:
                p *= 1 - group["lr"] * group["weight_decay"]
            else:
                g = g + group["weight_decay"] * p
        if "exp_avg" not in state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p)
            state["exp_avg_sq"] = xp.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = xp.sqrt(v) / math.sqrt(1 - b2 ** t) + group["eps"]
        p -= (group["lr"] / (1 - b1 ** t)) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019): p = p (1 - lr wd) before the Adam step."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
