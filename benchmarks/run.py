"""tinygan against PyTorch, side by side in one process.

    python benchmarks/run.py [--device cpu|cuda] [--repeats N] [--only conv,dcgan,toy,wgan]
                             [--threads N] [--clock wall|cpu]

Prints one table: the median time per call of each workload in both
engines, their ratio (tinygan / PyTorch) and, for single conv layers, the
achieved GFLOP/s of forward + backward. PyTorch is optional: without it only
tinygan's column is filled. Also prints which BLAS library and kernel NumPy
uses, since that sets tinygan's matrix-product speed.

On a machine shared with other jobs, wall times of multi-threaded runs are
unreliable; ``--threads 1 --clock cpu`` compares the CPU time each engine
spends per call instead (CPU time of several threads would count spinning).
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from models import (DCGAN32_CONVS, ConvLayerStep, DCGANStep, Framework,  # noqa: E402
                    timed, wgan_gp32_step, wgan_gp_toy_step)

WORKLOADS = ("conv", "dcgan", "toy", "wgan")


def _frameworks(device):
    fws = [Framework("tinygan", device)]
    try:
        fws.append(Framework("torch", device))
    except ImportError:
        print("PyTorch is not installed: timing tinygan only.\n")
    return fws


def _rows(only, batch):
    rows = []
    if "conv" in only:
        for spec in DCGAN32_CONVS:
            kind, c_in, c_out, size, k, s, p = spec
            label = f"{kind} {c_in}->{c_out} {size}x{size} k{k} s{s} p{p}"
            rows.append((label, lambda fw, spec=spec: ConvLayerStep(fw, spec, batch), True))
    if "dcgan" in only:
        rows.append(("DCGAN-32 train step", lambda fw: DCGANStep(fw, batch), False))
    if "toy" in only:
        rows.append(("toy WGAN-GP step (MLP 3x512, batch 256)", wgan_gp_toy_step, False))
    if "wgan" in only:
        rows.append(("WGAN-GP-32 step (5 critic + 1 G)", lambda fw: wgan_gp32_step(fw, batch),
                     False))
    return rows


def _limit_threads(n, fws):
    from threadpoolctl import threadpool_limits
    threadpool_limits(n)
    if len(fws) > 1:
        fws[1].lib.set_num_threads(n)


def blas_report():
    """One line per BLAS/OpenMP library loaded: its name, kernel and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["(install threadpoolctl to see which BLAS kernel runs)"]
    lines = []
    for info in threadpool_info():
        lines.append(f"{info.get('internal_api')} {info.get('version', '')} "
                     f"kernel={info.get('architecture', '-')} threads={info.get('num_threads')} "
                     f"({os.path.basename(info.get('filepath', ''))})")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help=f"comma-separated subset of {WORKLOADS}")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and PyTorch to this many threads (default: all cores)")
    parser.add_argument("--clock", default="wall", choices=("wall", "cpu"),
                        help="wall time, or this process's CPU time (use with --threads 1)")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    fws = _frameworks(args.device)
    if args.threads:
        _limit_threads(args.threads, fws)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    print(f"device={args.device} repeats={args.repeats} batch={args.batch} threads="
          f"{args.threads or os.cpu_count()} clock={args.clock} "
          f"python={platform.python_version()} {platform.machine()} env={env or 'none'}")
    header = f"{'workload':<44} {'tinygan ms':>11} {'torch ms':>10} {'ratio':>6} " \
             f"{'tg GFLOP/s':>10} {'pt GFLOP/s':>10}"
    print(header)
    print("-" * len(header))
    for label, make, is_conv in _rows(only, args.batch):
        times, flops = [], None
        for fw in fws:
            fw.seed(0)
            work = make(fw)
            flops = getattr(work, "flops", None)
            times.append(timed(work, fw, args.repeats, clock=clock))
            del work
            time.sleep(0.2)     # let the other engine's idle threads go to sleep
        tg_ms = times[0] * 1e3
        pt_ms = times[1] * 1e3 if len(times) > 1 else None
        cells = [f"{label:<44}", f"{tg_ms:>11.2f}",
                 f"{pt_ms:>10.2f}" if pt_ms else f"{'-':>10}",
                 f"{tg_ms / pt_ms:>6.2f}" if pt_ms else f"{'-':>6}"]
        if is_conv and flops:
            cells.append(f"{flops / times[0] / 1e9:>10.1f}")
            cells.append(f"{flops / times[1] / 1e9:>10.1f}" if pt_ms else f"{'-':>10}")
        print(" ".join(cells), flush=True)
    print()
    print("BLAS / threading libraries loaded:")
    for line in blas_report():
        print("  " + line)
    if len(fws) > 1:
        import torch
        print(f"  torch {torch.__version__}, {torch.get_num_threads()} threads, "
              f"mkldnn={torch.backends.mkldnn.is_available()}")


if __name__ == "__main__":
    main()
