"""Weights to and from PyTorch, without needing PyTorch.

tinygan's layers already use PyTorch's parameter names and array layouts:

    Linear            weight (out_features, in_features), bias (out_features,)
    Conv2d            weight (C_out, C_in / groups, kH, kW), bias (C_out,)
    ConvTranspose2d   weight (C_in, C_out / groups, kH, kW), bias (C_out,)
    BatchNorm1d/2d    weight, bias, running_mean, running_var (C,), num_batches_tracked ()
    Embedding         weight (num_embeddings, embedding_dim)

so an export is the module's state dict under the same dotted names
(``main.0.weight``). PyTorch's batch norm keeps ``num_batches_tracked``, an int64
scalar, next to its running statistics; tinygan's BatchNorm1d/2d keep it as a
buffer too. For any other layer with ``running_mean`` and ``running_var``
buffers but no such buffer, the export adds it after ``running_var`` (from a
plain ``num_batches_tracked`` attribute if the layer has one, else 0), and the
import reads it back into that attribute or drops it.

In PyTorch, with a model built like the tinygan one:

    from safetensors.torch import load_file
    torch_model.load_state_dict(load_file("generator.safetensors"))
    # or: {k: torch.from_numpy(v) for k, v in numpy.load("generator.npz").items()}
"""
from collections import OrderedDict

import numpy

from . import io as tio
from .tensor import Tensor

__all__ = ["export_torch_state_dict", "import_torch_state_dict", "torch_state_dict"]

BATCHES_TRACKED = "num_batches_tracked"


def _batch_norm_layers(module):
    """(prefix, layer) of every submodule that keeps running statistics."""
    for name, layer in module.named_modules():
        buffers = dict(layer.named_buffers())
        if buffers.get("running_mean") is not None and buffers.get("running_var") is not None:
            yield (f"{name}." if name else ""), layer


def _tracked_batches(layer):
    value = getattr(layer, BATCHES_TRACKED, 0)
    value = value.numpy() if isinstance(value, Tensor) else value
    return numpy.asarray(value, dtype=numpy.int64).reshape(())


def torch_state_dict(module):
    """``module``'s parameters and buffers as NumPy arrays, named and laid out as PyTorch's
    ``state_dict()`` of the same architecture would be (see the module docstring)."""
    state = tio.as_numpy_state(module)
    extra = {f"{prefix}running_var": (f"{prefix}{BATCHES_TRACKED}", _tracked_batches(layer))
             for prefix, layer in _batch_norm_layers(module)
             if f"{prefix}{BATCHES_TRACKED}" not in state}
    out = OrderedDict()
    for name, array in state.items():
        out[name] = array
        if name in extra:
            key, count = extra[name]
            out[key] = count
    return out


def export_torch_state_dict(module, path):
    """Write ``torch_state_dict(module)`` to ``path`` (``.safetensors`` or ``.npz``), atomically.

    A safetensors file is tagged ``{"format": "pt"}`` in its metadata, as
    ``safetensors.torch.save_file`` users expect.
    """
    state = torch_state_dict(module)
    metadata = {"format": "pt"} if str(path).endswith(".safetensors") else None
    tio.save_state_dict(state, path, metadata=metadata)


def import_torch_state_dict(module, path, strict=True):
    """Load a PyTorch-named state dict file (``.safetensors`` or ``.npz``) into ``module``.

    Names and shapes must match the module's own (with ``strict``, every name
    on both sides); a mismatch raises ValueError listing every missing,
    unexpected and wrongly shaped entry, with a hint when a weight looks
    transposed. Values are cast to each tensor's dtype. Returns (missing,
    unexpected) names.
    """
    arrays = tio.load_state_dict(path)
    own = module.state_dict()
    for prefix, layer in _batch_norm_layers(module):
        key = prefix + BATCHES_TRACKED
        if key in arrays and key not in own:
            count = arrays.pop(key)
            if count.shape not in ((), (1,)) or count.dtype.kind not in "iu":
                raise ValueError(f"{path}: {key} should be an integer scalar, got "
                                 f"{count.dtype} {count.shape}")
            if isinstance(getattr(layer, BATCHES_TRACKED, None), int):
                setattr(layer, BATCHES_TRACKED, int(count.reshape(())))
    missing = [k for k in own if k not in arrays]
    unexpected = [k for k in arrays if k not in own]
    wrong = [f"{k}: file {arrays[k].shape}, module {own[k].shape}{_layout_hint(arrays[k], own[k])}"
             for k in own if k in arrays and arrays[k].shape != own[k].shape]
    problems = []
    if strict and missing:
        problems.append(f"missing from the file: {missing}")
    if strict and unexpected:
        problems.append(f"not in {type(module).__name__}: {unexpected}")
    if wrong:
        problems.append("shape mismatches: " + "; ".join(wrong))
    if problems:
        raise ValueError(f"{path} does not fit {type(module).__name__}: " + ". ".join(problems))
    module.load_state_dict(OrderedDict((k, v) for k, v in arrays.items() if k in own),
                           strict=False)
    return missing, unexpected


def _layout_hint(saved, mine):
    if saved.ndim == 2 and saved.shape == mine.shape[::-1]:
        return " (looks transposed: Linear weights are (out_features, in_features))"
    if saved.ndim == 4 and saved.shape == (mine.shape[1], mine.shape[0]) + mine.shape[2:]:
        return (" (first two axes look swapped: Conv2d weights are (C_out, C_in, kH, kW), "
                "ConvTranspose2d weights (C_in, C_out, kH, kW))")
    return ""
