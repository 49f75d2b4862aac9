"""Reverse-mode automatic differentiation of any order.

A ``Function`` computes its ``forward`` on raw arrays and its ``backward`` with
differentiable Tensor ops. During an ordinary ``backward()`` those ops run
under ``no_grad`` (no second graph is built, nothing is kept); with
``create_graph=True`` they run with grad enabled, so the gradient is itself a
graph that can be differentiated again.

The graph walk is iterative: functions are visited in decreasing generation
(a function's generation is one more than the largest generation of its
inputs), which is a topological order, so no recursion limit is ever hit.
"""
import contextlib
import heapq
import itertools
import weakref

from . import backend

_grad_enabled = True
_anomaly_mode = False


def is_grad_enabled():
    """True when new ops record themselves in the graph."""
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        global _grad_enabled
        self.previous = _grad_enabled
        _grad_enabled = self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous


def no_grad():
    """Context manager (and decorator) under which ops build no graph."""
    return _GradMode(False)


def enable_grad():
    """Context manager (and decorator) that turns graph building back on."""
    return _GradMode(True)


def set_grad_enabled(mode):
    """Context manager that sets graph building on or off."""
    return _GradMode(bool(mode))


@contextlib.contextmanager
def detect_anomaly():
    """Raise at the first op whose forward output or input gradient is not finite.

    The error names the op, so a NaN can be traced to where it was born.
    """
    global _anomaly_mode
    previous, _anomaly_mode = _anomaly_mode, True
    try:
        yield
    finally:
        _anomaly_mode = previous


def _check_finite(op_name, what, arrays):
    for i, a in enumerate(arrays):
        if a is None or a.dtype.kind != "f":
            continue
        xp = backend.get_array_module(a)
        if not bool(xp.isfinite(a).all()):
            raise FloatingPointError(
                f"detect_anomaly: {op_name} produced a non-finite value in its {what} {i} "
                f"(shape {tuple(a.shape)})")


class Function:
    """One differentiable op: ``forward`` on arrays, ``backward`` on Tensors.

    Subclasses implement ``forward(*arrays)`` returning an array (or a tuple
    of arrays) and ``backward(*grad_outputs)`` returning one gradient Tensor
    (or None) per input. In ``backward``, ``self.inputs`` are the input
    Tensors and ``self.output(i)`` is the i-th output Tensor.
    ``self.needs_input_grad[i]`` says whether input i wants a gradient.
    """

    differentiable_twice = True  # False: backward may not be recorded (create_graph)

    def __call__(self, *inputs):
        from .tensor import Tensor, as_tensor
        tensors = _prepare_inputs(self.name, inputs, as_tensor, Tensor)
        outputs = self.forward(*(t.data for t in tensors))
        single = not isinstance(outputs, tuple)
        if single:
            outputs = (outputs,)
        if _anomaly_mode:
            _check_finite(self.name, "output", outputs)
        needs_grad = _grad_enabled and any(t.requires_grad for t in tensors)
        results = tuple(Tensor._from_op(o, needs_grad) for o in outputs)
        if needs_grad:
            self.inputs = tensors
            self.needs_input_grad = tuple(t.requires_grad for t in tensors)
            self.generation = max(t._generation for t in tensors)
            self._outputs = [weakref.ref(r) for r in results]
            self._output_meta = [(o.shape, o.dtype) for o in outputs]
            for r in results:
                r._creator = self
                r._generation = self.generation + 1
        return results[0] if single else results

    @property
    def name(self):
        return type(self).__name__

    def output(self, i=0):
        """The i-th output Tensor (held weakly, so no cycle keeps it alive)."""
        out = self._outputs[i]()
        if out is None:
            raise RuntimeError(f"{self.name}: its output {i} no longer exists")
        return out

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError

    def _release(self):
        """Drop what backward needs, after a backward without retain_graph."""
        kept = ("generation", "_outputs", "_output_meta", "needs_input_grad")
        state = {k: self.__dict__[k] for k in kept}
        self.__dict__.clear()
        self.__dict__.update(state, inputs=None, _freed=True)


