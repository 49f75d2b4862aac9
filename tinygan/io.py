"""Safe files of named arrays: NumPy ``.npz`` (never pickled) and ``.safetensors``.

    import tinygan.io as tio
    tio.save_state_dict(model, "generator.npz")          # or "generator.safetensors"
    tio.load_into(model, "generator.npz")

Both formats hold plain numeric arrays only, so loading a file can never run
code: ``.npz`` members are parsed here with the pickle path switched off, and
the ``.safetensors`` reader/writer is a small independent implementation of
that format (8-byte little-endian header length, a JSON header of
``{name: {"dtype", "shape", "data_offsets"}}``, then the raw little-endian data).

Writes are atomic: the file is written beside its target under a temporary
name, flushed to disk, then renamed onto the target, so a crash leaves
either the old file or the new one, never half of one. Any problem found while
loading (truncation, corruption, sizes that do not add up, object arrays,
unknown dtypes) raises ``CheckpointError`` naming the file and the problem.
"""
import contextlib
import json
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping

import numpy
import numpy.lib.format as npy_format

from . import backend
from .tensor import Tensor

__all__ = ["CheckpointError", "as_numpy_state", "atomic_write", "load_into", "load_state_dict",
           "read_safetensors_metadata", "save_state_dict"]

FORMATS = ("npz", "safetensors")
NUMERIC_KINDS = "biufc"              # bool, signed, unsigned, float, complex
MAX_NPY_HEADER = 10_000              # bytes of the dict literal in a .npy header
MAX_SAFETENSORS_HEADER = 100_000_000

SAFETENSORS_DTYPES = {
    "BOOL": numpy.dtype("|b1"), "U8": numpy.dtype("|u1"), "I8": numpy.dtype("|i1"),
    "U16": numpy.dtype("<u2"), "I16": numpy.dtype("<i2"), "F16": numpy.dtype("<f2"),
    "U32": numpy.dtype("<u4"), "I32": numpy.dtype("<i4"), "F32": numpy.dtype("<f4"),
    "U64": numpy.dtype("<u8"), "I64": numpy.dtype("<i8"), "F64": numpy.dtype("<f8"),
}
SAFETENSORS_CODES = {d.str.lstrip("<|"): code for code, d in SAFETENSORS_DTYPES.items()}
SAFETENSORS_WITHOUT_NUMPY = ("BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2",
                             "F4")


class CheckpointError(ValueError):
    """A file of arrays that is truncated, corrupted, hostile or not in a known format."""


def _error(path, what):
    return CheckpointError(f"{os.fspath(path)}: {what}")


# ---------------------------------------------------------------- atomic writes

