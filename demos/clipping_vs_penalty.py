"""Weight clipping (WGAN) against the gradient penalty (WGAN-GP) on 1-D data.

With G fixed (p_g a Gaussian displaced from p_data), each critic is trained
by its variant's own critic step:
  * weight clipping (Arjovsky et al. 2017, Algorithm 2, c = 0.01): the
    weights pile up at -c and +c (seeds 004 Fig. 1), and the critic is a
    Lipschitz function of some unknown, small constant K, so its estimate
    E f(x) - E f(G(z)) is K W1 (seeds 004 eq. 12), far below W1;
  * gradient penalty (Gulrajani et al. 2017, seeds 004 eq. 20): weights
    spread out (Fig. 2) and the estimate is of the order of W1 itself. The
    penalty is soft: maximising integral f'(x) (F_g - F_data) dx - lambda
    E_x_hat (|f'| - 1)^2 pointwise gives f' = 1 + |F_g - F_data| / (2 lambda
    p_x_hat), so where interpolates are rare the slope exceeds 1 and the
    estimate overshoots W1 somewhat;
  * the finite-difference penalty (seeds 004 eq. 21) for comparison.
The exact W1 of two 1-D distributions is the area between their CDFs,
W1 = integral |F_data(x) - F_g(x)| dx.

    python demos/clipping_vs_penalty.py      # writes demos/out/clipping_vs_penalty.png
    python demos/clipping_vs_penalty.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # tiny matrices: BLAS threads only add overhead

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import plotting  # noqa: E402
from tinygan.train import real_sampler  # noqa: E402

from common import arguments, build, dataset, out_path  # noqa: E402

CRITIC = {"z_dim": 1, "g_hidden": (), "d_hidden": (64, 64, 64), "batch_size": 256}
RUNS = {
    "weight clipping (c = 0.01)": ("wgan", {}),
    "gradient penalty (lambda = 10)": ("wgan-gp", {}),
    "finite-difference penalty (eq. 21)": ("wgan-gp", {"penalty": "finite-difference"}),
}


def exact_w1(data, g_mean, g_std, lo, hi):
    """Integral of |F_data - F_g| over a fine grid, the CDFs from the densities."""
    x = np.linspace(lo, hi, 20001)
    dx = x[1] - x[0]
    f_data = np.cumsum(data.pdf(x[:, None]).ravel()) * dx
    f_g = np.cumsum(np.exp(-0.5 * ((x - g_mean) / g_std) ** 2) / (g_std * np.sqrt(2 * np.pi))) * dx
    return float(np.sum(np.abs(f_data - f_g)) * dx)


def main():
    args = arguments(__doc__.splitlines()[0])
    data = dataset("gauss1d")
    probe = data.sample(200000, np.random.default_rng(0)).ravel()
    mean, std = float(probe.mean()), float(probe.std())
    g_mean, g_std = mean + 2.0 * std, 0.5 * std
    w1 = exact_w1(data, g_mean, g_std, mean - 10 * std, mean + 10 * std)
    steps = 5000 if args.full else 1500

    fig, axes = plotting.figure(1, len(RUNS) + 1, size=3.2)
    x = np.linspace(mean - 4 * std, mean + 5 * std, 400)
    print(f"exact W1(p_data, p_g) = {w1:.4f}")
    for ax, (title, (name, extra)) in zip(axes, RUNS.items()):
        critic_run = build(name, (1,), {**CRITIC, **extra}, args.seed, args.device)
        critic_run.generator[0].weight.data[...] = g_std         # G fixed: N(g_mean, g_std^2)
        critic_run.generator[0].bias.data[...] = g_mean
        sample_real = real_sampler(data, (1,), critic_run.device,
                                   rng=np.random.default_rng(args.seed))
        for _ in range(steps):
            critic_run.critic_step(sample_real)
        with tg.no_grad():
            real = sample_real(50000)
            estimate = float(critic_run.discriminate(real).data.mean()
                             - critic_run.discriminate(critic_run.sample(50000)).data.mean())
            f = critic_run.discriminate(tg.tensor(x[:, None], dtype=tg.default_dtype(),
                                                  device=critic_run.device)).numpy()
        weights = np.concatenate([p.numpy().ravel() for n, p in
                                  critic_run.discriminator.named_parameters() if "weight" in n])
        at_box = np.mean(np.isclose(np.abs(weights), 0.01, rtol=1e-3))
        print(f"{title:36s} critic estimate {estimate:8.4f}   (W1 {w1:.4f}, ratio "
              f"{estimate / w1:.3f});  weights at +-0.01: {100 * at_box:5.1f}%,  "
              f"|w| max {np.abs(weights).max():.3f}")
        plotting.weight_histogram(ax, weights, f"{title}\nestimate {estimate:.3g} vs W1 {w1:.3g}")
        slope = np.gradient(f, x)
        axes[-1].plot(x, (f - f.mean()) / max(np.abs(slope).max(), 1e-12), label=name + (
            " (fd)" if extra else ""))
    axes[-1].set_title("critics, rescaled to max slope 1", fontsize=9)
    axes[-1].legend(fontsize=6)
    print("wrote", plotting.save(fig, out_path("clipping_vs_penalty.png")))


if __name__ == "__main__":
    main()