def _prepare_inputs(op_name, inputs, as_tensor, tensor_type):
    """Turn scalars into tensors like their neighbours; refuse mixed devices and dtypes."""
    like = next((x for x in inputs if isinstance(x, tensor_type)), None)
    tensors = [x if isinstance(x, tensor_type) else as_tensor(x, like) for x in inputs]
    if len(tensors) > 1:
        devices = {t.device for t in tensors}
        if len(devices) > 1:
            desc = ", ".join(f"{t.device} {tuple(t.shape)}" for t in tensors)
            raise RuntimeError(f"{op_name}: inputs are on different devices ({desc}); "
                               f"move them with .to(device) first")
        floats = {t.dtype for t in tensors if t.dtype.kind == "f"}
        if len(floats) > 1:
            desc = ", ".join(f"{t.dtype} {tuple(t.shape)}" for t in tensors)
            raise TypeError(f"{op_name}: inputs have different floating dtypes ({desc}); "
                            f"convert one with .astype()")
        if floats:
            (dtype,) = floats
            tensors = [t if t.dtype.kind == "f" else as_tensor(t.data.astype(dtype))
                       for t in tensors]
    return tensors


# ---------------------------------------------------------------- graph walk

def _as_grad_list(tensors, grads, what):
    from .tensor import Tensor, ones_like
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if grads is None:
        grads = (None,) * len(tensors)
    elif isinstance(grads, Tensor) or not isinstance(grads, (list, tuple)):
        grads = (grads,)
    if len(grads) != len(tensors):
        raise ValueError(f"{what}: got {len(tensors)} outputs but {len(grads)} grad_outputs")
    out = []
    for t, g in zip(tensors, grads):
        if g is None:
            if t.size != 1:
                raise RuntimeError(
                    f"{what}: output of shape {tuple(t.shape)} is not a scalar; "
                    f"pass a gradient of the same shape (grad=...) to say which "
                    f"weighted sum of its elements to differentiate")
            g = ones_like(t)
        elif not isinstance(g, Tensor):
            from .tensor import tensor as make_tensor
            g = make_tensor(g, dtype=t.dtype, device=t.device)
        if tuple(g.shape) != tuple(t.shape):
            raise ValueError(f"{what}: gradient of shape {tuple(g.shape)} given for an "
                             f"output of shape {tuple(t.shape)}")
        out.append(g)
    return tensors, out


def _collect_functions(roots):
    """Every function reachable from the roots' creators."""
    seen, stack, found = set(), [r._creator for r in roots if r._creator], []
    while stack:
        f = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        found.append(f)
        stack.extend(t._creator for t in (f.inputs or ()) if t._creator is not None)
    return found


def _functions_leading_to(functions, targets):
    """The subset of functions on some path to a target tensor."""
    target_ids = {id(t) for t in targets}
    needed = set()
    for f in sorted(functions, key=lambda f: f.generation):
        for t in f.inputs or ():
            if id(t) in target_ids or (t._creator is not None and id(t._creator) in needed):
                needed.add(id(f))
                break
    return needed


