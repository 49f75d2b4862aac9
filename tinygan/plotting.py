"""Matplotlib helpers for the demos: sample scatters, 1-D densities, histograms.

matplotlib is optional: it is imported when a helper is first called, with
the non-interactive Agg backend, so tinygan itself never needs it.
"""
import os


def pyplot():
    """matplotlib.pyplot on the Agg backend; an ImportError says how to install it."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'tinygan[demos]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def figure(rows=1, cols=1, size=3.2, **kwargs):
    """(fig, axes as a flat list) with ``rows x cols`` panels of ``size`` inches."""
    plt = pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False,
                             **kwargs)
    return fig, list(axes.ravel())


def save(fig, path):
    """Write ``fig`` to ``path`` (creating its folder), close it, return the path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot().close(fig)
    return path


def scatter_samples(ax, real, fake, title="", limit=None, centres=None):
    """Real samples (grey) and generated samples (blue) of 2-D data on one panel."""
    ax.scatter(real[:, 0], real[:, 1], s=2, c="0.6", alpha=0.5, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:blue", alpha=0.5, label="generated")
    if centres is not None:
        ax.scatter(centres[:, 0], centres[:, 1], s=25, marker="x", c="tab:red", linewidths=1)
    if limit is not None:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def density_panel(ax, grid, p_data, samples, d_values, title="", bins=60):
    """The 1-D picture of Goodfellow et al. Fig. 1: p_data (black dotted), a histogram
    of G's samples (green), D(x) (blue dashed)."""
    ax.plot(grid, p_data, "k:", lw=1.5, label="p_data")
    ax.hist(samples, bins=bins, range=(grid[0], grid[-1]), density=True, color="tab:green",
            alpha=0.45, label="p_g (samples)")
    ax.plot(grid, d_values, "--", c="tab:blue", lw=1.5, label="D(x)")
    ax.set_ylim(0, max(1.05, float(max(p_data)) * 1.15))
    ax.set_title(title, fontsize=9)


def weight_histogram(ax, weights, title="", bins=60):
    """A histogram of a network's weights (all parameters flattened)."""
    ax.hist(weights, bins=bins, color="tab:purple", alpha=0.8)
    ax.set_title(title, fontsize=9)
    ax.set_yticks([])
