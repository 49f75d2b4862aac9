"""VAE-GAN: a VAE whose reconstruction error is measured in the discriminator's features.

Trains Larsen et al.'s VAE-GAN on the 8x8 digits (or MNIST) and writes
demos/out/vaegan_reconstructions_<data>.png: held-out images x, their
reconstructions Dec(mu(x)), and samples Dec(z), z ~ N(0, I). Unlike
BiGAN, encoder and decoder meet in a reconstruction error (in Dis_l's
feature space), so reconstructions should keep the digit of x more often.
Prints the pixel error of the reconstructions, how often a digit
classifier gives them the label of x, and the final KL term.

    python demos/vaegan_reconstructions.py              # about 2 minutes on 2 CPU cores
    python demos/vaegan_reconstructions.py --full       # longer training
    python demos/vaegan_reconstructions.py --data mnist5k --gamma 0.01
    python demos/vaegan_reconstructions.py --data mnist5k --full --device cuda   # NVIDIA GPU, CuPy
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: BLAS threads only contend

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import data as datasets  # noqa: E402
from tinygan.train import train  # noqa: E402

from bigan_reconstructions import classifier, save_panels, split  # noqa: E402
from common import arguments, build, out_path  # noqa: E402

STEPS = {"digits": (3000, 20000), "mnist5k": (500, 5000)}


def main():
    args = arguments(__doc__.splitlines()[0], data=(str, "digits", "digits or mnist5k"),
                     gamma=(float, 1e-2, "weight of the feature-space reconstruction error"))
    steps = STEPS[args.data][1 if args.full else 0]
    train_set, x_test, y_test = split(datasets.get(args.data), 0.8, args.seed)
    vaegan = build("vaegan", train_set.shape, {"gamma": args.gamma}, args.seed, args.device)
    history = train(vaegan, train_set, steps=steps, seed=args.seed, log_every=500)

    recon = vaegan.reconstruct(tg.tensor(x_test, device=vaegan.device)).numpy()
    judge = classifier(train_set.images, train_set.labels)
    kept = np.mean(judge.predict(recon.reshape(len(recon), -1)) == y_test)
    last = history[-1]
    print(f"{steps} steps in {history.seconds:.0f} s; last L_prior {last['prior']:.2f}, "
          f"L_llike^Dis_l {last['llike']:.2f}, D(x) {last['D(x)']:.2f}, "
          f"D(x_tilde) {last['D(x_tilde)']:.2f}, D(x_p) {last['D(x_p)']:.2f}")
    real_acc = judge.score(x_test.reshape(len(x_test), -1), y_test)
    print(f"held-out reconstruction error mean |x - Dec(mu(x))| = "
          f"{np.abs(recon - x_test).mean():.3f} (pixels in [-1, 1])")
    print(f"classifier gives Dec(mu(x)) the label of x: {100 * kept:.1f}% "
          f"(its accuracy on x itself: {100 * real_acc:.1f}%)")

    print("wrote", save_panels([(x_test, "held-out x"), (recon, "reconstructions Dec(mu(x))"),
                                (vaegan.sample(32).numpy(), "samples Dec(z), z ~ N(0, I)")],
                               out_path(f"vaegan_reconstructions_{args.data}.png")))


if __name__ == "__main__":
    main()
