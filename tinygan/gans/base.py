"""The protocol every GAN variant follows, and the few steps they all share.

A variant is built from the shape of one data sample and a config (its
paper's ``defaults`` overridden by the user's keys), owns its networks and
optimizers, and performs one iteration of its paper's algorithm in
``train_step(sample_real)``. Batching, logging, timing and checkpoints live
in ``tinygan.train``, never here.
"""
import contextlib
import math

from .. import autograd, backend, optim
from ..tensor import rand, randn


class Variant:
    """Base class of the GAN variants.

    Class attributes: ``name`` (the command-line name), ``paper`` (the
    reference), ``defaults`` (the paper's hyperparameters), ``supported_data``
    (names of the data sets the variant's networks are made for).
    """

    name = None
    paper = ""
    defaults = {}
    supported_data = ()

    def __init__(self, data_shape, config=None, device="cpu"):
        self.data_shape = (data_shape,) if isinstance(data_shape, int) else tuple(data_shape)
        self.device = backend.check_device(device)
        self.config = self.resolve_config(config)

    @classmethod
    def resolve_config(cls, config):
        """``{**defaults, **config}``; an unknown key raises a ValueError listing the valid ones."""
        config = dict(config or {})
        unknown = sorted(set(config) - set(cls.defaults))
        if unknown:
            raise ValueError(f"{cls.name}: unknown config keys {unknown}; valid keys are "
                             f"{sorted(cls.defaults)}")
        return {**cls.defaults, **config}

    # ------------------------------------------------------------ the protocol
    def train_step(self, sample_real):
        """One iteration of the paper's algorithm; ``sample_real(m)`` gives m real samples.

        Returns a dict of floats (losses, mean D outputs, gradient norms).
        """
        raise NotImplementedError

    def sample(self, n):
        """n generated samples G(z), z ~ p_z, as a Tensor without a graph (from G's running
        average of weights where the variant keeps one)."""
        with autograd.no_grad(), self.averaged_generator() as generator:
            return generator(self.sample_z(n))

    def networks(self):
        """name -> Module: {"G": self.generator, "D": self.discriminator} unless overridden."""
        return {"G": self.generator, "D": self.discriminator}

    def optimizers(self):
        """name -> Optimizer, keyed like ``networks()``."""
        return {"G": self.opt_g, "D": self.opt_d}

    @contextlib.contextmanager
    def averaged_generator(self):
        """Within the block, G computes with the running average of its weights where the
        variant keeps one (``self.average``, a ``tinygan.gans.averaging.WeightAverage``)."""
        average = getattr(self, "average", None)
        if average is None:
            yield self.generator
        else:
            with average.applied(self.generator):
                yield self.generator

    def update_average(self, batch_size):
        """After a G step on ``batch_size`` samples, move G's running average of weights
        towards G's weights, where the variant keeps one (``self.average``)."""
        average = getattr(self, "average", None)
        if average is not None:
            average.update(self.generator, batch_size)

    def discriminate(self, x):
        """D's raw outputs (logits or critic scores) on a batch of samples, shape (m,)."""
        return self.discriminator(x).reshape(-1)

    # ------------------------------------------------------------ shared steps
    def sample_z(self, m):
        """m draws of the noise prior p_z: N(0, I) or U(-1, 1)^z_dim (config ``noise``)."""
        shape = (m, self.config["z_dim"])
        if self.config.get("noise", "normal") == "uniform":
            return rand(*shape, device=self.device) * 2 - 1
        return randn(*shape, device=self.device)

    def make_optimizer(self, network, lr=None):
        """The optimizer named by the config ("adam", "rmsprop" or "sgd") over ``network``."""
        cfg = self.config
        lr = cfg["lr"] if lr is None else lr
        kind = cfg.get("optimizer", "adam")
        if kind == "adam":
            return optim.Adam(network.parameters(), lr=lr, betas=tuple(cfg["betas"]))
        if kind == "rmsprop":
            return optim.RMSprop(network.parameters(), lr=lr)
        if kind == "sgd":
            return optim.SGD(network.parameters(), lr=lr, momentum=cfg.get("momentum", 0.0))
        raise ValueError(f"{self.name}: unknown optimizer {kind!r}; use adam, rmsprop or sgd")


def descend(loss, network, optimizer):
    """Store d loss / d theta in each parameter's ``.grad``, take one optimizer step.

    Only ``network``'s parameters receive gradients (``tg.grad``, not
    ``backward``), so each network's ``.grad`` always holds its own last
    gradient. Returns the gradient's global L2 norm.
    """
    params = list(network.parameters())
    grads = autograd.grad(loss, params)
    for p, g in zip(params, grads):
        p.grad = g
    optimizer.step()
    return global_norm(grads)


def descend_jointly(loss, networks, optimizers):
    """One gradient of ``loss`` for the parameters of all ``networks``; then every optimizer steps.

    Returns the gradient's global L2 norm per network (a list, in order).
    """
    groups = [list(network.parameters()) for network in networks]
    grads = autograd.grad(loss, [p for group in groups for p in group])
    norms, start = [], 0
    for group in groups:
        mine = grads[start:start + len(group)]
        for p, g in zip(group, mine):
            p.grad = g
        norms.append(global_norm(mine))
        start += len(group)
    for optimizer in optimizers:
        optimizer.step()
    return norms


def descend_each(assignments):
    """For each (loss, network, optimizer): the gradient of that loss for that network's parameters.

    All gradients are taken from the one graph before any optimizer steps
    (the updates are simultaneous, as in Algorithm 1). Returns the global
    L2 norm of each network's gradient, in order.
    """
    all_grads = []
    for i, (loss, network, _) in enumerate(assignments):
        params = list(network.parameters())
        last = i == len(assignments) - 1
        all_grads.append((params, autograd.grad(loss, params, retain_graph=not last)))
    for (params, grads), (_, _, optimizer) in zip(all_grads, assignments):
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()
    return [global_norm(grads) for _, grads in all_grads]


def global_norm(tensors):
    """sqrt(sum over tensors of sum of squares), as a float."""
    return math.sqrt(sum(float((t.data * t.data).sum()) for t in tensors))


@contextlib.contextmanager
def frozen(network):
    """Within the block, ``network``'s parameters do not require grad (G's step through D)."""
    flags = [(p, p.requires_grad) for p in network.parameters()]
    for p, _ in flags:
        p.requires_grad = False
    try:
        yield network
    finally:
        for p, flag in flags:
            p.requires_grad = flag


def mean_of(tensor):
    """The mean of a tensor's values as a float."""
    return float(tensor.data.mean())
