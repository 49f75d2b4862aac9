"""The optimal discriminator (Goodfellow et al. 2014, Proposition 1 and Theorem 1).

For a fixed generator, the D that maximises V(D, G) is (seeds 004 eq. 3)

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),

and at D* the value is (seeds 004 eq. 5)  V(D*, G) = C(G) = -log 4 + 2 JSD(p_data || p_g).

Here G is fixed to an affine map of z ~ N(0, 1), so p_g is a known Gaussian;
D (an MLP) is trained to convergence by the discriminator step of Algorithm 1
alone. The script plots the learned D over the analytic D*, and prints
V(D*, G), V(D_learned, G) (both by quadrature, no sampling) beside
2 JSD - 2 log 2.

    python demos/optimal_discriminator.py      # writes demos/out/optimal_discriminator.png
    python demos/optimal_discriminator.py --device cuda   # on an NVIDIA GPU (needs CuPy)
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # tiny matrices: BLAS threads only add overhead

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import plotting  # noqa: E402
from tinygan.metrics.divergences import (  # noqa: E402
    gan_criterion, js_divergence, optimal_discriminator, value_function)
from tinygan.train import real_sampler  # noqa: E402

from common import arguments, build, dataset, out_path  # noqa: E402

G_SHIFT, G_SCALE = 1.5, 0.7       # p_g = N(mean + 1.5 std, (0.7 std)^2) relative to p_data


def main():
    args = arguments(__doc__.splitlines()[0])
    data = dataset("gauss1d")
    probe = data.sample(200000, np.random.default_rng(0)).ravel()
    mean, std = float(probe.mean()), float(probe.std())
    g_mean, g_std = mean + G_SHIFT * std, G_SCALE * std

    gan = build("gan", (1,), {"z_dim": 1, "g_hidden": (), "d_hidden": (32, 32),
                              "activation": "tanh", "batch_size": 512, "lr": 3e-3,
                              "betas": (0.9, 0.999)}, args.seed, args.device)
    gan.generator[0].weight.data[...] = g_std          # G(z) = g_mean + g_std z: fixed
    gan.generator[0].bias.data[...] = g_mean
    sample_real = real_sampler(data, (1,), gan.device, rng=np.random.default_rng(args.seed))
    steps = 4000 if args.full else 1000
    for _ in range(steps):
        gan.discriminator_step(sample_real)

    x = np.linspace(mean - 7 * std, mean + 7 * std, 5001)
    p_data = data.pdf(x[:, None]).ravel()
    p_g = np.exp(-0.5 * ((x - g_mean) / g_std) ** 2) / (g_std * np.sqrt(2 * np.pi))
    m = (p_data + p_g) / 2
    d_star = optimal_discriminator(p_data, p_g, x)
    with tg.no_grad():
        logit = gan.discriminate(tg.tensor(x[:, None], dtype=tg.default_dtype(),
                                         device=gan.device)).numpy()
    d = 1 / (1 + np.exp(-logit.astype(np.float64)))

    jsd = js_divergence(p_data, p_g, x)
    v_star = value_function(d_star, p_data, p_g, x)
    v_learned = value_function(d, p_data, p_g, x)
    criterion = gan_criterion(p_data, p_g, x)
    mass = m > 0.02
    print(f"D trained {steps} steps against a fixed G")
    print(f"max |D - D*| where (p_data + p_g)/2 > 0.02: {np.abs(d - d_star)[mass].max():.4f}")
    print(f"V(D*, G)            = {v_star:.5f}")
    print(f"V(D_learned, G)     = {v_learned:.5f}")
    print(f"2 JSD - 2 log 2     = {2 * jsd - 2 * np.log(2):.5f}   (JSD = {jsd:.5f}; "
          f"C(G) = {criterion:.5f})")

    fig, axes = plotting.figure(1, 1, size=4.5)
    ax = axes[0]
    ax.plot(x, p_data, "k:", label="p_data")
    ax.plot(x, p_g, c="tab:green", label="p_g")
    ax.plot(x, d_star, c="tab:orange", lw=3, alpha=0.6, label="D* = p_data/(p_data+p_g)")
    ax.plot(x, d, "--", c="tab:blue", label="learned D")
    ax.set_xlim(mean - 4 * std, mean + 5 * std)
    ax.set_title(f"V(D*,G) = {v_star:.4f},  2JSD - 2log2 = {2 * jsd - 2 * np.log(2):.4f}",
                 fontsize=9)
    ax.legend(fontsize=7)
    print("wrote", plotting.save(fig, out_path("optimal_discriminator.png")))


if __name__ == "__main__":
    main()
