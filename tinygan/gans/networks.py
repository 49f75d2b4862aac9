"""The small networks the toy-data variants share, and a way to call a network
with parameter tensors other than its own (for unrolled optimisation)."""
import contextlib
import math

from .. import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
}


def mlp(in_shape, hidden, out_shape, activation="relu", device="cpu"):
    """A multilayer perceptron from samples of ``in_shape`` to samples of ``out_shape``.

    Inputs are flattened (all non-batch axes), then Linear layers of sizes
    ``hidden`` with ``activation`` between them, then a Linear output layer
    (no output nonlinearity), reshaped to ``out_shape``.
    """
    in_shape, out_shape = _shape(in_shape), _shape(out_shape)
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
    layers = [nn.Flatten()] if len(in_shape) > 1 else []
    width = math.prod(in_shape)
    for size in hidden:
        layers += [nn.Linear(width, size, device=device), ACTIVATIONS[activation]()]
        width = size
    layers.append(nn.Linear(width, math.prod(out_shape), device=device))
    if len(out_shape) > 1:
        layers.append(nn.Unflatten(*out_shape))
    return nn.Sequential(*layers)


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


@contextlib.contextmanager
def swapped_parameters(module, tensors):
    """Within the block, ``module`` computes with ``tensors`` in place of its parameters.

    ``tensors`` maps dotted parameter names (as in ``named_parameters()``) to
    Tensors, usually non-leaf ones carrying a graph, so that what the module
    computes can be differentiated through them. The original Parameters are
    put back on exit.
    """
    owners = dict(module.named_modules())
    originals = []
    try:
        for name, tensor in tensors.items():
            owner_name, _, attribute = name.rpartition(".")
            owner = owners[owner_name]
            originals.append((owner, attribute, getattr(owner, attribute)))
            object.__setattr__(owner, attribute, tensor)
        yield module
    finally:
        for owner, attribute, parameter in reversed(originals):
            object.__setattr__(owner, attribute, parameter)


def functional_call(module, tensors, *args):
    """``module(*args)`` computed with ``tensors`` (name -> Tensor) as its parameters."""
    with swapped_parameters(module, tensors):
        return module(*args)
