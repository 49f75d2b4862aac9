#!/usr/bin/env bash
# The demos on an NVIDIA GPU, in one go:
#   bash benchmarks/cuda_demos.sh OUT_DIR [MINUTES]
# writes OUT_DIR/zoo.txt (demos/zoo_budget.py: DCGAN, ProGAN, BigGAN and
# StyleGAN2, MINUTES of training each, default 1), demos.txt (short runs of
# a few other demos, each with its exit status) and the pictures they draw.
# DEVICE=cpu runs the same commands on the CPU (a dry run of this script).
set -u
out=${1:?usage: bash benchmarks/cuda_demos.sh OUT_DIR [MINUTES]}
minutes=${2:-1}
device=${DEVICE:-cuda}
mkdir -p "$out"
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-/tmp/tinygan-numba}
python3 -m pip install -q --no-deps --no-build-isolation -e . >"$out/install.txt" 2>&1

timeout "${ZOO_SECONDS:-420}" python3 demos/zoo_budget.py --device "$device" \
    --minutes "$minutes" --variants "${ZOO_VARIANTS:-dcgan,progan,biggan,stylegan2}" \
    >"$out/zoo.txt" 2>&1
echo "exit status $?" >>"$out/zoo.txt"

demo() {
    echo "== demos/$*"
    timeout "${DEMO_SECONDS:-60}" python3 "demos/$1" --device "$device" "${@:2}" 2>&1 | tail -n 12
    echo "exit status ${PIPESTATUS[0]}"
}
{
    demo practical_aside.py
    demo dcgan_mnist.py --steps "${DEMO_STEPS:-300}"
    demo acgan_digits.py --steps "${DEMO_STEPS:-300}"
    demo stylegan2_style_mixing.py --steps "${DEMO_STEPS:-300}"
} >"$out/demos.txt"
cp demos/out/*.png "$out/" 2>/dev/null
exit 0
