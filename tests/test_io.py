"""Safe array files: round trips, atomic writes, and refusal of damaged or hostile files."""
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import numpy.lib.format as npy_format
import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan import io as tio
from tinygan.io import CheckpointError

FORMATS = ["npz", "safetensors"]


def _arrays():
    return {
        "w": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        "flag": np.array(True),
        "count": np.array(3, dtype=np.int64),
        "big_endian": np.arange(6, dtype=">i4").reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "empty": np.zeros((0, 5), dtype=np.float16),
        "u8": np.array([0, 255], dtype=np.uint8),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_names_order_values_and_dtypes(tmp_path, fmt):
    path = tmp_path / f"a.{fmt}"
    original = _arrays()
    tio.save_state_dict(original, path)
    loaded = tio.load_state_dict(path)
    assert list(loaded) == list(original)
    for name, array in original.items():
        got = loaded[name]
        assert got.shape == array.shape and got.dtype == array.dtype.newbyteorder("=")
        assert np.array_equal(got, array)
        assert got.flags.writeable and got.flags.c_contiguous


def test_npz_files_open_with_plain_numpy(tmp_path):
    path = tmp_path / "a.npz"
    tio.save_state_dict(_arrays(), path)
    with np.load(path, allow_pickle=False) as plain:
        assert sorted(plain.files) == sorted(_arrays())
        assert np.array_equal(plain["w"], _arrays()["w"])


def test_npz_written_by_numpy_loads(tmp_path):
    path = tmp_path / "numpy.npz"
    np.savez_compressed(path, a=np.ones((2, 2)), b=np.arange(3))
    loaded = tio.load_state_dict(path)
    assert np.array_equal(loaded["a"], np.ones((2, 2))) and list(loaded["b"]) == [0, 1, 2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_module_save_and_load_into(tmp_path, fmt):
    path = tmp_path / f"m.{fmt}"
    source = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    target = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    tio.save_state_dict(source, path)
    assert tio.load_into(target, path) == ([], [])
    x = tg.randn(5, 3)
    assert np.array_equal(source(x).numpy(), target(x).numpy())


def test_tensors_are_saved_by_value(tmp_path):
    path = tmp_path / "t.npz"
    tio.save_state_dict({"x": tg.tensor([1.0, 2.0])}, path)
    assert list(tio.load_state_dict(path)["x"]) == [1.0, 2.0]


def test_safetensors_metadata(tmp_path):
    path = tmp_path / "m.safetensors"
    tio.save_state_dict({"x": np.ones(2)}, path, metadata={"format": "pt"})
    assert tio.read_safetensors_metadata(path) == {"format": "pt"}


def test_safetensors_layout_follows_the_spec(tmp_path):
    path = tmp_path / "m.safetensors"
    tio.save_state_dict({"b": np.array([True]), "x": np.arange(3, dtype=np.float64)}, path)
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert n % 8 == 0
    assert header["x"] == {"dtype": "F64", "shape": [3], "data_offsets": [0, 24]}
    assert header["b"] == {"dtype": "BOOL", "shape": [1], "data_offsets": [24, 25]}
    data = raw[8 + n:]
    assert len(data) == 25 and np.frombuffer(data[:24], "<f8").tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_object_and_string_arrays_are_refused_on_save(tmp_path, fmt):
    path = tmp_path / f"o.{fmt}"
    with pytest.raises(TypeError, match="object array"):
        tio.save_state_dict({"bad": np.array([{"a": 1}], dtype=object)}, path)
    with pytest.raises(TypeError, match="dtype"):
        tio.save_state_dict({"bad": np.array(["text"])}, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(ValueError, match="extension"):
        tio.save_state_dict({"x": np.ones(1)}, tmp_path / "weights.pt")


# ---------------------------------------------------------------- atomic writes

def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.npz"
    tio.save_state_dict({"x": np.ones(3)}, path)
    before = path.read_bytes()

    def crash(f, arrays, compress):
        f.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(tio, "_write_npz", crash)
    with pytest.raises(OSError, match="disk full"):
        tio.save_state_dict({"x": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["a.npz"]


def test_atomic_write_replaces_in_one_step(tmp_path):
    path = tmp_path / "pointer"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    with tio.atomic_write(path) as f:
        f.write(b"new")
        assert path.read_bytes() == b"old"      # not visible until the block ends
    assert path.read_bytes() == b"new"
    assert os.stat(path).st_mode & 0o777 == 0o640


# ---------------------------------------------------------------- hostile .npz

class _Payload:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _npz_with_member(path, name, npy_bytes, others=None):
    with zipfile.ZipFile(path, "w") as zf:
        for other_name, array in (others or {}).items():
            buf = io.BytesIO()
            np.save(buf, array)
            zf.writestr(other_name + ".npy", buf.getvalue())
        zf.writestr(name, npy_bytes)


def test_pickled_object_array_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "marker"
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    path = tmp_path / "evil.npz"
    _npz_with_member(path, "w.npy", buf.getvalue(), {"ok": np.ones(2)})
    with pytest.raises(CheckpointError, match="object array") as info:
        tio.load_state_dict(path)
    assert "evil.npz" in str(info.value)
    assert not marker.exists()
    # the payload is live: a careless loader would have run it
    np.load(path, allow_pickle=True)["w"]
    assert marker.exists()


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _npy_claiming(shape, descr, data):
    """A .npy member whose header says ``shape``/``descr`` whatever ``data`` holds."""
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                            "shape": shape})
    return buf.getvalue() + data


@pytest.mark.parametrize("member, problem", [
    (_npy_claiming((9,), "<f8", b"\x00" * 32), "header says shape"),
    (_npy_claiming((10 ** 12,), "<f8", b"\x00" * 32), "header says shape"),
    (_npy_claiming((-2, -2), "<f8", b"\x00" * 32), "negative shape"),
    (_npy_claiming((4,), "<U8", b"\x00" * 128), "unsupported dtype"),
    (_npy_claiming((4,), [("a", "<f4")], b"\x00" * 16), "unsupported dtype"),
    (_npy(np.ones(4))[:6] + b"\x07\x00" + _npy(np.ones(4))[8:], "version"),
    (b"not an npy file at all", "not a readable"),
])
def test_inconsistent_npy_members_are_refused(tmp_path, member, problem):
    path = tmp_path / "bad.npz"
    _npz_with_member(path, "x.npy", member)
    with pytest.raises(CheckpointError, match=problem):
        tio.load_state_dict(path)


def test_npz_member_names_are_checked(tmp_path):
    path = tmp_path / "bad.npz"
    _npz_with_member(path, "x.txt", _npy(np.ones(2)))
    with pytest.raises(CheckpointError, match="not a .npy"):
        tio.load_state_dict(path)
    with zipfile.ZipFile(path, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("x.npy", _npy(np.ones(2)))
        zf.writestr("x.npy", _npy(np.zeros(2)))
    with pytest.raises(CheckpointError, match="twice"):
        tio.load_state_dict(path)


def test_truncated_and_garbage_npz_are_refused(tmp_path):
    good = tmp_path / "good.npz"
    tio.save_state_dict(_arrays(), good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.npz"
    for cut in (0, 1, 30, len(raw) // 2, len(raw) - 1):
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match="bad.npz"):
            tio.load_state_dict(bad)
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError):
        tio.load_state_dict(bad)


def test_flipped_bytes_are_detected_or_harmless(tmp_path):
    good = tmp_path / "good.npz"
    original = {"w": np.linspace(-1, 1, 40, dtype=np.float32).reshape(5, 8)}
    tio.save_state_dict(original, good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.npz"
    for position in range(0, len(raw), 3):
        flipped = bytearray(raw)
        flipped[position] ^= 0x5A
        bad.write_bytes(bytes(flipped))
        try:
            loaded = tio.load_state_dict(bad)
        except CheckpointError:
            continue
        # the flip hit a field that does not affect the data (e.g. a timestamp)
        assert list(loaded) == ["w"] and np.array_equal(loaded["w"], original["w"]), position


def test_pickle_file_is_not_an_npz(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "pickle.npz"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(CheckpointError):
        tio.load_state_dict(path)
    assert not marker.exists()


# ---------------------------------------------------------------- hostile .safetensors

def _safetensors(path, header, data=b"", header_len=None):
    text = json.dumps(header).encode() if isinstance(header, dict) else header
    n = len(text) if header_len is None else header_len
    path.write_bytes(struct.pack("<Q", n) + text + data)


F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("header, data, header_len, problem", [
    ({"x": F32x2}, b"\x00" * 8, 2 ** 60, "header length"),
    ({"x": F32x2}, b"\x00" * 8, 10 ** 6, "header length"),
    (b"{not json", b"", None, "not valid JSON"),
    (b'{"x": 1, "x": 2}', b"", None, "twice"),
    (b'[1, 2]', b"", None, "not a JSON object"),
    (b'{"x": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 4]}}', b"", None, "NaN"),
    ({"x": {**F32x2, "dtype": "Q7"}}, b"\x00" * 8, None, "unknown dtype"),
    ({"x": {**F32x2, "dtype": "BF16"}}, b"\x00" * 4, None, "NumPy cannot hold"),
    ({"x": {**F32x2, "shape": [-2]}}, b"\x00" * 8, None, "invalid shape"),
    ({"x": {**F32x2, "shape": [True, 2]}}, b"\x00" * 8, None, "invalid shape"),
    ({"x": {**F32x2, "shape": [3]}}, b"\x00" * 8, None, "needs 12 bytes"),
    ({"x": {**F32x2, "data_offsets": [8, 0]}}, b"\x00" * 8, None, "invalid data_offsets"),
    ({"x": {**F32x2, "data_offsets": [0, 8, 16]}}, b"\x00" * 8, None, "invalid data_offsets"),
    ({"x": F32x2}, b"\x00" * 4, None, "holds 4"),
    ({"x": F32x2}, b"\x00" * 12, None, "holds 12"),
    ({"x": {**F32x2, "data_offsets": [4, 12]}}, b"\x00" * 12, None, "leaves a gap"),
    ({"x": F32x2, "y": {**F32x2, "data_offsets": [4, 12]}}, b"\x00" * 12, None, "overlaps"),
    ({"x": F32x2, "extra": 1}, b"\x00" * 8, None, "expected exactly the keys"),
    ({"x": {**F32x2, "code": "run me"}}, b"\x00" * 8, None, "expected exactly the keys"),
    ({"__metadata__": {"a": 1}, "x": F32x2}, b"\x00" * 8, None, "__metadata__"),
])
def test_hostile_safetensors_headers_are_refused(tmp_path, header, data, header_len, problem):
    path = tmp_path / "bad.safetensors"
    _safetensors(path, header, data, header_len)
    with pytest.raises(CheckpointError, match=problem) as info:
        tio.load_state_dict(path)
    assert "bad.safetensors" in str(info.value)


def test_truncated_safetensors_are_refused(tmp_path):
    good = tmp_path / "good.safetensors"
    tio.save_state_dict(_arrays() | {"big_endian": np.arange(6, dtype="<i4")}, good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.safetensors"
    for cut in (0, 7, 8, 20, len(raw) // 2, len(raw) - 1):
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError):
            tio.load_state_dict(bad)
