"""The "practical aside" (seeds 001; seeds 003): why G descends -log D(G(z)).

Early in training D rejects G's samples, D(G(z)) ~ 0. The minimax cost
log(1 - D(G(z))) is flat there, so G learns nothing; the non-saturating cost
-log D(G(z)) is steep there. The gradients below come from autograd through
the library's loss functions (which take logits), plotted over the analytic
derivatives:

    d/dD log(1 - D) = -1/(1 - D)           d/dlogit = -D
    d/dD -log D     = -1/D                 d/dlogit = -(1 - D)
    d/dD -1/2 D/(1 - D) = -1/(2 (1 - D)^2) d/dlogit = -1/2 D/(1 - D)   (maximum likelihood)

    python demos/practical_aside.py          # writes demos/out/practical_aside.png
    python demos/practical_aside.py --device cuda   # the same autograd on an NVIDIA GPU (CuPy)
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # tiny matrices: BLAS threads only add overhead

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import plotting  # noqa: E402
from tinygan.gans import losses  # noqa: E402

from common import arguments, out_path  # noqa: E402

COSTS = {
    "minimax  log(1 - D)": (losses.generator_minimax,
                            lambda p: np.log(1 - p), lambda p: -1 / (1 - p), lambda p: -p),
    "non-saturating  -log D": (losses.generator_non_saturating,
                               lambda p: -np.log(p), lambda p: -1 / p, lambda p: -(1 - p)),
    "maximum likelihood  -exp(logit)/2": (losses.generator_maximum_likelihood,
                                          lambda p: -0.5 * p / (1 - p),
                                          lambda p: -0.5 / (1 - p) ** 2,
                                          lambda p: -0.5 * p / (1 - p)),
}


def autograd_curves(cost, p, device="cpu"):
    """cost(D) per point and its derivatives d/dD and d/dlogit, all from autograd.

    Each point is its own one-sample batch (the costs are means), so the
    gradient of the sum over points is the per-point derivative.
    """
    d = tg.tensor(p, dtype=np.float64, requires_grad=True, device=device)
    logit = tg.log(d) - tg.log(1 - d)                # sigma^-1(D)
    values = [cost(logit[i:i + 1]) for i in range(len(p))]
    total = values[0]
    for v in values[1:]:
        total = total + v
    d_dp, d_dlogit = tg.grad(total, [d, logit])
    return np.array([v.item() for v in values]), d_dp.numpy(), d_dlogit.numpy()


def main():
    args = arguments(__doc__.splitlines()[0])
    p = np.linspace(0.005, 0.995, 60)
    dense = np.linspace(0.002, 0.998, 500)
    fig, axes = plotting.figure(1, 3, size=3.6)
    print(f"{'D(G(z))':>9}  " + "  ".join(f"{name.split()[0]:>26}" for name in COSTS))
    table = {}
    for name, (cost, value, d_dp, d_dlogit) in COSTS.items():
        values, grad_p, grad_logit = autograd_curves(cost, p, args.device)
        np.testing.assert_allclose(grad_p, d_dp(p), rtol=1e-8)         # autograd == analytic
        np.testing.assert_allclose(grad_logit, d_dlogit(p), rtol=1e-8)
        line = axes[0].plot(dense, value(dense), lw=1.2, label=name)[0]
        axes[0].plot(p, values, ".", ms=3, c=line.get_color())
        axes[1].plot(dense, np.abs(d_dp(dense)), lw=1.2, c=line.get_color())
        axes[1].plot(p, np.abs(grad_p), ".", ms=3, c=line.get_color())
        axes[2].plot(dense, np.abs(d_dlogit(dense)), lw=1.2, c=line.get_color())
        axes[2].plot(p, np.abs(grad_logit), ".", ms=3, c=line.get_color())
        table[name] = autograd_curves(cost, np.array([0.001, 0.01, 0.1, 0.5, 0.9]), args.device)[2]
    for i, q in enumerate([0.001, 0.01, 0.1, 0.5, 0.9]):
        print(f"{q:>9}  " + "  ".join(f"{abs(table[n][i]):>26.4g}" for n in COSTS))
    print("(|d cost / d logit| of D, the signal that backpropagates into G; lines: analytic,"
          " dots: autograd)")
    axes[0].set_title("generator cost vs D(G(z))", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_title("|d cost / d D(G(z))|", fontsize=9)
    axes[1].set_yscale("log")
    axes[2].set_title("|d cost / d logit|  (reaches G)", fontsize=9)
    for ax in axes:
        ax.set_xlabel("D(G(z))")
    print("wrote", plotting.save(fig, out_path("practical_aside.png")))


if __name__ == "__main__":
    main()
