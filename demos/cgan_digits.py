"""CGAN on 28x28 MNIST digits: one row per requested digit.

    python demos/cgan_digits.py            # about 3 minutes on 2 CPU cores
    python demos/cgan_digits.py --full     # the default width and minibatch, longer
    python demos/cgan_digits.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)

Trains CGAN (Mirza & Osindero 2014: G(z | y) and D(x | y), the label fed to
both through an embedding) on mnist5k's labelled training digits, prints
FID (LeNet features), KID and IS against the held-out digits and how often
LeNet reads a sample as the digit it was asked for, and writes
demos/out/cgan_digits.png: row k holds ten samples of digit k.
"""
from _grid import save_grid
from _image_runs import (class_rows, digit_split, label_agreement, lenet_metrics, report,
                         samples, train_image_variant)
from common import arguments, build, out_path

SHORT = dict(steps=1200, config={"width": 32, "batch_size": 64})
FULL = dict(steps=5000, config={})


def main():
    args = arguments("CGAN on MNIST digits", steps=(int, None, "training steps"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    cgan = build("cgan", train.shape, run["config"], args.seed, args.device)
    train_image_variant(cgan, train, steps, args.seed)
    report(f"CGAN after {steps} steps", lenet_metrics(samples(cgan, 2000), heldout))
    print(f"samples LeNet reads as the digit asked for: {label_agreement(cgan):.1%}")
    print("wrote", save_grid(class_rows(cgan), out_path("cgan_digits.png"), 10,
                             f"CGAN after {steps} steps: row k is G(z | y = k)",
                             row_labels=[str(k) for k in range(10)]))


if __name__ == "__main__":
    main()
