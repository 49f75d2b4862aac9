"""The IDX reader and writer: MNIST's byte layout, round trips, and damaged files."""
import gzip

import numpy as np
import pytest

from tinygan.data import DataError, decode_idx, encode_idx, read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_keeps_values_shape_and_dtype(tmp_path, dtype, suffix):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * 10
    path = tmp_path / f"x-idx{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert np.array_equal(back, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")


def test_header_and_data_are_the_big_endian_mnist_layout():
    images = encode_idx(np.zeros((2, 28, 28), np.uint8))
    assert images[:4] == bytes([0, 0, 0x08, 3])                  # magic 0x00000803
    assert images[4:16] == b"".join(n.to_bytes(4, "big") for n in (2, 28, 28))
    assert len(images) == 16 + 2 * 28 * 28
    labels = encode_idx(np.array([7, 1], np.uint8))
    assert labels == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 1])       # magic 0x00000801
    ints = encode_idx(np.array([1, -2], np.int32))
    assert ints[2] == 0x0C and ints[8:] == b"\x00\x00\x00\x01\xff\xff\xff\xfe"
    assert np.array_equal(decode_idx(ints), [1, -2])


def test_big_endian_input_arrays_are_written_correctly():
    array = np.array([1.5, -2.25], dtype=">f4")
    assert np.array_equal(decode_idx(encode_idx(array)), array)
    assert np.array_equal(decode_idx(encode_idx(array.astype("<f4"))), array)


@pytest.mark.parametrize("data, message", [
    (bytes([0, 0, 8]), "too short"),
    (bytes([1, 0, 8, 1, 0, 0, 0, 1, 5]), "not an IDX file"),
    (bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 5]), "not an IDX file"),
    (bytes([0, 0, 8, 2, 0, 0, 0, 1]), "truncated IDX header"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 3, 5, 6]), "truncated or corrupt"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]), "truncated or corrupt"),
])
def test_damaged_bytes_raise_data_error_naming_the_source(data, message):
    with pytest.raises(DataError, match=f"labels.idx.*{message}"):
        decode_idx(data, source="labels.idx")


def test_truncated_files_plain_or_gzipped_raise_naming_the_file(tmp_path):
    good = encode_idx(np.arange(100, dtype=np.uint8))
    plain = tmp_path / "cut-idx1-ubyte"
    plain.write_bytes(good[:-1])
    with pytest.raises(DataError, match="cut-idx1-ubyte.*truncated"):
        read_idx(plain)
    zipped = tmp_path / "cut-idx1-ubyte.gz"
    zipped.write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(DataError, match="cut-idx1-ubyte.gz.*gzip"):
        read_idx(zipped)
    with pytest.raises(DataError, match="no file"):
        read_idx(tmp_path / "absent")


def test_unsupported_dtypes_are_refused_when_writing():
    with pytest.raises(ValueError, match="encode_idx.*int64"):
        encode_idx(np.arange(3, dtype=np.int64))
