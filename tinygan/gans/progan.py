"""ProGAN: Karras, Aila, Laine, Lehtinen, "Progressive Growing of GANs for Improved Quality,
Stability, and Variation", ICLR 2018 (seeds 001/004, "progressive GAN").

G and D start at 4x4 and grow together, one resolution doubling at a time,
up to the data's size. A new resolution is faded in smoothly (Figure 2): with
alpha rising linearly from 0 to 1 over ``fade_images`` real images,

    G's output   (1 - alpha) * upsample(toRGB_old(h)) + alpha * toRGB_new(block_new(h))
    D's input    (1 - alpha) * fromRGB_old(avgpool(x)) + alpha * block_new(fromRGB_new(x))

and the real images are blended in the same way between the two
resolutions; then the network trains ``stable_images`` more at alpha = 1.
Section 3: D ends with the minibatch standard deviation layer. Section 4:
equalised learning rate (weights N(0, 1) scaled at runtime by He's constant
sqrt(2 / fan_in)) in every layer, pixel norm after every convolution of G.
The loss is the paper's WGAN-GP, with the drift term eps_drift E D(x)^2:

    L_D = E D(G(z)) - E D(x) + lambda E (||grad D(x_hat)|| - 1)^2 + eps_drift E D(x)^2
    L_G = -E D(G(z))

Defaults from the paper: lambda = 10, eps_drift = 0.001, Adam with
lr 0.001, beta1 = 0, beta2 = 0.99, z ~ N(0, I)^512 on the unit hypersphere
(pixel norm of z), LeakyReLU(0.2); channel widths, batch size and images
per stage are scaled down (the paper shows 800k images per stage).
Samples come from a running average of G's weights (appendix A.1;
``tinygan.gans.averaging``), updated after every G step.
"""
import math

from .. import autograd, nn
from .. import functional as F
from ..nn.progressive import (EqualConv2d, EqualLinear, minibatch_stddev, pixel_norm,
                               splits_into_groups)
from ..tensor import rand, zeros_like
from .averaging import KeepsAverage, weight_average
from .base import Variant, frozen, global_norm, mean_of
from .image_networks import IMAGE_DATA
from .wgan_gp import gradient_penalty


