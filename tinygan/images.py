"""Pictures of samples as PNG files, written with zlib alone (no imaging library needed).

    write_png("grid.png", image_grid(images))              # images (N, C, H, W) in [-1, 1]
    write_png("ring.png", scatter_image(real, fake, extent=1.5))
    write_png("hist.png", histogram_image(real, fake, extent=6.0))
    pixels = read_png("grid.png")                          # (H, W) or (H, W, 3) uint8

Pixels are uint8 arrays: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA. The
encoder writes 8-bit, non-interlaced PNGs with one IDAT chunk and no
filtering; ``read_png`` reads exactly such files back.
"""
import math
import struct
import zlib

import numpy

from . import io as tio

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {1: 0, 3: 2, 4: 6}      # channels -> PNG colour type (grey, RGB, RGBA)
WHITE = (255, 255, 255)
REAL_COLOUR = (150, 150, 150)
FAKE_COLOUR = (31, 119, 180)
FRAME_COLOUR = (60, 60, 60)
AXIS_COLOUR = (225, 225, 225)


# ---------------------------------------------------------------- PNG files

def _chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def encode_png(pixels):
    """The bytes of a PNG file holding ``pixels`` (uint8 (H, W), (H, W, 3) or (H, W, 4))."""
    pixels = numpy.asarray(pixels)
    if pixels.dtype != numpy.uint8:
        raise TypeError(f"encode_png: pixels must be uint8, got {pixels.dtype}")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3 or pixels.shape[2] not in COLOUR_TYPES or 0 in pixels.shape:
        raise ValueError(f"encode_png: expected (H, W), (H, W, 3) or (H, W, 4) pixels, got "
                         f"{pixels.shape}")
    height, width, channels = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[channels], 0, 0, 0)
    rows = numpy.concatenate([numpy.zeros((height, 1), numpy.uint8),      # filter type 0 per row
                              numpy.ascontiguousarray(pixels).reshape(height, -1)], axis=1)
    return (SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))


def write_png(path, pixels):
    """Write ``pixels`` to ``path`` as a PNG, atomically (a reader never sees half a file)."""
    data = encode_png(pixels)
    with tio.atomic_write(path) as f:
        f.write(data)
    return path


def read_png(path):
    """The pixels (uint8 (H, W), (H, W, 3) or (H, W, 4)) of a PNG written by ``write_png``.

    Only 8-bit, non-interlaced, unfiltered images are read; anything else
    raises a ValueError.
    """
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    position, header, compressed = len(SIGNATURE), None, b""
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        payload = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload)
        elif kind == b"IDAT":
            compressed += payload
        elif kind == b"IEND":
            break
    channels = {v: k for k, v in COLOUR_TYPES.items()}.get(header[3]) if header else None
    if channels is None or header[2] != 8 or header[6] != 0:
        raise ValueError(f"{path}: only 8-bit, non-interlaced grey, RGB or RGBA PNGs are read")
    width, height = header[0], header[1]
    rows = numpy.frombuffer(zlib.decompress(compressed), numpy.uint8).reshape(height, -1)
    if rows[:, 0].any():
        raise ValueError(f"{path}: filtered scanlines are not supported")
    pixels = rows[:, 1:].reshape(height, width, channels)
    return pixels[:, :, 0] if channels == 1 else pixels


# ---------------------------------------------------------------- pictures

def to_pixels(values):
    """Values in [-1, 1] as uint8 0..255 (-1 black, +1 white; outside values clipped)."""
    scaled = (numpy.asarray(values, dtype=numpy.float64) + 1) * 127.5
    return numpy.clip(numpy.rint(scaled), 0, 255).astype(numpy.uint8)


