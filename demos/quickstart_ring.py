"""Quickstart: the original GAN learns a ring of 8 Gaussians in about a minute.

Goodfellow et al.'s Algorithm 1 (k = 1) with the non-saturating generator
cost, ReLU MLPs for G and D, Adam, the learning rate decayed over the second
half of training. Writes real and generated samples to
demos/out/quickstart_ring.png and prints how many of the 8 modes G captured
and the fraction of its samples that are high quality (within 3 std of a mode).

    python demos/quickstart_ring.py            # about a minute on 2 CPU cores
    python demos/quickstart_ring.py --full     # longer training
    python demos/quickstart_ring.py --device cuda   # on an NVIDIA GPU (needs CuPy)
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # tiny matrices: BLAS threads only add overhead

import numpy as np  # noqa: E402

from tinygan import plotting  # noqa: E402
from tinygan.train import decay_learning_rate, train  # noqa: E402

from common import arguments, build, dataset, mode_metrics, out_path  # noqa: E402

CONFIG = {"loss": "non-saturating", "k": 1, "batch_size": 256, "lr": 1e-3}
DECAY = 0.01       # the learning rate falls to 1% over the second half: sharper modes


def main():
    args = arguments(__doc__.splitlines()[0])
    steps = 20000 if args.full else 4000
    data = dataset("ring8")
    gan = build("gan", (2,), CONFIG, args.seed, args.device)
    history = train(gan, data, steps=steps, seed=args.seed, log_every=500,
                    callback=decay_learning_rate(steps, DECAY))
    fake = gan.sample(2500).numpy()
    real = np.asarray(data.sample(2500, np.random.default_rng(args.seed)))
    modes, quality, reverse_kl = mode_metrics(fake, data)
    print(f"{steps} steps in {history.seconds:.0f} s ({history.steps_per_second:.0f} steps/s)")
    print(f"modes captured: {modes}/{len(data.centres)}   high-quality samples: "
          f"{100 * quality:.1f}%   reverse KL: {reverse_kl:.3f}")
    fig, axes = plotting.figure(1, 1, size=4.5)
    plotting.scatter_samples(axes[0], real, fake, f"GAN on the ring: {modes}/8 modes, "
                             f"{100 * quality:.0f}% high quality",
                             limit=1.4 * float(np.abs(data.centres).max()))
    axes[0].legend(fontsize=7, markerscale=4)
    print("wrote", plotting.save(fig, out_path("quickstart_ring.png")))


if __name__ == "__main__":
    main()
