"""ProGAN on 32x32 MNIST digits: samples at every resolution, and one fade-in.

    python demos/progan_growing.py            # about 2-3 minutes on 2 CPU cores
    python demos/progan_growing.py --full     # 4x the images per stage, 2x the channels at
                                              # 16x16 and 32x32: about 15 minutes
    python demos/progan_growing.py --full --device cuda   # on an NVIDIA GPU (needs CuPy)

Trains ProGAN (Karras et al. 2018) on mnist5k's 4,000 training digits padded
to 32x32, growing 4 -> 8 -> 16 -> 32 with the zoo's configuration (channels
thinning from 64 at 4x4 to 8 at 32x32, batches of 64 at the two low
resolutions and 32 above; demos/zoo_budget.py); ``--full`` shows it four
times the images per stage and keeps 32 channels at 16x16 and 16 at 32x32.
It prints FID (LeNet features) and IS of 2,000 samples against the 1,000
held-out digits, and writes
demos/out/progan_stages.png: row s holds samples at the end of stage s
    (4x4, 8x8, 16x16, 32x32; shown upsampled to 32x32), and
demos/out/progan_fade_in.png: the same latents through the last fade-in,
    alpha = 0, 0.25, 0.5, 0.75, 1 from left to right (columns).
"""
import numpy as np

import tinygan as tg
from _grid import save_grid
from _image_runs import (PROGAN_32, crop_28, digit_split, lenet_metrics, padded_to_32,
                         report, samples)
from common import arguments, build, out_path

# the zoo's ProGAN (FID about 130-155 in its 4 minutes); before, this demo trained 16
# channels at batch 16 with 800 images per phase (350 steps, under a minute) and drew no digits
SHORT = dict(config=PROGAN_32)
# twice the channels at 16x16 and 32x32 (width_base 512): FID 90.8 and 129.7 (seeds 0, 1) after
# 2,063 steps, against 143.7 and 155.8 with the zoo's widths, at about twice the time
FULL = dict(config={**PROGAN_32, "width_base": 512, "fade_images": 12000, "stable_images": 12000})
PER_ROW = 8
N_SAMPLES = 2000


def main():
    args = arguments("ProGAN: progressive growing on MNIST digits")
    run = FULL if args.full else SHORT
    train_set, heldout = digit_split()
    data = padded_to_32(train_set)
    gan = build("progan", data.shape, run["config"], args.seed, args.device)
    rng = np.random.default_rng([args.seed, 1])
    sample_real = lambda m: tg.tensor(data.sample(m, rng), device=gan.device)  # noqa: E731
    tg.manual_seed(args.seed)
    z = gan.sample_z(PER_ROW)
    rows, step, last = [], 0, len(gan.sizes) - 1
    per_stage = run["config"]["fade_images"] + run["config"]["stable_images"]
    while True:
        stage = gan.stage
        stats = gan.train_step(sample_real)
        step += 1
        if step % 50 == 0:
            print(f"step {step}  {stats['resolution']:.0f}  alpha {stats['alpha']:.2f}  "
                  f"loss/D {stats['loss/D']:.3f}  loss/G {stats['loss/G']:.3f}", flush=True)
        finished = gan.stage != stage or (stage == last and gan.images_in_stage >= per_stage)
        if finished:
            with tg.no_grad(), gan.averaged_generator() as generator:
                image = generator(z, stage, 1.0)
            factor = 32 // image.shape[-1]
            rows.append(np.repeat(np.repeat(image.numpy(), factor, 2), factor, 3))
            print(f"stage {stage} ({gan.sizes[stage]}x{gan.sizes[stage]}) done at step {step}")
            if stage == last:
                break
    report(f"progan after {step} steps", lenet_metrics(crop_28(samples(gan, N_SAMPLES)), heldout))
    print("wrote", save_grid(np.concatenate(rows), out_path("progan_stages.png"), len(rows),
                             f"ProGAN after each stage ({step} steps)",
                             row_labels=[f"{s}x{s}" for s in gan.sizes]))
    alphas = [0.0, 0.25, 0.5, 0.75, 1.0]
    with tg.no_grad(), gan.averaged_generator() as generator:
        fade = np.stack([generator(z, last, a).numpy() for a in alphas], axis=1)
    print("wrote", save_grid(fade.reshape(-1, *fade.shape[2:]), out_path("progan_fade_in.png"),
                             PER_ROW, "last fade-in, alpha: 16x16 (0) -> 32x32 (1)",
                             col_labels=[str(a) for a in alphas]))


if __name__ == "__main__":
    main()
