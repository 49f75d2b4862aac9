"""Where tinygan's time goes in one benchmark workload: cProfile over repeated steps.

    python benchmarks/profile_step.py [--device cpu|cuda] [--workload dcgan|wgan|toy]
                                      [--steps N] [--top K]

Runs a few warm-up steps (JIT compilation, CUDA kernel compilation), then
profiles ``--steps`` steps and prints the ``--top`` functions by their own
time and by cumulative time. On CUDA, kernels run asynchronously: the time
of a kernel shows up in whichever call waits for it first (a ``.item()``,
a copy to the host, or the final synchronisation).
"""
import argparse
import cProfile
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from models import DCGANStep, Framework, wgan_gp32_step, wgan_gp_toy_step  # noqa: E402

WORKLOADS = {"dcgan": lambda fw: DCGANStep(fw, 64), "wgan": lambda fw: wgan_gp32_step(fw, 64),
             "toy": wgan_gp_toy_step}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--workload", default="dcgan", choices=sorted(WORKLOADS))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    fw = Framework("tinygan", args.device)
    fw.seed(0)
    step = WORKLOADS[args.workload](fw)
    for _ in range(3):
        step()
    fw.synchronize()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.steps):
        step()
    fw.synchronize()
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"{args.workload} on {args.device}, {args.steps} steps: "
          f"{1000 * stats.total_tt / args.steps:.1f} ms per step under the profiler")
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