def image_grid(images, cols=None, pad=2, scale=None):
    """Images (N, C, H, W) in [-1, 1], C = 1 or 3, tiled into one picture with a ``pad``-pixel gap.

    ``cols`` defaults to ceil(sqrt(N)); each image is enlarged ``scale`` times
    (pixel repetition; by default enough to make small images about 32 pixels
    wide). Returns (H', W') uint8 for one channel, (H', W', 3) for three.
    """
    images = numpy.asarray(images)
    if images.ndim != 4 or images.shape[1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"image_grid: expected images (N, 1 or 3, H, W), got {images.shape}")
    scale = scale or max(1, 32 // max(images.shape[2:]))
    images = images.repeat(scale, axis=2).repeat(scale, axis=3)
    n, c, h, w = images.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    canvas = numpy.full((c, rows * (h + pad) + pad, cols * (w + pad) + pad), 128, numpy.uint8)
    for i, image in enumerate(to_pixels(images)):
        top, left = pad + (i // cols) * (h + pad), pad + (i % cols) * (w + pad)
        canvas[:, top:top + h, left:left + w] = image
    return canvas[0] if c == 1 else canvas.transpose(1, 2, 0)


def _canvas(width, height):
    return numpy.full((height, width, 3), 255, numpy.uint8)


def _frame(canvas):
    canvas[[0, -1], :] = FRAME_COLOUR
    canvas[:, [0, -1]] = FRAME_COLOUR
    return canvas


def scatter_image(real, fake, extent, size=400, dot=2):
    """Real (grey) and generated (blue) 2-D points on a white square of ``size`` pixels.

    The square shows [-extent, extent]^2 (light axes through 0); points
    outside it are left out. Each point is a ``dot`` x ``dot`` square;
    generated points are drawn over real ones. Returns (size, size, 3) uint8.
    """
    canvas = _canvas(size, size)
    middle = _to_pixel(numpy.zeros((1, 2)), extent, size)[0]
    canvas[middle[1], :] = AXIS_COLOUR
    canvas[:, middle[0]] = AXIS_COLOUR
    for points, colour in ((real, REAL_COLOUR), (fake, FAKE_COLOUR)):
        points = numpy.asarray(points, dtype=numpy.float64).reshape(-1, 2)
        points = points[numpy.isfinite(points).all(axis=1)]
        for dx in range(dot):
            for dy in range(dot):
                xy = _to_pixel(points, extent, size) + (dx, dy)
                inside = ((xy >= 0) & (xy < size)).all(axis=1)
                canvas[xy[inside, 1], xy[inside, 0]] = colour
    return _frame(canvas)


def _to_pixel(points, extent, size):
    """(x, y) in [-extent, extent]^2 -> integer (column, row), y pointing up."""
    unit = (points + extent) / (2 * extent)
    return numpy.stack([numpy.floor(unit[:, 0] * size),
                        numpy.floor((1 - unit[:, 1]) * size)], axis=1).astype(numpy.int64)


def histogram_image(real, fake, extent, bins=60, width=400, height=240):
    """Density histograms of 1-D samples on [-extent, extent]: real as grey bars, generated as
    translucent blue bars over them. Returns (height, width, 3) uint8."""
    edges = numpy.linspace(-extent, extent, bins + 1)
    real_density, _ = numpy.histogram(numpy.ravel(real), edges, density=False)
    fake_density, _ = numpy.histogram(numpy.ravel(fake), edges, density=False)
    real_density = real_density / max(real_density.sum(), 1)
    fake_density = fake_density / max(fake_density.sum(), 1)
    top = max(real_density.max(), fake_density.max(), 1e-12) * 1.1
    canvas = _canvas(width, height).astype(numpy.float64)
    columns = numpy.minimum((numpy.arange(width) * bins) // width, bins - 1)
    rows_up = numpy.arange(height)[::-1, None]          # pixel rows counted from the bottom
    for density, colour, opacity in ((real_density, REAL_COLOUR, 1.0),
                                     (fake_density, FAKE_COLOUR, 0.6)):
        filled = rows_up < (density[columns] / top * (height - 1))[None, :]
        canvas[filled] = (1 - opacity) * canvas[filled] + opacity * numpy.array(colour)
    return _frame(numpy.rint(canvas).astype(numpy.uint8))


def paired_grid(sources, results, cols=8, pad=2):
    """Rows of ``cols`` source images, each followed by a row of their results (e.g. x and G(x))."""
    sources, results = numpy.asarray(sources), numpy.asarray(results)
    if sources.shape != results.shape:
        raise ValueError(f"paired_grid: sources {sources.shape} and results {results.shape} differ")
    blocks = [part for start in range(0, len(sources), cols)
              for part in (sources[start:start + cols], results[start:start + cols])]
    if len(sources) % cols:
        filler = numpy.full((cols - len(sources) % cols,) + sources.shape[1:], -1, sources.dtype)
        blocks = [numpy.concatenate([b, filler]) if len(b) < cols else b for b in blocks]
    return image_grid(numpy.concatenate(blocks), cols=cols, pad=pad)


def extent_of(real):
    """A half-width that frames 1-D or 2-D samples: 1.5 x their 99.9th percentile of |value|."""
    return 1.5 * float(numpy.percentile(numpy.abs(numpy.asarray(real, dtype=numpy.float64)), 99.9))


def samples_picture(fake, real=None, extent=None, max_images=1024):
    """The picture that suits the samples' shape: an image grid for (N, C, H, W) (at most
    ``max_images``), a scatter of real vs generated for (N, 2), histograms for (N, 1) or (N,).

    ``real`` is needed for 1-D and 2-D samples; ``extent`` defaults to ``extent_of(real)``.
    """
    fake = numpy.asarray(fake)
    if fake.ndim == 4:
        return image_grid(fake[:max_images])
    if fake.ndim == 1 or (fake.ndim == 2 and fake.shape[1] in (1, 2)):
        if real is None:
            raise ValueError("samples_picture: 1-D and 2-D samples are drawn next to real ones; "
                             "pass real")
        extent = extent_of(real) if extent is None else extent
        if fake.ndim == 2 and fake.shape[1] == 2:
            return scatter_image(real, fake, extent)
        return histogram_image(real, fake, extent)
    raise ValueError(f"samples_picture: no picture for samples of shape {fake.shape}; expected "
                     f"(N, C, H, W), (N, 2), (N, 1) or (N,)")
