"""Train the LeNet digit classifier behind "FID (LeNet features)" and ship its weights.

    python demos/train_classifier.py            # writes tinygan/weights/lenet_mnist5k.npz
    python demos/train_classifier.py --device cuda   # on an NVIDIA GPU (needs CuPy)
    python demos/train_classifier.py --stroke-width --out lenet_strokes.npz

Trains ``tinygan.metrics.classifier.LeNet`` on the 4,000 training images of
mnist5k (``heldout_split``) with random shifts of up to ``--shift`` pixels as
augmentation, Adam with a learning rate halved every ``--halve-every`` epochs,
and reports the accuracy on the 1,000 held-out images, which it never sees
during training. The weights are saved in float32 as a safe ``.npz``.

``--stroke-width`` adds a second augmentation: each training image is left
as it is, thickened or thinned, with probability 1/3 each. The shipped
LeNet was trained without it, and it reads heavily thickened 1s as 8s. A
reader trained with it, saved elsewhere with ``--out`` and passed to
``classifier.digit_counts(images, classifier.load_classifier(path))``, tells
whether a generator's missing digits are missing or drawn with the wrong
stroke width (see docs/RESULTS.md, ProGAN).
"""
import argparse
import os
import time

import numpy as np

import tinygan as tg
import tinygan.functional as F
from tinygan import backend, io, optim
from tinygan.data import batches, domains
from tinygan.metrics import classifier

from common import add_device_option, parse


def shifted(images, max_shift, rng):
    """Each image moved by a random (dy, dx) in [-max_shift, max_shift]^2, with background (-1)
    filled in."""
    n, c, h, w = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (max_shift,) * 2, (max_shift,) * 2),
                    constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * max_shift + 1, (2, n))
    rows = dy[:, None] + np.arange(h)
    cols = dx[:, None] + np.arange(w)
    moved = padded[np.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]]
    return moved.transpose(0, 3, 1, 2)                  # (n, h, w, c) -> (n, c, h, w)


def varied_stroke_width(images, rng):
    """Each image left as it is, thickened (grey-scale dilation) or thinned (erosion) by one
    pixel, with probability 1/3 each."""
    choice = rng.integers(0, 3, len(images))
    varied = images.copy()
    varied[choice == 1] = domains.thicken(images[choice == 1])
    varied[choice == 2] = domains.thin(images[choice == 2])
    return varied


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--halve-every", type=int, default=10)
    parser.add_argument("--shift", type=int, default=2)
    parser.add_argument("--stroke-width", action="store_true",
                        help="also thicken or thin each training image at random (1/3 each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=classifier.WEIGHTS)
    add_device_option(parser)
    args = parse(parser)
    if args.stroke_width and os.path.realpath(args.out) == os.path.realpath(classifier.WEIGHTS):
        parser.error(f"--stroke-width: give --out PATH; the reader every image metric uses "
                     f"({classifier.WEIGHTS}) was trained without it and is not replaced")

    tg.manual_seed(args.seed)
    rng = backend.generator("cpu")
    train, heldout = classifier.heldout_split()
    net = classifier.LeNet(args.device)
    opt = optim.Adam(net.parameters(), lr=args.lr)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        opt.param_groups[0]["lr"] = args.lr * 0.5 ** ((epoch - 1) // args.halve_every)
        net.train()
        losses = []
        for images, labels in batches((train.images, train.labels), args.batch_size, rng, epochs=1):
            if args.shift:
                images = shifted(images, args.shift, rng)
            if args.stroke_width:
                images = varied_stroke_width(images, rng)
            x = tg.tensor(images, device=args.device)
            loss = F.cross_entropy(net(x), labels)
            grads = tg.grad(loss, list(net.parameters()))
            for p, g in zip(net.parameters(), grads):
                p.grad = g
            opt.step()
            losses.append(loss.item())
        net.eval()
        acc = classifier.accuracy(heldout.images, heldout.labels, net)
        print(f"epoch {epoch:3d}  loss {np.mean(losses):.4f}  held-out accuracy {acc:.4f}  "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    train_acc = classifier.accuracy(train.images, train.labels, net)
    print(f"final: train accuracy {train_acc:.4f}, held-out accuracy {acc:.4f} "
          f"on {len(heldout)} images")
    thick = domains.thicken(heldout.images)
    print(f"held-out accuracy with the strokes thickened by one pixel "
          f"{classifier.accuracy(thick, heldout.labels, net):.4f}, by two "
          f"{classifier.accuracy(domains.thicken(thick), heldout.labels, net):.4f}")
    io.save_state_dict(net, args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
