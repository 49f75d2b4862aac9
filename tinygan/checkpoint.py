"""Checkpoints of a whole training run, from which a run resumes bit for bit on the CPU.

A checkpoint is one ``.npz`` file written through ``tinygan.io`` (atomic, never pickled):

    networks/<network>/<state name>       every network's parameters and buffers
    optimizers/<optimizer>/<index>/<key>  every optimizer's array state, by parameter index
    extra/<name>                          arrays of the variant's own extra state, if any
    meta                                  UTF-8 JSON stored as a uint8 array: the step, the
                                          config, each optimizer's hyperparameters and
                                          scalar state (e.g. ``step``), the random states,
                                          the extra state's other values

A variant that keeps state outside its networks and optimizers (a replay
buffer, a counter) takes part by defining, as PyTorch modules do,
``get_extra_state()`` returning a dict name -> array or JSON value, and
``set_extra_state(state)`` taking that dict back.

The random states are the engine's CPU generator (``tinygan.backend.rng_state()``)
and any data-sampling NumPy generators passed as ``extra_rng_states``. CuPy's
generators expose no state to save, so a CUDA run resumes with the right
weights and optimizer state but not the same random stream.

Given a run folder, ``save_checkpoint`` writes ``ckpt-000200.npz``, then points
the ``latest`` file at it, then deletes all but the newest ``keep``
checkpoints: the previous checkpoint stays on disk until the new one is
complete, and every file on disk is always whole.
"""
import dataclasses
import json
import os
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import NamedTuple

import numpy

from . import backend
from . import io as tio
from .io import CheckpointError
from .tensor import Tensor

__all__ = ["CheckpointError", "LoadedCheckpoint", "checkpoint_arrays", "latest_checkpoint",
           "list_checkpoints", "load_checkpoint", "prune_checkpoints", "save_checkpoint"]

FORMAT, VERSION = "tinygan-checkpoint", 1
META_KEY = "meta"
LATEST_POINTER = "latest"
CHECKPOINT_FILE = re.compile(r"ckpt-(\d+)\.npz")
STALE_TEMPORARY = re.compile(r"\.(ckpt-\d+\.npz|latest)\..+\.tmp")
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class LoadedCheckpoint(NamedTuple):
    """What ``load_checkpoint`` returns besides restoring the variant in place."""
    step: int
    config: object
    extra_rng_states: dict
    path: str


# ---------------------------------------------------------------- saving

def save_checkpoint(path, variant, step, config, extra_rng_states=None, keep=2):
    """Save networks, optimizers, random states, ``step`` and ``config`` of a run.

    ``path`` is a run folder (the file ``ckpt-<step>.npz`` is written in it, the
    ``latest`` pointer updated, older checkpoints pruned to the newest ``keep``)
    or a path ending in ``.npz`` (exactly that file is written). ``variant``
    provides ``networks()`` and ``optimizers()`` (dicts name -> Module /
    Optimizer); ``config`` is JSON-serialisable data or a dataclass;
    ``extra_rng_states`` maps names to NumPy Generators (or their
    ``bit_generator.state``). Returns the path of the file written.
    """
    if keep < 1:
        raise ValueError(f"save_checkpoint: keep must be at least 1, got {keep}")
    arrays = checkpoint_arrays(variant, step, config, extra_rng_states)
    path = os.fspath(path)
    if path.endswith(".npz"):
        tio.save_state_dict(arrays, path, format="npz")
        return path
    os.makedirs(path, exist_ok=True)
    name = f"ckpt-{int(step):06d}.npz"
    target = os.path.join(path, name)
    tio.save_state_dict(arrays, target, format="npz")
    with tio.atomic_write(os.path.join(path, LATEST_POINTER)) as f:
        f.write((name + "\n").encode("utf-8"))
    prune_checkpoints(path, keep)
    return target


