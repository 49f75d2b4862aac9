"""What one training image costs each variant of the zoo: multiply-adds and time, against DCGAN.

    python benchmarks/zoo_cost.py [--variants dcgan,progan,stylegan2,biggan,bigbigan]
                                  [--steps N] [--clock wall|cpu]

Builds each variant in the configuration ``demos/zoo_budget.py`` trains for its
4-minute budget (ProGAN at its last stage, 32x32 with alpha = 1), runs a few
warm-up steps, then counts over ``--steps`` training steps the multiply-adds
of every convolution (forward, transposed and weight gradient, at every order
of differentiation) and every matrix product, and times the steps. Prints per
training image: M multiply-adds, milliseconds, the achieved GMAC/s, and each
variant's ratio to DCGAN's in the same process.

The count explains the zoo's budgets: a variant that spends k times DCGAN's
arithmetic per image, at the same kernel speed, sees 1/k of its images in the
same minutes.
"""
import argparse
import contextlib
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "demos"))

import tinygan as tg  # noqa: E402
from tinygan.gans import get  # noqa: E402
from tinygan.ops import conv as conv_ops, linalg  # noqa: E402
from zoo_budget import VARIANTS  # noqa: E402

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def conv_multiply_adds(batch, out_channels, in_channels, geometry):
    """N * oh * ow * C_out * C_in * kh * kw: the products of one convolution, of its
    transposed convolution, or of its weight gradient (all three share the geometry)."""
    return batch * math.prod(geometry.out_size) * out_channels * in_channels * math.prod(
        geometry.kernel)


@contextlib.contextmanager
def counting_multiply_adds():
    """Within the block, count the multiply-adds of tinygan's CPU convolution kernels and
    matrix products; yields a dict whose "conv" and "matmul" entries grow as they run."""
    kernels, counts = conv_ops.kernels, {"conv": 0, "matmul": 0}
    originals = {name: getattr(kernels, name)
                 for name in ("conv2d", "conv_transpose2d", "conv2d_weight_grad")}
    matmul_forward = linalg.MatMul.forward

    def conv2d(x, w, b, geometry, cols=None):
        counts["conv"] += conv_multiply_adds(x.shape[0], w.shape[0], w.shape[1], geometry)
        return originals["conv2d"](x, w, b, geometry, cols)

    def conv_transpose2d(x, w, b, geometry):
        counts["conv"] += conv_multiply_adds(x.shape[0], w.shape[1], w.shape[0], geometry)
        return originals["conv_transpose2d"](x, w, b, geometry)

    def conv2d_weight_grad(x, gy, geometry, cols=None):
        counts["conv"] += conv_multiply_adds(x.shape[0], gy.shape[1], x.shape[1], geometry)
        return originals["conv2d_weight_grad"](x, gy, geometry, cols)

    def counted_matmul(self, a, b):
        counts["matmul"] += math.prod(a.shape[:-1]) * a.shape[-1] * b.shape[-1]
        return matmul_forward(self, a, b)

    kernels.conv2d, kernels.conv_transpose2d = conv2d, conv_transpose2d
    kernels.conv2d_weight_grad, linalg.MatMul.forward = conv2d_weight_grad, counted_matmul
    try:
        yield counts
    finally:
        for name, function in originals.items():
            setattr(kernels, name, function)
        linalg.MatMul.forward = matmul_forward


def zoo_variant(name):
    """(variant in the zoo's configuration, images per training step, image shape)."""
    config, padded = VARIANTS[name]
    shape = (1, 32, 32) if padded else (1, 28, 28)
    variant = get(name)(shape, config)
    if name == "progan":                # jump to the last stage, fully faded in
        variant.stage, variant.images_in_stage = len(variant.sizes) - 1, 10 ** 9
        return variant, variant.batch_size, shape
    return variant, config["batch_size"], shape


def real_sampler(variant, shape, seed=0):
    """sample_real(m) for the variant: m random images (with labels where it needs them)."""
    rng = np.random.default_rng(seed)

    def sample_real(m):
        images = tg.tensor(rng.uniform(-1, 1, (m,) + shape).astype(np.float32))
        if getattr(variant, "needs_labels", False):
            return images, tg.tensor(rng.integers(0, 10, m))
        return images
    return sample_real


def measure(name, steps, clock):
    """(M multiply-adds per training image, milliseconds per training image)."""
    tg.manual_seed(0)
    variant, images_per_step, shape = zoo_variant(name)
    sample_real = real_sampler(variant, shape)
    for _ in range(2):
        variant.train_step(sample_real)
    with counting_multiply_adds() as counts:
        start = clock()
        for _ in range(steps):
            variant.train_step(sample_real)
        seconds = clock() - start
    images = steps * images_per_step
    return (counts["conv"] + counts["matmul"]) / images / 1e6, 1000 * seconds / images


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="dcgan,progan,stylegan2,biggan,bigbigan")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--clock", default="wall", choices=sorted(CLOCKS))
    args = parser.parse_args()
    names = args.variants.split(",")
    unknown = [name for name in names if name not in VARIANTS or name == "xgan"]
    if unknown:
        raise SystemExit(f"--variants: unknown {unknown}; choose from "
                         f"{[n for n in VARIANTS if n != 'xgan']}")
    if "dcgan" not in names:
        names.insert(0, "dcgan")        # the baseline of the ratios
    print(f"{'variant':10s} {'M MAC/image':>12s} {'ms/image':>9s} {'GMAC/s':>7s} "
          f"{'MAC ratio':>10s} {'time ratio':>11s}")
    baseline = None
    for name in names:
        macs, ms = measure(name, args.steps, CLOCKS[args.clock])
        baseline = baseline or (macs, ms)
        print(f"{name:10s} {macs:12.1f} {ms:9.2f} {macs / ms:7.1f} {macs / baseline[0]:10.1f} "
              f"{ms / baseline[1]:11.1f}", flush=True)


if __name__ == "__main__":
    main()