@contextlib.contextmanager
def atomic_write(path):
    """Yield a binary file that replaces ``path`` in one step when the block succeeds.

    The data goes to a temporary file in the same folder, is flushed and
    fsync'ed, then ``os.replace``d onto ``path`` (and the folder is fsync'ed
    where the platform allows). If the block raises, the temporary file is
    removed and ``path`` is untouched.
    """
    path = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _copy_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _copy_mode(target, tmp):
    """Give the new file the old one's permissions, or rw-r--r-- (mkstemp makes it private)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o644
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:       # e.g. Windows cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- saving

def _format_of(path, format):
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; expected one of {FORMATS}")
        return format
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext == ".npz":
        return "npz"
    if ext == ".safetensors":
        return "safetensors"
    raise ValueError(f"{os.fspath(path)}: cannot tell the format from the extension {ext!r}; "
                     f"use .npz or .safetensors, or pass format=")


def as_numpy_state(state_dict_or_module):
    """An OrderedDict name -> NumPy array of a Module's state dict or a mapping.

    Tensors give their data, CuPy arrays are copied to the CPU, Python numbers
    become 0-d arrays. Object and other non-numeric arrays are refused, since
    they could only be stored with pickle.
    """
    source = state_dict_or_module
    if hasattr(source, "state_dict") and not isinstance(source, Mapping):
        source = source.state_dict()
    if not isinstance(source, Mapping):
        raise TypeError(f"expected a Module or a mapping of name -> array, "
                        f"got {type(source).__name__}")
    arrays = OrderedDict()
    for name, value in source.items():
        if not isinstance(name, str) or not name or "\x00" in name:
            raise ValueError(f"array names must be non-empty strings without NUL, got {name!r}")
        if isinstance(value, Tensor):
            value = value.data
        array = numpy.asarray(backend.to_numpy(value))
        if array.dtype.hasobject:
            raise TypeError(f"{name!r} is an object array (dtype {array.dtype}); it cannot be "
                            f"saved without pickle, which these files never use")
        if array.dtype.kind not in NUMERIC_KINDS or array.dtype.fields is not None:
            raise TypeError(f"{name!r} has dtype {array.dtype}; only bool, integer, float and "
                            f"complex arrays can be saved")
        arrays[name] = array
    return arrays


def save_state_dict(state_dict_or_module, path, format=None, metadata=None, compress=False):
    """Write named arrays (a Module's state dict or a mapping) to ``path`` atomically.

    The format comes from the extension (``.npz`` or ``.safetensors``) unless
    ``format`` names it. ``metadata`` (str -> str) goes into a safetensors
    header's ``__metadata__``; ``compress`` deflates ``.npz`` members.
    """
    format = _format_of(path, format)
    arrays = as_numpy_state(state_dict_or_module)
    if format == "npz":
        if metadata:
            raise ValueError("metadata is only stored by the safetensors format")
        with atomic_write(path) as f:
            _write_npz(f, arrays, compress)
    else:
        header, data_order = _safetensors_layout(arrays, metadata)
        with atomic_write(path) as f:
            _write_safetensors(f, arrays, header, data_order)


def _write_npz(f, arrays, compress):
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(f, "w", method, allowZip64=True) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as member:
                npy_format.write_array(member, array, allow_pickle=False)


def _safetensors_layout(arrays, metadata):
    """(header bytes, names in data order). Data is laid out widest dtype first, as the
    reference writer does, so every tensor starts at a multiple of its item size; the
    header lists the names in their original order."""
    header = OrderedDict()
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    codes = {}
    for name, array in arrays.items():
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved by the safetensors format")
        codes[name] = SAFETENSORS_CODES.get(array.dtype.str.lstrip("<>|="))
        if codes[name] is None:
            raise TypeError(f"{name!r} has dtype {array.dtype}, which safetensors cannot hold")
    data_order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)
    offsets, position = {}, 0
    for name in data_order:
        offsets[name] = [position, position + arrays[name].nbytes]
        position += arrays[name].nbytes
    for name, array in arrays.items():
        header[name] = {"dtype": codes[name], "shape": list(array.shape),
                        "data_offsets": offsets[name]}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return text + b" " * (-len(text) % 8), data_order


def _write_safetensors(f, arrays, header, data_order):
    f.write(struct.pack("<Q", len(header)))
    f.write(header)
    for name in data_order:
        array = arrays[name]
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        f.write(little.tobytes(order="C"))


# ---------------------------------------------------------------- loading

def load_state_dict(path, format=None):
    """Read the arrays of an ``.npz`` or ``.safetensors`` file into an OrderedDict.

    Arrays come back as native-byte-order, writable NumPy arrays in the
    file's order. Never unpickles anything; raises ``CheckpointError`` for a
    file that is truncated, corrupted or inconsistent.
    """
    format = _format_of(path, format)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{os.fspath(path)}: no such file")
    if format == "npz":
        return _read_npz(path)
    return _read_safetensors(path)[0]


def read_safetensors_metadata(path):
    """The ``__metadata__`` dict (str -> str) of a safetensors file, {} if it has none."""
    return _read_safetensors(path)[1]


def load_into(module, path, strict=True, format=None):
    """Load the arrays of ``path`` into ``module``'s parameters and buffers.

    Returns (missing, unexpected) names as ``Module.load_state_dict`` does.
    """
    return module.load_state_dict(load_state_dict(path, format), strict=strict)


def _read_npz(path):
    try:
        with zipfile.ZipFile(path) as zf:
            arrays = OrderedDict()
            for info in zf.infolist():
                name = info.filename
                if not name.endswith(".npy"):
                    raise _error(path, f"member {name!r} is not a .npy array")
                key = name[:-len(".npy")]
                if key in arrays:
                    raise _error(path, f"member {name!r} appears twice")
                with zf.open(info) as member:
                    arrays[key] = _read_npy(path, name, member, info.file_size)
            return arrays
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, struct.error,
            NotImplementedError, RuntimeError, OverflowError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        raise _error(path, f"not a readable .npz file ({type(exc).__name__}: {exc})") from None


def _read_npy(path, name, member, member_size):
    """One .npy member, its header checked against its size before any data is read."""
    version = npy_format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(
            member, max_header_size=MAX_NPY_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(
            member, max_header_size=MAX_NPY_HEADER)
    else:
        raise _error(path, f"member {name!r} has unsupported .npy version {version}")
    if dtype.hasobject:
        raise _error(path, f"member {name!r} holds an object array (dtype {dtype}), "
                           f"which only pickle can read; refused")
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype:
        raise _error(path, f"member {name!r} has unsupported dtype {dtype}")
    if any(n < 0 for n in shape):
        raise _error(path, f"member {name!r} has a negative shape {shape}")
    expected = _element_count(shape) * dtype.itemsize
    available = member_size - member.tell()
    if expected != available:
        raise _error(path, f"member {name!r}: its header says shape {shape} of {dtype} "
                           f"({expected} bytes) but it holds {available} bytes")
    raw = member.read(expected)
    if len(raw) != expected or member.read(1):
        raise _error(path, f"member {name!r} is truncated")
    array = numpy.frombuffer(raw, dtype=dtype)
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return numpy.array(array, dtype=dtype.newbyteorder("="), order="C")


def _element_count(shape):
    count = 1
    for n in shape:
        count *= int(n)
    return count


def _read_safetensors(path):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise _error(path, f"too short for a safetensors file ({size} bytes)")
        (header_len,) = struct.unpack("<Q", prefix)
        if header_len > MAX_SAFETENSORS_HEADER or header_len > size - 8:
            raise _error(path, f"header length {header_len} exceeds what the file "
                               f"({size} bytes) or the {MAX_SAFETENSORS_HEADER}-byte limit allow")
        header = _parse_safetensors_header(path, f.read(header_len))
        metadata, entries = _check_safetensors_entries(path, header)
        data_len = max((end for _, _, (_, end), _ in entries), default=0)
        if size != 8 + header_len + data_len:
            raise _error(path, f"the header describes {data_len} bytes of data but the file "
                               f"holds {size - 8 - header_len}")
        data = f.read(data_len)
    if len(data) != data_len:
        raise _error(path, "truncated while reading")
    arrays = OrderedDict()
    for name, dtype, (begin, end), shape in entries:
        array = numpy.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize,
                                 offset=begin).reshape(shape)
        arrays[name] = array.astype(dtype.newbyteorder("="), copy=True)
    return arrays, metadata


def _parse_safetensors_header(path, raw):
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise _error(path, "the header names a key twice")
        return dict(pairs)

    def no_constants(name):
        raise _error(path, f"the header holds the non-JSON constant {name}")

    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates,
                            parse_constant=no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _error(path, f"the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise _error(path, "the header is not a JSON object")
    return header


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _check_safetensors_entries(path, header):
    """(metadata, [(name, dtype, (begin, end), shape)] in header order), all validated:
    the tensors must tile the data without gaps or overlaps."""
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise _error(path, "__metadata__ must map strings to strings")
    entries = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise _error(path, f"tensor {name!r}: expected exactly the keys dtype, shape, "
                               f"data_offsets, got {entry!r}"[:300])
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if code in SAFETENSORS_WITHOUT_NUMPY:
            raise _error(path, f"tensor {name!r} has dtype {code}, which NumPy cannot hold")
        if code not in SAFETENSORS_DTYPES:
            raise _error(path, f"tensor {name!r} has unknown dtype {code!r}")
        if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
            raise _error(path, f"tensor {name!r} has an invalid shape {shape!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_count(o) for o in offsets) or offsets[0] > offsets[1]):
            raise _error(path, f"tensor {name!r} has invalid data_offsets {offsets!r}")
        dtype = SAFETENSORS_DTYPES[code]
        expected = _element_count(shape) * dtype.itemsize
        if offsets[1] - offsets[0] != expected:
            raise _error(path, f"tensor {name!r}: shape {shape} of {code} needs {expected} "
                               f"bytes but its data_offsets {offsets} span "
                               f"{offsets[1] - offsets[0]}")
        entries.append((name, dtype, tuple(offsets), tuple(shape)))
    position = 0
    for name, _, (begin, end), _ in sorted(entries, key=lambda e: e[2]):
        if begin != position:
            problem = "overlaps the previous tensor" if begin < position else "leaves a gap"
            raise _error(path, f"tensor {name!r} at data_offsets [{begin}, {end}] {problem}")
        position = end
    return metadata, entries