def checkpoint_arrays(variant, step, config, extra_rng_states=None):
    """The named arrays of a checkpoint (what ``save_checkpoint`` writes), as copies in memory."""
    if isinstance(step, bool) or not isinstance(step, (int, numpy.integer)):
        raise TypeError(f"save_checkpoint: step must be an integer, got {step!r}")
    arrays = OrderedDict()
    meta = {"format": FORMAT, "version": VERSION, "variant": getattr(variant, "name", None),
            "step": int(step), "config": _plain_config(config), "networks": {}, "optimizers": {},
            "rng": {"engine_cpu": _rng_to_json(backend.rng_state()),
                    "extra": {name: _rng_to_json(_state_of(name, g))
                              for name, g in (extra_rng_states or {}).items()}}}
    for net_name, module in _named(variant.networks(), "network"):
        state = module.state_dict()
        meta["networks"][net_name] = {"class": type(module).__name__, "names": list(state)}
        for key, array in state.items():
            arrays[f"networks/{net_name}/{key}"] = array
    for opt_name, optimizer in _named(variant.optimizers(), "optimizer"):
        meta["optimizers"][opt_name] = _optimizer_meta(opt_name, optimizer, arrays)
    if hasattr(variant, "get_extra_state"):
        meta["extra_state"] = _extra_state_meta(variant.get_extra_state(), arrays)
    try:
        text = json.dumps(meta, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save_checkpoint: the config or optimizer settings are not "
                        f"JSON-serialisable ({exc})") from None
    arrays[META_KEY] = numpy.frombuffer(text.encode("utf-8"), dtype=numpy.uint8).copy()
    return arrays


def _named(mapping, what):
    for name, obj in mapping.items():
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"save_checkpoint: {what} names must be non-empty and free of "
                             f"'/', got {name!r}")
        yield name, obj


def _optimizer_meta(opt_name, optimizer, arrays):
    """Put the optimizer's array state into ``arrays``; return the JSON-able rest."""
    saved = optimizer.state_dict()
    scalars, array_keys = {}, {}
    for index, state in saved["state"].items():
        for key, value in state.items():
            if isinstance(value, (bool, int, float)) or value is None:
                scalars.setdefault(str(index), {})[key] = value
            elif hasattr(value, "shape") and hasattr(value, "dtype"):
                arrays[f"optimizers/{opt_name}/{index}/{key}"] = numpy.array(
                    backend.to_numpy(value))            # a copy, not the live buffer
                array_keys.setdefault(str(index), []).append(key)
            else:
                raise TypeError(f"save_checkpoint: optimizer {opt_name!r} holds state {key!r} "
                                f"of type {type(value).__name__}, which cannot be saved")
    return {"class": type(optimizer).__name__, "num_params": _num_params(optimizer),
            "param_groups": saved["param_groups"], "scalars": scalars, "arrays": array_keys}


def _extra_state_meta(state, arrays):
    """Put the arrays of a variant's extra state into ``arrays``; return the rest for JSON."""
    if not isinstance(state, Mapping):
        raise TypeError(f"save_checkpoint: get_extra_state() must return a dict, got "
                        f"{type(state).__name__}")
    values, array_names = {}, []
    for name, value in state.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"save_checkpoint: extra state names must be non-empty strings, "
                             f"got {name!r}")
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            value = value.data if isinstance(value, Tensor) else value
            arrays[f"extra/{name}"] = numpy.array(backend.to_numpy(value))
            array_names.append(name)
        else:
            values[name] = value
    return {"values": values, "arrays": array_names}


def _num_params(optimizer):
    return sum(len(group["params"]) for group in optimizer.param_groups)


def _plain_config(config):
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return dataclasses.asdict(config)
    if isinstance(config, Mapping):
        return dict(config)
    return config


def _json_default(value):
    if isinstance(value, numpy.generic):
        return value.item()
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} value {value!r} is not JSON-serialisable")


def _state_of(name, generator):
    if isinstance(generator, numpy.random.Generator):
        return generator.bit_generator.state
    if isinstance(generator, numpy.random.BitGenerator):
        return generator.state
    if isinstance(generator, Mapping) and "bit_generator" in generator:
        return dict(generator)
    raise TypeError(f"save_checkpoint: extra_rng_states[{name!r}] must be a NumPy Generator, "
                    f"BitGenerator or bit-generator state, got {type(generator).__name__}")


