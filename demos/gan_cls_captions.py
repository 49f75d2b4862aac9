"""GAN-CLS draws digits from captions: "a thin seven", "a two", "a bold four".

Trains Reed et al.'s GAN-CLS (matching-aware discriminator) on the 8x8
digits captioned by tinygan.data.captions, and writes
demos/out/gan_cls_captions.png: one row per digit, three groups of columns
for "a thin <digit>", "a <digit>" and "a thick <digit>", the same noise z
down each column. Prints how often a digit classifier reads the caption's
digit in the samples, and the mean ink mass of samples captioned thin
against thick (with the real digits' values), as checks that the text
controls the image.

    python demos/gan_cls_captions.py            # about 2 minutes on 2 CPU cores
    python demos/gan_cls_captions.py --full     # longer training
    python demos/gan_cls_captions.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)
"""
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: BLAS threads only contend

import numpy as np  # noqa: E402

import tinygan as tg  # noqa: E402
from tinygan import plotting  # noqa: E402
from tinygan.data import captions  # noqa: E402

from bigan_reconstructions import classifier, mosaic  # noqa: E402
from common import arguments, build, out_path  # noqa: E402

CONFIG = {"batch_size": 64}
THICKNESS_CAPTIONS = {"thin": "a thin {}", None: "a {}", "thick": "a thick {}"}


def generate(gan, texts, z):
    """G(z_i, phi(text_i)) for each row, without a graph."""
    with tg.no_grad():
        return gan.generator(z, gan.embed(texts)).numpy()


def main():
    args = arguments(__doc__.splitlines()[0])
    steps = 12000 if args.full else 3000
    data = captions.captioned("digits", seed=args.seed)
    gan = build("gan-cls", data.shape, CONFIG, args.seed, args.device)
    rng = np.random.default_rng([args.seed, 1])

    def sample_real(m):
        images, tokens = data.sample(m, rng)
        return tg.tensor(images, device=gan.device), tokens

    start, scores = time.perf_counter(), []
    for step in range(1, steps + 1):
        metrics = gan.train_step(sample_real)
        scores.append([metrics["s_r"], metrics["s_w"], metrics["s_f"]])
        if step % 500 == 0 or step == steps:
            s_r, s_w, s_f = np.mean(scores[-500:], axis=0)
            print(f"step {step}/{steps}  loss/D {metrics['loss/D']:.3f}  "
                  f"loss/G {metrics['loss/G']:.3f}  mean s_r {s_r:.2f}  s_w {s_w:.2f}  "
                  f"s_f {s_f:.2f}", flush=True)
    print(f"{steps} steps in {time.perf_counter() - start:.0f} s")

    per_caption, cols = 40, 4
    judge = classifier(data.images, data.labels)
    # One batch mixing all captions: G's batch norm uses batch statistics, which
    # would cancel an effect that every sample of a batch shares.
    texts = [template.format(word) for template in THICKNESS_CAPTIONS.values()
             for word in captions.DIGIT_WORDS for _ in range(per_caption)]
    samples = np.split(generate(gan, texts, gan.sample_z(len(texts))), len(THICKNESS_CAPTIONS))
    labels = np.repeat(np.arange(10), per_caption)
    correct = [np.mean(judge.predict(group.reshape(len(group), -1)) == labels) for group in samples]
    ink = {t: captions.ink_mass(group).mean() for t, group in zip(THICKNESS_CAPTIONS, samples) if t}
    real_ink = {t: captions.ink_mass(data.images[data.thickness == t]).mean() for t in ink}
    print("classifier reads the caption's digit in "
          + ", ".join(f"{100 * c:.0f}% ({t or 'plain'})"
                      for c, t in zip(correct, THICKNESS_CAPTIONS))
          + " of the samples (chance: 10%)")
    print(f"mean ink mass of samples: thin {ink['thin']:.1f}, thick {ink['thick']:.1f} "
          f"(real digits: thin {real_ink['thin']:.1f}, thick {real_ink['thick']:.1f})")

    z, groups = gan.sample_z(cols), len(THICKNESS_CAPTIONS)
    blank = -np.ones((1,) + data.shape, dtype=np.float32)
    rows = []
    for word in captions.DIGIT_WORDS:
        texts = [template.format(word) for template in THICKNESS_CAPTIONS.values()
                 for _ in range(cols)]
        images = np.split(generate(gan, texts, tg.cat([z] * groups)), groups)
        rows += [images[0], blank, images[1], blank, images[2]]
    fig, axes = plotting.figure(1, 1, size=6)
    axes[0].imshow(mosaic(np.concatenate(rows), cols * groups + groups - 1), cmap="gray_r",
                   vmin=-1, vmax=1)
    axes[0].set_title('columns: "a thin <digit>"  |  "a <digit>"  |  "a thick <digit>"; '
                      "rows: zero to nine", fontsize=8)
    axes[0].axis("off")
    print("wrote", plotting.save(fig, out_path("gan_cls_captions.png")))


if __name__ == "__main__":
    main()
