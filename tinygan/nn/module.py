"""Module and Parameter: the containers of learnable state, named as in PyTorch."""
from collections import OrderedDict

from .. import backend
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that a Module registers as learnable (requires_grad=True)."""

    def __init__(self, data, requires_grad=True):
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of layers and networks.

    Parameters, buffers and submodules assigned as attributes are found by
    ``parameters()``/``named_parameters()`` in assignment order, with dotted
    names (``"main.0.weight"``) as in PyTorch.
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_buffer_names", [])
        object.__setattr__(self, "_forward_pre_hooks", {})

    def __setattr__(self, name, value):
        if "_buffer_names" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before "
                               f"assigning attributes")
        object.__setattr__(self, name, value)

    def register_buffer(self, name, tensor):
        """Register non-learnable state (e.g. running statistics) saved in state_dict."""
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        object.__setattr__(self, name, tensor)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        for hook in self._forward_pre_hooks.values():
            hook(self, args)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before every forward (spectral norm uses it).

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        from ..tensor import _HookHandle
        return _HookHandle(self._forward_pre_hooks, hook)

    # ------------------------------------------------------------ traversal
    def named_children(self):
        """(name, submodule) for each direct submodule."""
        for name, value in self.__dict__.items():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        return (m for _, m in self.named_children())

    def named_modules(self, prefix=""):
        """(dotted name, module) for self and every submodule, depth first."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) for every parameter, each shared one once."""
        seen = set()
        for mod_name, module in self.named_modules(prefix):
            for name, value in module.__dict__.items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self, prefix=""):
        """(dotted name, Tensor) for every registered buffer that is set."""
        for mod_name, module in self.named_modules(prefix):
            for name in module._buffer_names:
                value = module.__dict__.get(name)
                if value is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    def buffers(self):
        return (b for _, b in self.named_buffers())

    # ------------------------------------------------------------ state
    def train(self, mode=True):
        """Set training mode (batch statistics, dropout) on self and all submodules."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode (running statistics, no dropout)."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Turn gradient tracking of every parameter on or off."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self):
        """Forget the accumulated gradients (set ``.grad`` to None)."""
        for p in self.parameters():
            p.grad = None

    def to(self, device):
        """Move every parameter and buffer to ``device`` in place; returns self."""
        device = backend.check_device(device)
        for t in list(self.parameters()) + list(self.buffers()):
            t.data = backend.to_device(t.data, device)
            if t.grad is not None:
                t.grad = Tensor(backend.to_device(t.grad.data, device))
        return self

    def _named_state(self):
        """(dotted name, tensor) in PyTorch's state_dict order: each module's own
        parameters, then its buffers, then its submodules'."""
        seen = set()
        for mod_name, module in self.named_modules():
            own = [(n, v) for n, v in module.__dict__.items() if isinstance(v, Parameter)]
            own += [(n, module.__dict__[n]) for n in module._buffer_names
                    if module.__dict__.get(n) is not None]
            for name, value in own:
                if id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    def state_dict(self):
        """An ordered dict of dotted name -> a copy of the array (parameters and buffers)."""
        return OrderedDict((name, t.data.copy()) for name, t in self._named_state())

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays into the parameters and buffers with the same names.

        With ``strict``, missing and unexpected names are errors; shapes must
        always match. Values are copied onto each tensor's own device.
        """
        own = OrderedDict(self._named_state())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict into {type(self).__name__}: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        for name, t in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = value.data if isinstance(value, Tensor) else value
            if tuple(value.shape) != tuple(t.shape):
                raise ValueError(f"load_state_dict into {type(self).__name__}: {name} has shape "
                                 f"{tuple(t.shape)} but the state dict holds {tuple(value.shape)}")
            t.data = backend.to_device(value, t.device).astype(t.dtype, copy=True)
        return missing, unexpected

    def num_parameters(self):
        """Total number of learnable scalars."""
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------ display
    def extra_repr(self):
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied in order; submodules are named "0", "1", ..."""

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def __iter__(self):
        return iter(self.children())

    def __len__(self):
        return sum(1 for _ in self.children())

    def __getitem__(self, i):
        return list(self.children())[i]

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x


class ModuleList(Module):
    """A list of modules, registered as "0", "1", ..."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        setattr(self, str(len(self)), module)
        return self

    def __iter__(self):
        return iter(self.children())

    def __len__(self):
        return sum(1 for _ in self.children())

    def __getitem__(self, i):
        return list(self.children())[i]