def _rng_to_json(state):
    """A bit-generator state with its arrays (MT19937's key) tagged by dtype."""
    if isinstance(state, Mapping):
        return {k: _rng_to_json(v) for k, v in state.items()}
    if isinstance(state, numpy.ndarray):
        return {"__array__": state.tolist(), "dtype": state.dtype.str}
    if isinstance(state, numpy.generic):
        return state.item()
    return state


def _rng_from_json(obj):
    if isinstance(obj, dict):
        if set(obj) == {"__array__", "dtype"}:
            return numpy.array(obj["__array__"], dtype=numpy.dtype(obj["dtype"]))
        return {k: _rng_from_json(v) for k, v in obj.items()}
    return obj


# ---------------------------------------------------------------- run folders

def list_checkpoints(run_dir):
    """Paths of the ``ckpt-<step>.npz`` files in ``run_dir``, oldest step first."""
    try:
        names = os.listdir(run_dir)
    except FileNotFoundError:
        return []
    found = [(int(m.group(1)), name) for name in names
             if (m := CHECKPOINT_FILE.fullmatch(name))]
    return [os.path.join(run_dir, name) for _, name in sorted(found)]


def latest_checkpoint(run_dir):
    """Path of the checkpoint the ``latest`` pointer names, else of the highest step; or None."""
    try:
        with open(os.path.join(run_dir, LATEST_POINTER), encoding="utf-8") as f:
            name = f.read().strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        name = ""
    if CHECKPOINT_FILE.fullmatch(name) and os.path.isfile(os.path.join(run_dir, name)):
        return os.path.join(run_dir, name)
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def prune_checkpoints(run_dir, keep=2):
    """Delete all but the newest ``keep`` checkpoints (never the one ``latest`` names),
    and temporary files left behind by an interrupted save."""
    current = latest_checkpoint(run_dir)
    for path in list_checkpoints(run_dir)[:-keep]:
        if path != current:
            _remove(path)
    for name in os.listdir(run_dir):
        if STALE_TEMPORARY.fullmatch(name):
            _remove(os.path.join(run_dir, name))


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# ---------------------------------------------------------------- loading

