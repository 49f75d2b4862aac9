"""The IDX array format of the MNIST files: a reader and a writer.

An IDX file (LeCun et al., "The MNIST database", file-format section) is

    2 zero bytes | 1 byte type code | 1 byte ndim | ndim x uint32 sizes | data

with the sizes and the data big-endian. Type codes: 0x08 uint8, 0x09 int8,
0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64. MNIST's image files are
(N, 28, 28) uint8 (magic 0x00000803), its label files (N,) uint8 (0x00000801).

    write_idx("labels-idx1-ubyte.gz", numpy.arange(10, dtype=numpy.uint8))
    read_idx("labels-idx1-ubyte.gz")     # gzip is recognised by its first bytes

Anything that does not parse (too short, wrong magic, unknown type, data that
does not match the sizes, a broken gzip stream) raises ``DataError`` naming
the file.
"""
import gzip
import os
import struct
import zlib

import numpy

from .errors import DataError

TYPE_CODES = {
    0x08: numpy.dtype(">u1"), 0x09: numpy.dtype(">i1"), 0x0B: numpy.dtype(">i2"),
    0x0C: numpy.dtype(">i4"), 0x0D: numpy.dtype(">f4"), 0x0E: numpy.dtype(">f8"),
}
CODE_OF = {dtype.newbyteorder("="): code for code, dtype in TYPE_CODES.items()}
GZIP_MAGIC = b"\x1f\x8b"


def encode_idx(array):
    """The bytes of ``array`` as an IDX file: header (magic, sizes) then big-endian data."""
    array = numpy.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in CODE_OF:
        raise ValueError(f"encode_idx: IDX holds uint8, int8, int16, int32, float32 or float64, "
                         f"got {array.dtype}; convert with array.astype(...) first")
    if array.ndim > 255 or any(size >= 2 ** 32 for size in array.shape):
        raise ValueError(f"encode_idx: shape {array.shape} does not fit an IDX header "
                         f"(at most 255 dimensions, each < 2**32)")
    header = struct.pack(">HBB", 0, CODE_OF[native], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + numpy.ascontiguousarray(array, dtype=TYPE_CODES[CODE_OF[native]]).tobytes()


def decode_idx(data, source="<bytes>"):
    """The array in the IDX bytes ``data``, native byte order; ``source`` names them in errors."""
    data = memoryview(data)
    if len(data) < 4:
        raise DataError(f"{source}: {len(data)} bytes is too short for an IDX header; the file is "
                        f"truncated or not an IDX file: delete it and fetch it again")
    zeros, code, ndim = struct.unpack_from(">HBB", data)
    if zeros != 0 or code not in TYPE_CODES:
        raise DataError(f"{source}: not an IDX file (magic number 0x{bytes(data[:4]).hex()}; "
                        f"expected 0x0000 then a type code in "
                        f"{[hex(c) for c in TYPE_CODES]} then ndim)")
    if len(data) < 4 + 4 * ndim:
        raise DataError(f"{source}: truncated IDX header ({ndim} sizes announced, "
                        f"{len(data)} bytes in all): delete the file and fetch it again")
    shape = struct.unpack_from(f">{ndim}I", data, 4)
    dtype = TYPE_CODES[code]
    offset = 4 + 4 * ndim
    expected = int(numpy.prod(shape, dtype=numpy.float64)) * dtype.itemsize
    if len(data) - offset != expected:
        raise DataError(f"{source}: the IDX header announces shape {shape} of {dtype.name} "
                        f"({expected} bytes of data) but the file holds {len(data) - offset}; "
                        f"it is truncated or corrupt: delete it and fetch it again")
    array = numpy.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_idx(path):
    """The array stored in the IDX file ``path`` (gzip-compressed or not)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"read_idx: no file {path}") from None
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{path}: broken gzip stream ({error}); the file is truncated or "
                            f"corrupt: delete it and fetch it again") from None
    return decode_idx(raw, source=path)


def write_idx(path, array):
    """Write ``array`` to ``path`` as IDX, gzip-compressed when the name ends in ``.gz``."""
    path = os.fspath(path)
    data = encode_idx(array)
    if path.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