def resolutions(size, variant="progan"):
    """[4, 8, ..., size] for a power of two size >= 4, or a ValueError naming ``variant``."""
    if size < 4 or size & (size - 1):
        raise ValueError(f"{variant}: image size must be a power of two >= 4 (digits size=8|16|32, "
                         f"mnist5k pad_to_32=True), got {size}")
    return [4 * 2 ** i for i in range(int(math.log2(size // 4)) + 1)]


def stage_widths(sizes, width, width_base=None, variant="progan"):
    """Channels at each resolution r of ``sizes``: min(width, width_base / r), as the paper's
    feature maps thin out at high resolutions; ``width`` everywhere when width_base is None.
    ``variant`` names the caller in the error."""
    if width_base is None:
        return [width] * len(sizes)
    widths = [min(width, width_base // r) for r in sizes]
    if min(widths) < 1:
        raise ValueError(f"{variant}: width_base={width_base} leaves no channels at {sizes[-1]}x"
                         f"{sizes[-1]} (widths {widths})")
    return widths


def lrelu(x):
    """LeakyReLU with slope 0.2, the activation of both networks."""
    return F.leaky_relu(x, 0.2)


# ------------------------------------------------------------------ networks

class ProgressiveGenerator(nn.Module):
    """G: pixel-normed z -> 4x4 -> ... -> stage's resolution, with a toRGB 1x1 conv per stage.

    ``widths[s]`` is the number of channels at stage s (resolution 4 * 2^s).
    """

    def __init__(self, z_dim, channels, widths, device="cpu"):
        super().__init__()
        self.width = widths[0]
        self.project = EqualLinear(z_dim, widths[0] * 16, gain=math.sqrt(2) / 4, device=device)
        self.blocks = nn.ModuleList(
            [nn.ModuleList([EqualConv2d(widths[0], widths[0], 3, padding=1, device=device)])] +
            [nn.ModuleList([EqualConv2d(w_in, w_out, 3, padding=1, device=device),
                            EqualConv2d(w_out, w_out, 3, padding=1, device=device)])
             for w_in, w_out in zip(widths, widths[1:])])
        self.to_rgb = nn.ModuleList([EqualConv2d(w, channels, 1, gain=1.0, device=device)
                                     for w in widths])

    def block(self, stage, h):
        """Stage 0: the 4x4 conv; stage s > 0: upsample, two 3x3 convs; pixel norm after each."""
        if stage > 0:
            h = F.interpolate(h, scale_factor=2)
        for conv in self.blocks[stage]:
            h = pixel_norm(lrelu(conv(h)))
        return h

    def forward(self, z, stage, alpha=1.0):
        h = pixel_norm(lrelu(self.project(pixel_norm(z))).reshape(z.shape[0], self.width, 4, 4))
        for s in range(stage):
            h = self.block(s, h)
        new = self.to_rgb[stage](self.block(stage, h))
        if stage == 0 or alpha >= 1:
            return new
        old = F.interpolate(self.to_rgb[stage - 1](h), scale_factor=2)
        return (1 - alpha) * old + alpha * new


class ProgressiveDiscriminator(nn.Module):
    """D: stage's resolution -> fromRGB -> ... -> 4x4 -> minibatch stddev -> conv, linear, score.

    ``widths[s]`` is the number of channels at stage s, as in G. ``mbstd_group_size``: the
    minibatch stddev's groups (None: the whole minibatch, as the paper's section 3 describes).
    """

    def __init__(self, channels, widths, device="cpu", mbstd_group_size=None):
        super().__init__()
        self.mbstd_group_size = mbstd_group_size
        self.from_rgb = nn.ModuleList([EqualConv2d(channels, w, 1, device=device)
                                       for w in widths])
        self.blocks = nn.ModuleList(
            [nn.ModuleList([EqualConv2d(widths[0], widths[0], 3, padding=1, device=device),
                            EqualConv2d(widths[0], widths[0], 3, padding=1, device=device)])] +
            [nn.ModuleList([EqualConv2d(w_in, w_in, 3, padding=1, device=device),
                            EqualConv2d(w_in, w_out, 3, padding=1, device=device)])
             for w_out, w_in in zip(widths, widths[1:])])
        width = widths[0]
        self.final_conv = EqualConv2d(width + 1, width, 3, padding=1, device=device)
        self.final_dense = EqualLinear(width * 16, width, device=device)
        self.score = EqualLinear(width, 1, gain=1.0, device=device)

    def block(self, stage, h):
        """Two 3x3 convs and a 2x2 average pool (stages above 0)."""
        for conv in self.blocks[stage]:
            h = lrelu(conv(h))
        return F.avg_pool2d(h, 2) if stage > 0 else h

    def forward(self, x, stage, alpha=1.0):
        h = self.block(stage, lrelu(self.from_rgb[stage](x)))
        if stage > 0 and alpha < 1:
            old = lrelu(self.from_rgb[stage - 1](F.avg_pool2d(x, 2)))
            h = (1 - alpha) * old + alpha * h
        for s in range(stage - 1, -1, -1):
            h = self.block(s, h)
        h = lrelu(self.final_conv(minibatch_stddev(h, group_size=self.mbstd_group_size)))
        return self.score(lrelu(self.final_dense(h.reshape(h.shape[0], -1)))).reshape(-1)


# ------------------------------------------------------------------ data and losses

def real_at_stage(x, size, alpha):
    """Real images shown at a stage: x average-pooled to ``size``, faded like G's output."""
    factor = x.shape[-1] // size
    current = F.avg_pool2d(x, factor) if factor > 1 else x
    if alpha >= 1 or size == 4:
        return current
    return (1 - alpha) * F.interpolate(F.avg_pool2d(current, 2), scale_factor=2) + alpha * current


def discriminator_loss(real_scores, fake_scores, penalty, drift):
    """E D(G(z)) - E D(x) + penalty + drift * E D(x)^2 (WGAN-GP with ProGAN's drift term)."""
    return fake_scores.mean() - real_scores.mean() + penalty + drift * (real_scores ** 2).mean()


def generator_loss(fake_scores):
    """-E D(G(z))."""
    return -fake_scores.mean()


def descend_active(loss, network, optimizer):
    """Like ``descend``, but parameters of stages not used yet get a zero gradient."""
    params = list(network.parameters())
    grads = autograd.grad(loss, params, allow_unused=True)
    grads = [zeros_like(p) if g is None else g for p, g in zip(params, grads)]
    for p, g in zip(params, grads):
        p.grad = g
    optimizer.step()
    return global_norm(grads)


# ------------------------------------------------------------------ the variant

class ProGAN(KeepsAverage, Variant):
    """Karras et al. 2018: grow G and D from 4x4, fading each resolution in."""

    name = "progan"
    paper = ("T. Karras, T. Aila, S. Laine, J. Lehtinen. Progressive Growing of GANs for Improved "
             "Quality, Stability, and Variation. ICLR 2018.")
    defaults = dict(
        batch_size=16,
        stage_batch_sizes=None,     # one batch size per resolution, 4x4 first (the paper's
                                    # minibatches shrink as the resolution grows); None: batch_size
        z_dim=64,
        width=32,                   # channels at the low resolutions (the paper: 512)
        width_base=None,            # channels at resolution r: min(width, width_base / r)
                                    # (the paper thins 512 down to 16); None: width everywhere
        lr=1e-3,
        betas=(0.0, 0.99),
        gp_weight=10.0,             # lambda
        drift=1e-3,                 # eps_drift
        fade_images=4000,           # real images shown while alpha goes 0 -> 1
        stable_images=4000,         # then at alpha = 1
        ema_half_life=10_000,       # images; samples come from G's running average (None: off)
        mbstd_group_size=None,      # D's minibatch stddev over groups of this many samples (the
                                    # authors' code: 4); None: over the whole minibatch
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg = self.config
        c, h, w = self.data_shape
        if h != w:
            raise ValueError(f"progan: needs square images, got {self.data_shape}")
        self.sizes = resolutions(h)
        per_stage = cfg["stage_batch_sizes"]
        if per_stage is not None and len(per_stage) != len(self.sizes):
            raise ValueError(f"progan: stage_batch_sizes needs one batch size per resolution "
                             f"{self.sizes}, got {per_stage}")
        for batch in per_stage or [cfg["batch_size"]]:
            if not splits_into_groups(batch, cfg["mbstd_group_size"]):
                raise ValueError(f"progan: batch size {batch} does not split into "
                                 f"mbstd_group_size groups of {cfg['mbstd_group_size']}")
        widths = stage_widths(self.sizes, cfg["width"], cfg["width_base"])
        self.generator = ProgressiveGenerator(cfg["z_dim"], c, widths, device)
        self.discriminator = ProgressiveDiscriminator(c, widths, device, cfg["mbstd_group_size"])
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)
        self.average = weight_average(self.generator, cfg["ema_half_life"])
        self.stage, self.images_in_stage = 0, 0

    @property
    def alpha(self):
        """The fade-in weight of the newest resolution: images seen / fade_images, capped at 1."""
        if self.stage == 0:
            return 1.0
        return min(1.0, self.images_in_stage / self.config["fade_images"])

    @property
    def batch_size(self):
        """m at the current stage: ``stage_batch_sizes[stage]``, or ``batch_size``."""
        per_stage = self.config["stage_batch_sizes"]
        return self.config["batch_size"] if per_stage is None else int(per_stage[self.stage])

    @property
    def size(self):
        """The resolution G and D work at now."""
        return self.sizes[self.stage]

    def advance(self, m):
        """Count m images; move to the next stage after fade_images + stable_images."""
        self.images_in_stage += m
        per_stage = self.config["stable_images"] + (self.config["fade_images"] if self.stage else 0)
        if self.images_in_stage >= per_stage and self.stage < len(self.sizes) - 1:
            self.stage, self.images_in_stage = self.stage + 1, 0

    def get_extra_state(self):
        """The growth schedule's position {"stage", "images_in_stage"} and G's average."""
        return {"stage": self.stage, "images_in_stage": self.images_in_stage,
                **super().get_extra_state()}

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict."""
        self.stage, self.images_in_stage = int(state["stage"]), int(state["images_in_stage"])
        super().set_extra_state(state)

    def discriminate(self, x):
        """D's scores (m,) at the current stage and alpha."""
        return self.discriminator(x, self.stage, self.alpha)

    def train_step(self, sample_real):
        cfg, m, alpha = self.config, self.batch_size, self.alpha
        x = real_at_stage(sample_real(m), self.size, alpha)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m), self.stage, alpha)
        real_scores, fake_scores = self.discriminate(x), self.discriminate(fake)
        eps = rand(m, dtype=x.dtype, device=self.device)
        penalty = gradient_penalty(self.discriminate, x, fake, eps, cfg["gp_weight"])
        d_loss = discriminator_loss(real_scores, fake_scores, penalty, cfg["drift"])
        d_norm = descend_active(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminate(self.generator(self.sample_z(m), self.stage,
                                                                     alpha)))
        g_norm = descend_active(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        stats = {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                 "penalty": float(penalty.item()), "D(x)": mean_of(real_scores),
                 "D(G(z))": mean_of(fake_scores), "resolution": float(self.size), "alpha": alpha,
                 "grad_norm/D": d_norm, "grad_norm/G": g_norm}
        self.advance(m)
        return stats

    def sample(self, n, stage=None, alpha=None):
        """n images G(z) at a stage (default: the current one), upsampled to the data's size,
        from G's running average when it keeps one."""
        stage = self.stage if stage is None else stage
        alpha = self.alpha if alpha is None else alpha
        with autograd.no_grad(), self.averaged_generator() as generator:
            images = generator(self.sample_z(n), stage, alpha)
        factor = self.data_shape[-1] // images.shape[-1]
        return F.interpolate(images, scale_factor=factor) if factor > 1 else images

