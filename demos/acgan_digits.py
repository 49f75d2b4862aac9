"""AC-GAN on 28x28 MNIST digits: one row per requested digit.

    python demos/acgan_digits.py            # about 3 minutes on 2 CPU cores
    python demos/acgan_digits.py --full     # the default width and minibatch, longer
    python demos/acgan_digits.py --classify-fakes 0    # D's class loss on real images only
    python demos/acgan_digits.py --full --device cuda  # on an NVIDIA GPU (needs CuPy)

Trains AC-GAN (Odena et al. 2017: G(c, z); D outputs the source and the
class and maximises L_S + L_C, G maximises L_C - L_S) on mnist5k's labelled
training digits, prints FID (LeNet features), KID and IS against the
held-out digits and how often LeNet reads a sample as the digit it was
asked for, and writes demos/out/acgan_digits.png (or
acgan_digits_real_only.png): row k holds ten samples of class k.

With the paper's objective (eq. 3: D also learns to classify G's images by
their requested class) each row tends to hold one kind of digit but not
always the requested one: D and G agree on a labelling of their own. With
``--classify-fakes 0`` D's class head learns from real images only and the
rows follow the data's labels much more closely (see ``tinygan.gans.acgan``).
"""
from _grid import save_grid
from _image_runs import (class_rows, digit_split, label_agreement, lenet_metrics, report,
                         samples, train_image_variant)
from common import arguments, build, out_path

SHORT = dict(steps=1200, config={"width": 32, "batch_size": 64})
FULL = dict(steps=5000, config={})


def main():
    args = arguments("AC-GAN on MNIST digits", steps=(int, None, "training steps"),
                     classify_fakes=(int, 1, "1: D's L_C includes fakes (eq. 3); 0: real only"))
    run = FULL if args.full else SHORT
    steps = args.steps or run["steps"]
    train, heldout = digit_split()
    config = {**run["config"], "classify_fakes": bool(args.classify_fakes)}
    acgan = build("acgan", train.shape, config, args.seed, args.device)
    name = "acgan_digits.png" if args.classify_fakes else "acgan_digits_real_only.png"
    train_image_variant(acgan, train, steps, args.seed)
    report(f"AC-GAN after {steps} steps", lenet_metrics(samples(acgan, 2000), heldout))
    print(f"samples LeNet reads as the digit asked for: {label_agreement(acgan):.1%}")
    print("wrote", save_grid(class_rows(acgan), out_path(name), 10,
                             f"AC-GAN after {steps} steps: row k is G(c = k, z)"
                             + ("" if args.classify_fakes else ", D classifies real only"),
                             row_labels=[str(k) for k in range(10)]))


if __name__ == "__main__":
    main()
