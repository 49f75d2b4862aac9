#!/usr/bin/env bash
# The CUDA checks, in one go, on a machine with an NVIDIA GPU and CuPy:
#   bash benchmarks/cuda_check.sh OUT_DIR
# writes OUT_DIR/gpu.txt (the GPU and the library versions), tests.txt (the
# tests that run only on CUDA), cli.txt (a short training run through the
# command line, resumed) and bench.txt (benchmarks/run.py --device cuda).
set -u
out=${1:?usage: bash benchmarks/cuda_check.sh OUT_DIR}
mkdir -p "$out"
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-/tmp/tinygan-numba} TINYGAN_EXAMPLES=10
python3 -m pip install -q --no-deps --no-build-isolation -e . >"$out/install.txt" 2>&1

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import cupy, numba, numpy, sys; print('python', sys.version.split()[0], \
'numpy', numpy.__version__, 'numba', numba.__version__, 'cupy', cupy.__version__)"
  python3 -c "import tinygan; print('cuda available:', tinygan.cuda_available())"
} >"$out/gpu.txt" 2>&1

timeout "${TEST_SECONDS:-330}" python3 -m pytest -q -p no:cacheprovider --durations 8 \
    tests/ops/test_devices.py tests/kernels/test_cuda_kernels.py tests/test_cuda_training.py \
    tests/test_tensor.py >"$out/tests.txt" 2>&1
echo "exit status $?" >>"$out/tests.txt"

run=$(mktemp -d)
{ timeout 120 python3 -m tinygan train dcgan --data digits --steps 40 --device cuda \
      --out "$run/dcgan" --checkpoint-every 20 --sample-every 20 --log-every 20 &&
  timeout 60 python3 -m tinygan train dcgan --data digits --steps 60 --device cuda \
      --out "$run/dcgan" --resume --log-every 20 && ls "$run/dcgan"
} >"$out/cli.txt" 2>&1
echo "exit status $?" >>"$out/cli.txt"

timeout "${BENCH_SECONDS:-150}" python3 benchmarks/run.py --device cuda --repeats 5 \
    >"$out/bench.txt" 2>&1
echo "exit status $?" >>"$out/bench.txt"
