"""SAGAN on 28x28 MNIST digits: where the generator's self-attention looks.

    python demos/sagan_attention.py            # about 3 minutes on 2 CPU cores
    python demos/sagan_attention.py --full     # the paper's width and minibatch, longer
    python demos/sagan_attention.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)

Trains SAGAN (Zhang et al. 2018: self-attention at 14x14 in G and D,
spectral norm, hinge loss, learning rates 4e-4 for D and 1e-4 for G) on
mnist5k's training digits, prints FID (LeNet features), KID and IS against
the held-out digits and the learned attention scales gamma (eq. 8; both
start at 0), and writes to demos/out/:

    sagan_samples.png     64 samples
    sagan_attention.png   for a few samples, the attention map beta_{j, .}
                          (eq. 6) of G's attention layer for three query
                          positions j (red crosses): where G looks when it
                          draws position j
"""
import numpy as np

from tinygan.gans.sagan import attention_layers
from tinygan.plotting import figure, save

from _grid import save_grid
from _image_runs import digit_split, lenet_metrics, report, samples, train_image_variant
from common import arguments, build, out_path

SHORT = dict(steps=1000, config={"width": 32, "batch_size": 32})
FULL = dict(steps=5000, config={})
QUERIES = [(4, 7), (7, 7), (10, 5)]         # (row, col) on the 14x14 attention map


def plot_attention(images, maps, queries, path):
    """One row per sample: the image, then the attention map of each query over the image."""
    n = len(images)
    fig, axes = figure(n, 1 + len(queries), size=1.5)
    for i in range(n):
        row = axes[i * (1 + len(queries)):(i + 1) * (1 + len(queries))]
        row[0].imshow(images[i, 0], cmap="gray", vmin=-1, vmax=1)
        row[0].set_title("G(z)" if i == 0 else "", fontsize=8)
        for ax, (r, c), beta in zip(row[1:], queries, maps[i]):
            ax.imshow(images[i, 0], cmap="gray", vmin=-1, vmax=1, extent=(0, 14, 14, 0))
            ax.imshow(beta, cmap="inferno", alpha=0.65, extent=(0, 14, 14, 0))
            ax.plot(c + 0.5, r + 0.5, "x", color="red", markersize=6, mew=2)
            if i == 0:
                ax.set_title(f"query ({r}, {c})", fontsize=8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return save(fig, path)


def main():
    args = arguments("SAGAN attention maps on MNIST digits", steps=(int, None, "training steps"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    sagan = build("sagan", train.shape, run["config"], args.seed, args.device)
    report("untrained G", lenet_metrics(samples(sagan, 2000), heldout))
    train_image_variant(sagan, train, steps, args.seed)
    fake = samples(sagan, 2000)
    report(f"SAGAN after {steps} steps", lenet_metrics(fake, heldout))
    gammas = {name: float(attention_layers(net)[0].gamma.item())
              for name, net in sagan.networks().items()}
    print(f"attention scale gamma (eq. 8, starts at 0): G {gammas['G']:.4f}, D {gammas['D']:.4f}")
    print("wrote", save_grid(fake[:64], out_path("sagan_samples.png"), 8,
                             f"SAGAN samples after {steps} steps"))

    z = sagan.sample_z(256)                   # the first five are drawn; the rest fill G's batch
    images, maps = sagan.generator_attention(z, QUERIES)
    sums = maps[:5].sum(axis=(2, 3))
    print(f"each attention map sums to 1: max |sum - 1| = {np.abs(sums - 1).max():.2e}")
    print("wrote", plot_attention(images.numpy()[:5], maps[:5], QUERIES,
                                  out_path("sagan_attention.png")))


if __name__ == "__main__":
    main()
