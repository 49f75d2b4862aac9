"""The GAN paper's 1-D illustration (Goodfellow et al. 2014, Fig. 1; seeds 002, Figure 2).

Four moments of Algorithm 1 on 1-D data, z ~ U(-1, 1):
  (a) an adversarial pair near convergence: p_g near p_data (G is placed there), D a
      partially accurate classifier (a few steps of D);
  (b) after the inner loop (D trained with G fixed): D(x) -> D*(x) = p_data / (p_data + p_g);
  (c) after generator updates: the gradient of D has moved p_g towards higher D;
  (d) after many steps: p_g = p_data and D(x) = 1/2 everywhere.
Black dotted: p_data; green: histogram of G's samples; blue dashed: D(x).

    python demos/gan_1d_illustration.py          # writes demos/out/gan_1d_illustration.png
    python demos/gan_1d_illustration.py --device cuda   # on an NVIDIA GPU (needs CuPy)
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # tiny matrices: BLAS threads only add overhead

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import plotting  # noqa: E402
from tinygan.gans.base import descend  # noqa: E402
from tinygan.metrics.divergences import js_divergence, optimal_discriminator  # noqa: E402
from tinygan.train import real_sampler, train  # noqa: E402

from common import arguments, build, dataset, gaussian_kde, out_path  # noqa: E402

CONFIG = {"z_dim": 1, "noise": "uniform", "g_hidden": (32, 32), "d_hidden": (32, 32),
          "activation": "tanh", "batch_size": 256, "lr": 1e-3}


def snapshot(gan, grid, p_data, n=20000):
    """G's samples, D(x) on the grid, and the printed numbers of one panel."""
    samples = gan.sample(n).numpy().ravel()
    with tg.no_grad():
        d = gan.discriminate(tg.tensor(grid[:, None], dtype=tg.default_dtype(),
                                        device=gan.device)).sigmoid().numpy()
    p_g = gaussian_kde(samples, grid)
    d_star = optimal_discriminator(p_data, p_g, grid)
    mass = (p_data + p_g) / 2 > 0.02
    numbers = {"JSD(p_data, p_g)": js_divergence(p_data, p_g, grid),
               "mean |D - D*|": float(np.sum(np.abs(d - d_star)[mass] * (p_data + p_g)[mass])
                                      / np.sum((p_data + p_g)[mass])),
               "max |D - 1/2|": float(np.abs(d - 0.5)[mass].max())}
    return samples, d, numbers


def place_generator(gan, centre, spread, n=20000):
    """Rescale G's output layer so that its samples have this mean and standard deviation."""
    samples = gan.sample(n).numpy().ravel()
    factor = spread / samples.std()
    last = gan.generator[-1]
    last.weight.data *= factor
    last.bias.data[...] = (last.bias.data - samples.mean()) * factor + centre


def main():
    args = arguments(__doc__.splitlines()[0])
    data = dataset("gauss1d", means=(0.0,), stds=(1.0,), weights=(1.0,))   # one Gaussian (Fig. 1)
    gan = build("gan", (1,), CONFIG, args.seed, args.device)
    mean, std = 0.0, 1.0
    grid = np.linspace(mean - 5 * std, mean + 5 * std, 600)
    p_data = data.pdf(grid[:, None]).ravel()
    sample_real = real_sampler(data, (1,), gan.device, rng=np.random.default_rng(args.seed + 1))
    scale = 4 if args.full else 1

    place_generator(gan, mean + 1.2 * std, 0.6 * std)
    panels = []
    for _ in range(20):                                                         # (a)
        gan.discriminator_step(sample_real)
    panels.append(("(a) near convergence", snapshot(gan, grid, p_data)))
    for _ in range(600 * scale):                                                # (b) inner loop
        gan.discriminator_step(sample_real)
    panels.append(("(b) D trained: D -> D*", snapshot(gan, grid, p_data)))
    for _ in range(8):                                                          # (c) G follows D
        descend(gan.generator_loss(gan.sample_z(256)), gan.generator, gan.opt_g)
    panels.append(("(c) after G updates", snapshot(gan, grid, p_data)))
    train(gan, data, steps=4000 * scale, seed=args.seed + 2, progress=False)   # (d)
    panels.append(("(d) p_g = p_data, D = 1/2", snapshot(gan, grid, p_data)))

    fig, axes = plotting.figure(1, 4, size=3.0)
    for ax, (title, (samples, d, numbers)) in zip(axes, panels):
        plotting.density_panel(ax, grid, p_data, samples, d, title)
        print(f"{title:28s} " + "  ".join(f"{k} {v:.3f}" for k, v in numbers.items()))
    axes[0].legend(fontsize=7, loc="upper left")
    print("wrote", plotting.save(fig, out_path("gan_1d_illustration.png")))


if __name__ == "__main__":
    main()
