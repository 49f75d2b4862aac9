"""Image grids as PNG files for the image demos.

    save_grid(images, "demos/out/samples.png", rows=8, title="DCGAN samples")

Images are (N, C, H, W) arrays or Tensors (on any device) in [-1, 1]; one
channel is drawn in grey (ink white on black, as the data stores it), three
as RGB.
"""
import numpy as np

from tinygan.backend import to_numpy
from tinygan.plotting import figure, save


def as_numpy(images):
    """``images`` (an array or a Tensor, on any device) as a float64 NumPy array."""
    return np.asarray(to_numpy(getattr(images, "data", images)), dtype=np.float64)


def tile(images, rows, pad=1):
    """The images (N, C, H, W) in [-1, 1] laid out row by row as one (rows (H+pad), cols (W+pad), C)
    array in [0, 1], with ``pad`` pixels of grey between them."""
    images = as_numpy(images)
    n, c, h, w = images.shape
    cols = -(-n // rows)
    canvas = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, c), 0.5)
    for k, image in enumerate(images):
        r, q = divmod(k, cols)
        canvas[r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = \
            (np.clip(image, -1, 1).transpose(1, 2, 0) + 1) / 2
    return canvas


def save_grid(images, path, rows, title="", row_labels=None, col_labels=None, size=0.45):
    """Write ``images`` as a grid of ``rows`` rows to ``path`` (PNG); returns the path.

    ``row_labels``/``col_labels`` name the rows and columns; ``size`` is
    inches per image.
    """
    images = as_numpy(images)
    canvas = tile(images, rows)
    n, _, h, w = images.shape
    cols = -(-n // rows)
    fig, (ax,) = figure(1, 1, size=1)
    fig.set_size_inches(max(2.5, size * cols + 0.6), max(1.5, size * rows + 0.5))
    ax.imshow(canvas[..., 0] if canvas.shape[-1] == 1 else canvas, cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_xticks([(w + 1) * q + w / 2 - 0.5 for q in range(cols)] if col_labels else [])
    ax.set_yticks([(h + 1) * r + h / 2 - 0.5 for r in range(rows)] if row_labels else [])
    if col_labels:
        ax.set_xticklabels(col_labels, fontsize=7)
    if row_labels:
        ax.set_yticklabels(row_labels, fontsize=7)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title, fontsize=9)
    return save(fig, path)
