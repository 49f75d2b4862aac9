"""Check analytic gradients against central finite differences, in float64.

The check projects the outputs on a fixed random direction r, giving the
scalar L(x) = sum_k <r_k, f_k(x)>, and compares the backward pass's dL/dx
with (L(x + eps e_i) - L(x - eps e_i)) / (2 eps) for every element i of every
input. One backward and two forwards per element: cheap enough for every op,
and a wrong Jacobian is caught with probability one.
"""
import numpy

from .. import autograd
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytic and numerical derivatives disagree."""


def _outputs_tuple(out):
    return out if isinstance(out, (tuple, list)) else (out,)


def _projection(fn, inputs, directions):
    outs = _outputs_tuple(fn(*inputs))
    total = 0.0
    for out, r in zip(outs, directions):
        if out is not None and r is not None:
            total = total + (out * r).sum()
    return total


def _directions(outputs, seed):
    rng = numpy.random.default_rng(seed)
    result = []
    for out in outputs:
        if out is None or out.dtype.kind != "f":
            result.append(None)
            continue
        r = rng.standard_normal(out.shape)
        xp = autograd.backend.get_array_module(out.data)
        result.append(Tensor(xp.asarray(r, dtype=out.dtype)))
    return result


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Compare d<r, fn(*inputs)>/d input with central differences for every input that requires grad.

    ``fn`` maps Tensors to a Tensor or a tuple of Tensors. Inputs should be
    float64. Returns True, or raises GradcheckError naming the input, the
    element and both values.
    """
    inputs = [x if isinstance(x, Tensor) else Tensor(numpy.asarray(x)) for x in inputs]
    for x in inputs:
        if not x.data.flags.c_contiguous:  # perturbed in place through a flat view
            x.data = x.data.copy()
    wrt = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].dtype != numpy.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; use float64, "
                            f"finite differences in float32 are too coarse")
    outputs = _outputs_tuple(fn(*inputs))
    directions = _directions(outputs, seed)
    loss = _projection(fn, inputs, directions)
    if not isinstance(loss, Tensor) or not loss.requires_grad:
        raise GradcheckError("gradcheck: the output does not depend on any input that requires grad")
    analytic = autograd.grad(loss, [inputs[i] for i in wrt], allow_unused=True)
    # Finite differences run with grad enabled: fn may itself call grad (penalties).
    for i, g in zip(wrt, analytic):
        numeric = _numeric_gradient(fn, inputs, i, directions, eps)
        got = numpy.zeros_like(numeric) if g is None else g.numpy()
        _compare(got, numeric, i, atol, rtol, "first")
    return True


def _numeric_gradient(fn, inputs, i, directions, eps):
    x = inputs[i]
    flat = x.data.reshape(-1)
    result = numpy.zeros(x.size)
    for k in range(x.size):
        saved = flat[k].copy()
        flat[k] = saved + eps
        plus = float(_projection(fn, inputs, directions).item())
        flat[k] = saved - eps
        minus = float(_projection(fn, inputs, directions).item())
        flat[k] = saved
        result[k] = (plus - minus) / (2 * eps)
    return result.reshape(x.shape)


def _compare(analytic, numeric, index, atol, rtol, order):
    analytic = numpy.asarray(analytic, dtype=numpy.float64)
    bad = ~numpy.isclose(analytic, numeric, atol=atol, rtol=rtol)
    if bad.any():
        where = tuple(int(k) for k in numpy.argwhere(bad)[0])
        raise GradcheckError(
            f"{order}-order gradient of input {index} disagrees with finite differences "
            f"at element {where}: analytic {analytic[where]!r}, numerical {numeric[where]!r} "
            f"({int(bad.sum())} of {bad.size} elements differ)")


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: gradcheck of x, v -> d<v, fn(x)>/dx (built with create_graph).

    The gradient is differentiated with respect to the inputs and to the
    output direction v, as PyTorch's gradgradcheck does.
    """
    inputs = [x if isinstance(x, Tensor) else Tensor(numpy.asarray(x)) for x in inputs]
    wrt = [i for i, x in enumerate(inputs) if x.requires_grad]
    outputs = [o for o in _outputs_tuple(fn(*inputs))]
    rng = numpy.random.default_rng(seed + 1)
    live = [k for k, o in enumerate(outputs) if o is not None and o.requires_grad]
    vs = [Tensor(numpy.asarray(rng.standard_normal(outputs[k].shape), dtype=outputs[k].dtype),
                 requires_grad=True) for k in live]
    n = len(inputs)

    def first_derivative(*args):
        xs, v = list(args[:n]), list(args[n:])
        outs = _outputs_tuple(fn(*xs))
        grads = autograd.grad([outs[k] for k in live], [xs[i] for i in wrt],
                              grad_outputs=v, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    try:
        return gradcheck(first_derivative, inputs + vs, eps=eps, atol=atol, rtol=rtol, seed=seed)
    except GradcheckError as exc:
        raise GradcheckError(f"second order: {exc}") from None