def run_backward(roots, root_grads, retain_graph, create_graph, targets=None):
    """Propagate gradients from ``roots`` back through the graph.

    Returns a dict id(tensor) -> (tensor, gradient) holding the final
    gradient of every leaf reached (and of every tensor in ``targets``).
    With ``targets`` given, only the part of the graph between the roots and
    the targets is walked, and nothing is propagated past a target.
    """
    functions = _collect_functions(roots)
    target_ids = None
    if targets is not None:
        target_ids = {id(t) for t in targets}
        keep = _functions_leading_to(functions, targets)
        functions = [f for f in functions if id(f) in keep]
    for f in functions:
        if getattr(f, "_freed", False):
            raise RuntimeError(
                f"backward through {f.name} a second time: its saved values were freed "
                f"by the first backward; pass retain_graph=True to the first call")
        if create_graph and not f.differentiable_twice:
            raise RuntimeError(f"{f.name} has no second-order derivative; it cannot be "
                               f"used under create_graph=True")
    counter = itertools.count()
    heap = [(-f.generation, next(counter), f) for f in functions]
    heapq.heapify(heap)
    grads = {}
    for r, g in zip(roots, root_grads):
        _accumulate(grads, r, g)
    done = {}

    with set_grad_enabled(create_graph):
        while heap:
            _, _, f = heapq.heappop(heap)
            gys = []
            for i, ref in enumerate(f._outputs):
                out = ref()
                entry = grads.pop(id(out), None) if out is not None else None
                g = None
                if entry is not None:
                    g = _apply_hooks(out, entry[1])
                    if target_ids is not None and id(out) in target_ids:
                        done[id(out)] = (out, g)
                gys.append(g)
            if all(g is None for g in gys):
                continue
            gys = [g if g is not None else _zeros(f, i) for i, g in enumerate(gys)]
            if target_ids is not None:
                # ask only for the input gradients that lead to a target
                all_needed = f.needs_input_grad
                f.needs_input_grad = tuple(
                    need and (id(x) in target_ids or (x._creator is not None and id(x._creator) in keep))
                    for x, need in zip(f.inputs, all_needed))
            try:
                gxs = f.backward(*gys)
            except FloatingPointError as exc:
                if not _anomaly_mode:
                    raise
                raise FloatingPointError(f"{exc}, while computing the gradient of {f.name}") from None
            finally:
                if target_ids is not None:
                    f.needs_input_grad = all_needed
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            if _anomaly_mode:
                _check_finite(f.name, "input gradient", [g.data for g in gxs if g is not None])
            for x, gx, need in zip(f.inputs, gxs, f.needs_input_grad):
                if not need or gx is None:
                    continue
                if tuple(gx.shape) != tuple(x.shape):
                    raise RuntimeError(f"{f.name}.backward returned a gradient of shape "
                                       f"{tuple(gx.shape)} for an input of shape {tuple(x.shape)}")
                if target_ids is not None and id(x) not in target_ids and (
                        x._creator is None or id(x._creator) not in keep):
                    continue
                _accumulate(grads, x, gx)
            if not retain_graph:
                f._release()
        for key, (t, g) in list(grads.items()):
            done[key] = (t, _apply_hooks(t, g))
    return done


def _zeros(f, i):
    from .tensor import Tensor
    shape, dtype = f._output_meta[i]
    xp = backend.get_array_module(f.inputs[0].data)
    return Tensor(xp.zeros(shape, dtype=dtype))


def _accumulate(grads, tensor, g):
    entry = grads.get(id(tensor))
    grads[id(tensor)] = (tensor, g if entry is None else entry[1] + g)


def _apply_hooks(tensor, g):
    for hook in tensor._hooks.values() if tensor._hooks else ():
        result = hook(g)
        if result is not None:
            g = result
    return g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, as a tuple of Tensors.

    Computes sum_k grad_outputs[k] . d outputs[k] / d inputs[i] for each input,
    without touching any ``.grad``. With ``create_graph=True`` the results
    carry a graph and can be differentiated again (gradient penalties,
    unrolled optimisation). ``retain_graph`` defaults to ``create_graph``.
    """
    from .tensor import Tensor
    outputs, grad_outputs = _as_grad_list(outputs, grad_outputs, "grad")
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(x.shape)}) does not require grad")
    for i, y in enumerate(outputs):
        if not y.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {tuple(y.shape)}) does not require "
                               f"grad; it was computed without any input that requires grad "
                               f"(or under no_grad)")
    if retain_graph is None:
        retain_graph = create_graph
    found = run_backward(outputs, grad_outputs, retain_graph, create_graph, targets=inputs)
    results = []
    for i, x in enumerate(inputs):
        entry = found.get(id(x))
        if entry is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(x.shape)}) was not used to "
                                   f"compute the outputs; pass allow_unused=True to get None")
            results.append(None)
        else:
            g = entry[1]
            results.append(g if create_graph else g.detach())
    return tuple(results)


def backward(tensors, grad_tensors=None, retain_graph=False, create_graph=False):
    """Accumulate d tensors / d leaf into every leaf's ``.grad``."""
    tensors, grad_tensors = _as_grad_list(tensors, grad_tensors, "backward")
    for t in tensors:
        if not t.requires_grad:
            raise RuntimeError(f"backward: tensor of shape {tuple(t.shape)} does not require "
                               f"grad and has no graph to differentiate")
    found = run_backward(tensors, grad_tensors, retain_graph or create_graph, create_graph)
    for t, g in found.values():
        if t._creator is None and t.requires_grad:
            g = g if create_graph else g.detach()
            t.grad = g if t.grad is None else t.grad + g
