"""Resizing and padding (N, C, H, W) image arrays with NumPy alone.

Both resamplings use pixel centres (half-pixel offsets): output pixel i of a
size-``m`` axis sits at source coordinate (i + 1/2) n / m - 1/2 of the size-``n``
axis, as in PyTorch's ``interpolate(..., align_corners=False)``.
"""
import numpy

MODES = ("nearest", "bilinear")


def _check_images(images, caller):
    images = numpy.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"{caller}: expected images of shape (N, C, H, W), got {images.shape}")
    return images


def _axis_weights(n, m):
    """For an axis of n source pixels resampled to m: (left index, right index, right weight)."""
    source = (numpy.arange(m) + 0.5) * n / m - 0.5
    source = numpy.clip(source, 0, n - 1)
    left = numpy.floor(source).astype(numpy.int64)
    right = numpy.minimum(left + 1, n - 1)
    return left, right, source - left


def resize(images, size, mode="bilinear"):
    """Images (N, C, H, W) resampled to (N, C, size, size) (or (h, w) for a pair ``size``).

    ``nearest``: out[i] = in[floor((i + 1/2) n / m)]. ``bilinear``: linear
    interpolation between the two source pixels around (i + 1/2) n / m - 1/2
    along each axis in turn (coordinates clamped at the borders). Bilinear
    output stays within the input's range; the dtype is kept for float input.
    """
    images = _check_images(images, "resize")
    h, w = (size, size) if numpy.ndim(size) == 0 else tuple(size)
    if h < 1 or w < 1 or mode not in MODES:
        raise ValueError(f"resize: size must be >= 1 and mode one of {MODES}, got size={size}, "
                         f"mode={mode!r}")
    if mode == "nearest":
        rows = numpy.minimum(((numpy.arange(h) + 0.5) * images.shape[2] / h).astype(int),
                             images.shape[2] - 1)
        cols = numpy.minimum(((numpy.arange(w) + 0.5) * images.shape[3] / w).astype(int),
                             images.shape[3] - 1)
        return images[:, :, rows][:, :, :, cols]
    dtype = images.dtype if images.dtype.kind == "f" else numpy.float32
    out = images.astype(numpy.float64)
    top, bottom, a = _axis_weights(out.shape[2], h)
    out = out[:, :, top] * (1 - a)[:, None] + out[:, :, bottom] * a[:, None]
    left, right, b = _axis_weights(out.shape[3], w)
    out = out[:, :, :, left] * (1 - b) + out[:, :, :, right] * b
    return out.astype(dtype)


def pad(images, size, value=-1.0):
    """Images (N, C, H, W) centred in (N, C, size, size), ``value`` around (default -1, paper)."""
    images = _check_images(images, "pad")
    h, w = images.shape[2:]
    if size < h or size < w:
        raise ValueError(f"pad: cannot pad {h}x{w} images to the smaller {size}x{size}; "
                         f"use resize to shrink them")
    top, left = (size - h) // 2, (size - w) // 2
    return numpy.pad(images, ((0, 0), (0, 0), (top, size - h - top), (left, size - w - left)),
                     constant_values=value)