def load_checkpoint(path, variant, generators=None):
    """Restore ``variant``'s networks and optimizers and the random states from a checkpoint.

    ``path`` is a checkpoint file or a run folder (its latest checkpoint is
    used). ``generators`` maps names given to ``save_checkpoint``'s
    ``extra_rng_states`` to NumPy Generators whose state is restored in place.
    Everything is checked before anything is changed: a file that is damaged
    or does not fit the variant raises ``CheckpointError`` and leaves the
    variant and generators as they were. Returns a ``LoadedCheckpoint``
    (step, config, extra_rng_states, path); the config comes back as JSON data
    (a dataclass as a dict, tuples as lists).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        found = latest_checkpoint(path)
        if found is None:
            raise FileNotFoundError(f"{path}: no checkpoint in this run folder")
        path = found
    arrays = tio.load_state_dict(path, format="npz")
    meta = _read_meta(path, arrays)
    saved_variant, own_variant = meta.get("variant"), getattr(variant, "name", None)
    if saved_variant and own_variant and saved_variant != own_variant:
        raise _error(path, f"was saved by variant {saved_variant!r}, not {own_variant!r}")
    networks = _checked_networks(path, meta, arrays, variant.networks())
    optimizers = _checked_optimizers(path, meta, arrays, variant.optimizers())
    engine_state, extra_states, restores = _checked_rng(path, meta, generators or {})
    extra_state, extra_keys = _checked_extra_state(path, meta, arrays, variant)
    expected = {META_KEY, *extra_keys} | {k for _, state in networks for k in state.prefixed} | {
        k for _, _, keys in optimizers for k in keys}
    stray = [k for k in arrays if k not in expected]
    if stray:
        raise _error(path, f"holds arrays that no network or optimizer claims: {stray[:5]}")

    for module, state in networks:
        module.load_state_dict(state.arrays)
    for optimizer, state_dict, _ in optimizers:
        optimizer.load_state_dict(state_dict)
    backend.set_rng_state(engine_state)
    for generator, state in restores:
        generator.bit_generator.state = state
    if extra_state is not None:
        variant.set_extra_state(extra_state)
    return LoadedCheckpoint(meta["step"], meta["config"], extra_states, path)


def _error(path, what):
    return CheckpointError(f"{path}: {what}")


def _read_meta(path, arrays):
    raw = arrays.get(META_KEY)
    if raw is None or raw.dtype != numpy.uint8 or raw.ndim != 1:
        raise _error(path, "not a tinygan checkpoint (no 'meta' record)")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _error(path, f"its meta record is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _error(path, "not a tinygan checkpoint (wrong format tag)")
    if meta.get("version") != VERSION:
        raise _error(path, f"checkpoint version {meta.get('version')!r}; this tinygan reads "
                           f"version {VERSION}")
    if "config" not in meta:
        raise _error(path, "its meta record has no 'config'")
    for key, kind in (("step", int), ("networks", dict), ("optimizers", dict), ("rng", dict)):
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise _error(path, f"its meta record has no valid {key!r}")
    return meta


def _same_names(path, what, saved, own):
    if sorted(saved) != sorted(own):
        raise _error(path, f"holds {what} {sorted(saved)} but the variant has {sorted(own)}")


class _NetworkState(NamedTuple):
    arrays: dict
    prefixed: list


def _checked_networks(path, meta, arrays, modules):
    _same_names(path, "networks", meta["networks"], modules)
    checked = []
    for net_name, module in modules.items():
        saved = meta["networks"][net_name]
        names = saved.get("names") if isinstance(saved, dict) else None
        own = module.state_dict()
        if not isinstance(names, list) or sorted(map(str, names)) != sorted(own):
            raise _error(path, f"network {net_name!r} does not match: the checkpoint holds "
                               f"{names} but the network has {list(own)}")
        state, prefixed = OrderedDict(), []
        for key, mine in own.items():
            full = f"networks/{net_name}/{key}"
            saved = arrays.get(full)
            if saved is None:
                raise _error(path, f"array {full!r} is missing")
            if saved.shape != mine.shape or saved.dtype != mine.dtype:
                raise _error(path, f"{full} is {saved.dtype} {saved.shape} in the checkpoint "
                                   f"but {mine.dtype} {mine.shape} in the network")
            state[key] = saved
            prefixed.append(full)
        checked.append((module, _NetworkState(state, prefixed)))
    return checked


def _checked_optimizers(path, meta, arrays, optimizers):
    _same_names(path, "optimizers", meta["optimizers"], optimizers)
    return [_checked_optimizer(path, name, meta["optimizers"][name], arrays, optimizer)
            for name, optimizer in optimizers.items()]


def _checked_optimizer(path, opt_name, saved, arrays, optimizer):
    """(optimizer, its state dict as saved, the array keys it claims), all validated."""
    where = f"optimizer {opt_name!r}"
    saved_class = saved.get("class") if isinstance(saved, dict) else None
    if saved_class != type(optimizer).__name__:
        raise _error(path, f"{where} was saved as {saved_class!r}, the variant has "
                           f"{type(optimizer).__name__}")
    groups = _checked_groups(path, where, saved, optimizer)
    num_params = _num_params(optimizer)
    state, keys = {}, []
    for index, names in _index_items(path, where, saved.get("arrays"), num_params):
        if not isinstance(names, list) or not all(isinstance(k, str) for k in names):
            raise _error(path, f"{where}: array names {names!r} are invalid")
        for key in names:
            full = f"optimizers/{opt_name}/{index}/{key}"
            if full not in arrays:
                raise _error(path, f"array {full!r} is missing")
            state.setdefault(index, {})[key] = arrays[full]
            keys.append(full)
    for index, values in _index_items(path, where, saved.get("scalars"), num_params):
        if not isinstance(values, dict) or not all(
                v is None or isinstance(v, (bool, int, float)) for v in values.values()):
            raise _error(path, f"{where}: scalar state {values!r} is invalid")
        state.setdefault(index, {}).update(values)
    return optimizer, {"state": state, "param_groups": groups}, keys


def _checked_groups(path, where, saved, optimizer):
    groups = saved.get("param_groups")
    num_params = _num_params(optimizer)
    if (saved.get("num_params") != num_params or not isinstance(groups, list)
            or len(groups) != len(optimizer.param_groups)):
        raise _error(path, f"{where} was saved for {saved.get('num_params')} parameters in "
                           f"{len(groups) if isinstance(groups, list) else '?'} groups; the "
                           f"variant's has {num_params} in {len(optimizer.param_groups)}")
    for group, current in zip(groups, optimizer.param_groups):
        keys = set(current) - {"params"}
        if not isinstance(group, dict) or set(group) != keys:
            raise _error(path, f"{where}: saved hyperparameters "
                               f"{sorted(group) if isinstance(group, dict) else group!r} "
                               f"differ from {sorted(keys)}")
        for key in sorted(keys):
            if not _same_kind(group[key], current[key]):
                raise _error(path, f"{where}: saved {key} = {group[key]!r} cannot stand for "
                                   f"{current[key]!r}")
    return groups


def _same_kind(saved, current):
    """Whether a JSON value can replace a hyperparameter (numbers for numbers, ...)."""
    if isinstance(current, bool) or current is None:
        return type(saved) is type(current)
    if isinstance(current, (int, float)):
        return isinstance(saved, (int, float)) and not isinstance(saved, bool)
    if isinstance(current, (tuple, list)):
        return isinstance(saved, list) and len(saved) == len(current) and all(
            _same_kind(s, c) for s, c in zip(saved, current))
    return isinstance(saved, type(current))


def _index_items(path, where, table, num_params):
    if not isinstance(table, dict):
        raise _error(path, f"{where}: its state table is invalid")
    for index, value in table.items():
        if not index.isdigit() or int(index) >= num_params:
            raise _error(path, f"{where}: state for parameter {index!r}, but it has "
                               f"{num_params} parameters")
        yield int(index), value


def _checked_extra_state(path, meta, arrays, variant):
    """(the dict for ``set_extra_state`` or None, the array keys it claims)."""
    saved = meta.get("extra_state")
    restores = hasattr(variant, "set_extra_state")
    if saved is None and not restores:
        return None, []
    if saved is None:
        raise _error(path, "holds no extra state, but the variant keeps some "
                           "(it defines set_extra_state)")
    if not restores:
        raise _error(path, "holds extra state, but the variant defines no set_extra_state")
    values, names = (saved.get("values"), saved.get("arrays")) if isinstance(saved, dict) else (
        None, None)
    if not isinstance(values, dict) or not isinstance(names, list) or not all(
            isinstance(n, str) and n not in values for n in names):
        raise _error(path, "its extra state record is invalid")
    keys = [f"extra/{name}" for name in names]
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise _error(path, f"array {missing[0]!r} is missing")
    return {**values, **{name: arrays[k] for name, k in zip(names, keys)}}, keys


def _checked_rng(path, meta, generators):
    rng = meta["rng"]
    saved_extra = rng.get("extra")
    if not isinstance(saved_extra, dict):
        raise _error(path, "its random states are invalid")
    try:
        engine_state = _rng_from_json(rng.get("engine_cpu"))
        extra = {name: _rng_from_json(state) for name, state in saved_extra.items()}
    except (TypeError, ValueError) as exc:
        raise _error(path, f"its random states are invalid ({exc})") from None
    _check_fits(path, "the engine's CPU generator", engine_state,
                backend.generator("cpu").bit_generator)
    restores = []
    for name, generator in generators.items():
        if name not in extra:
            raise _error(path, f"holds no random state named {name!r} (it has {sorted(extra)})")
        _check_fits(path, f"random state {name!r}", extra[name], generator.bit_generator)
        restores.append((generator, extra[name]))
    return engine_state, extra, restores


def _check_fits(path, what, state, bit_generator):
    """Try the state on a scratch bit generator of the target's kind."""
    kind = type(bit_generator).__name__
    if (not isinstance(state, dict) or state.get("bit_generator") != kind
            or kind not in BIT_GENERATORS):
        raise _error(path, f"{what}: saved state is not a {kind} state")
    try:
        getattr(numpy.random, kind)().state = state
    except Exception as exc:   # whatever NumPy objects to; the scratch generator is discarded
        raise _error(path, f"{what}: saved state is invalid ({exc})") from None
