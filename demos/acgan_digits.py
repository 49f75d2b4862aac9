"""AC-GAN on 28x28 MNIST digits: one row per requested digit.

    python demos/acgan_digits.py            # about 3 minutes on 2 CPU cores
    python demos/acgan_digits.py --full     # the default width and minibatch, longer

Trains AC-GAN (Odena et al. 2017: G(c, z); D outputs the source and the
class and maximises L_S + L_C, G maximises L_C - L_S) on mnist5k's labelled
training digits, prints FID (LeNet features), KID and IS against the
held-out digits and how often LeNet reads a sample as the digit it was
asked for, and writes
demos/out/acgan_digits.png: row k holds ten samples of digit k.
"""
from _grid import save_grid
from _image_runs import (class_rows, digit_split, label_agreement, lenet_metrics, report,
                         samples, train_image_variant)
from common import arguments, build, out_path

SHORT = dict(steps=1200, config={"width": 32, "batch_size": 64})
FULL = dict(steps=5000, config={})


def main():
    args = arguments("AC-GAN on MNIST digits", steps=(int, None, "training steps"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    acgan = build("acgan", train.shape, run["config"], args.seed)
    train_image_variant(acgan, train, steps, args.seed)
    report(f"AC-GAN after {steps} steps", lenet_metrics(samples(acgan, 2000), heldout))
    print(f"samples LeNet reads as the digit asked for: {label_agreement(acgan):.1%}")
    print("wrote", save_grid(class_rows(acgan), out_path("acgan_digits.png"), 10,
                             f"AC-GAN after {steps} steps: row k is G(c = k, z)",
                             row_labels=[str(k) for k in range(10)]))


if __name__ == "__main__":
    main()
