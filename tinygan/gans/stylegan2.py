"""StyleGAN2: Karras, Laine, Aittala, Hellsten, Lehtinen, Aila, "Analyzing and Improving the
Image Quality of StyleGAN", CVPR 2020 (seeds 004, "StyleGAN").

A mapping network f turns z into an intermediate latent w = f(z). The
synthesis network starts from a learned constant 4x4 input; every
convolution is modulated by a style s = A(w) and demodulated (eqs. 1, 3;
``nn.ModulatedConv2d``), followed by per-pixel noise B * N(0, 1) and a bias;
each resolution adds a toRGB output to the upsampled image so far (the
"skip" generator, Figure 7). Both upsamplings are bilinear, the paper's
[1, 3, 3, 1] filter: with nearest neighbour the coarse toRGB outputs,
which learn first, showed as 4x4 blocks in every sample. The
discriminator is residual, with the minibatch standard deviation layer
(over groups of 4 samples, as in the authors' code) before its last
convolution. Every layer uses the equalised learning rate; the synthesis
layers' LeakyReLU carries the gain sqrt(2), which demodulation would
otherwise cancel (``StyledConv``).

Style mixing (StyleGAN section 3.1): with probability ``mixing_prob`` two
latents z1, z2 are drawn and the layers after a random crossover point
take w2 = f(z2) instead of w1 = f(z1), so adjacent styles stay uncorrelated.
All per-layer styles are carried as ws (m, L, w_dim).

Loss: the non-saturating logistic loss,

    L_D = E softplus(D(G(z))) + E softplus(-D(x)) + [R1 = gamma/2 E ||grad_x D(x)||^2]
    L_G = E softplus(-D(G(z)))                    + [w_pl E (||J_w^T y|| - a)^2]

with lazy regularisation (section 3.1): R1 every ``r1_interval`` D steps and
the path-length penalty every ``pl_interval`` G steps, each multiplied by its
interval (``penalties``). Defaults from the paper's config F: Adam lr 0.002,
betas (0, 0.99), gamma = 10, w_pl = 2, intervals 16 and 4, mapping lr
multiplier 0.01, mixing probability 0.9; widths and depths scaled down.
Samples come from a running average of G's weights with a half-life of
10,000 images (``tinygan.gans.averaging``), updated after every G step.
Optional, and not in the paper: experience replay (``replay_size`` > 0; seeds
001, "Mode collapse ... Solutions"), D's fake batch drawing ``replay_fraction``
of its samples from a buffer of G's past ones (``tinygan.gans.replay``).
"""
from .. import autograd, backend, nn
from .. import functional as F
from ..nn.progressive import EqualConv2d, EqualLinear, minibatch_stddev, splits_into_groups
from ..nn.style import MappingNetwork, ModulatedConv2d, NoiseInjection
from ..ops.shape import concatenate, stack
from ..tensor import Tensor, zeros
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .image_networks import IMAGE_DATA
from .penalties import path_length_penalty, r1_penalty
from .replay import KeepsReplay, replay_buffer
from .progan import resolutions, stage_widths

SQRT2 = 2 ** 0.5


def lrelu(x):
    """LeakyReLU with slope 0.2, the activation of both networks."""
    return F.leaky_relu(x, 0.2)


# ------------------------------------------------------------------ networks

class StyledConv(nn.Module):
    """Modulated 3x3 conv (optionally upsampling), noise, bias, sqrt(2) LeakyReLU(0.2).

    Demodulation gives unit-variance outputs for unit-variance inputs, but
    it also cancels any gain folded into the weight (as ``EqualConv2d`` does),
    so the activation carries the gain sqrt(2) instead (the official
    implementation's LeakyReLU gain). Without it each layer shrinks the
    activations by about 0.72 (the RMS of LeakyReLU(0.2) of N(0, 1)): 0.07
    at 32x32 after seven layers, where the noise inputs drowned the signal.
    """

    def __init__(self, in_channels, out_channels, w_dim, upsample=False, per_channel_noise=True,
                 device="cpu"):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim, upsample=upsample,
                                    device=device)
        self.noise = NoiseInjection(out_channels, per_channel_noise, device=device)
        self.bias = nn.Parameter(zeros(out_channels, device=device))

    def forward(self, x, w, noise=None):
        h = self.noise(self.conv(x, w), noise)
        return lrelu(h + self.bias.reshape(1, -1, 1, 1)) * SQRT2


class ToRGB(nn.Module):
    """Modulated 1x1 conv to the image channels, without demodulation, plus a bias."""

    def __init__(self, in_channels, channels, w_dim, device="cpu"):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, 1, w_dim, demodulate=False,
                                    device=device)
        self.bias = nn.Parameter(zeros(channels, device=device))

    def forward(self, x, w):
        return self.conv(x, w) + self.bias.reshape(1, -1, 1, 1)


class SynthesisNetwork(nn.Module):
    """g: ws (m, L, w_dim) -> images; L = 2 per resolution (conv, toRGB) + 1 per extra conv.

    Layer order: at 4x4 conv, toRGB; at each higher resolution up-conv, conv, toRGB.
    ``widths`` holds the channels at each resolution, 4x4 first.
    """

    def __init__(self, w_dim, channels, widths, per_channel_noise=True, device="cpu"):
        super().__init__()
        self.const = nn.Parameter(zeros(1, widths[0], 4, 4, device=device))
        nn.init.normal_(self.const)
        noise = dict(per_channel_noise=per_channel_noise, device=device)
        self.convs = nn.ModuleList([StyledConv(widths[0], widths[0], w_dim, **noise)])
        self.to_rgbs = nn.ModuleList([ToRGB(widths[0], channels, w_dim, device=device)])
        for previous, width in zip(widths, widths[1:]):
            self.convs.append(StyledConv(previous, width, w_dim, upsample=True, **noise))
            self.convs.append(StyledConv(width, width, w_dim, **noise))
            self.to_rgbs.append(ToRGB(width, channels, w_dim, device=device))
        self.n_ws = len(self.convs) + len(self.to_rgbs)

    def zero_noises(self, m):
        """Noise maps of zeros, one (m, 1, r, r) per convolution: the synthesis without its
        noise inputs when passed as ``noises``."""
        sizes = [4] + [4 * 2 ** (i // 2 + 1) for i in range(len(self.convs) - 1)]
        return [zeros(m, 1, r, r, dtype=self.const.dtype, device=self.const.device)
                for r in sizes]

    def forward(self, ws, noises=None):
        """Images of the styles ws (m, L, w_dim); ``noises`` gives one (m, 1, r, r) noise map per
        convolution (None: fresh N(0, 1) draws)."""
        m = ws.shape[0]
        noises = noises or [None] * len(self.convs)
        h = self.const.broadcast_to(m, *self.const.shape[1:])
        h = self.convs[0](h, ws[:, 0], noises[0])
        image = self.to_rgbs[0](h, ws[:, 1])
        k = 2
        for i, to_rgb in enumerate(self.to_rgbs[1:]):
            up, conv = self.convs[1 + 2 * i], self.convs[2 + 2 * i]
            h = conv(up(h, ws[:, k], noises[1 + 2 * i]), ws[:, k + 1], noises[2 + 2 * i])
            image = F.interpolate(image, scale_factor=2, mode="bilinear") + to_rgb(h, ws[:, k + 2])
            k += 3
        return image


class StyleGenerator(nn.Module):
    """G = g(f(z)): the mapping network and the synthesis network."""

    def __init__(self, z_dim, w_dim, n_mapping, channels, widths, per_channel_noise=True,
                 device="cpu"):
        super().__init__()
        self.mapping = MappingNetwork(z_dim, w_dim, n_mapping, device=device)
        self.synthesis = SynthesisNetwork(w_dim, channels, widths, per_channel_noise, device)

    def broadcast(self, w):
        """One w (m, w_dim) copied to all L layers: ws (m, L, w_dim)."""
        return w.reshape(w.shape[0], 1, -1).broadcast_to(w.shape[0], self.synthesis.n_ws,
                                                         w.shape[1])

    def forward(self, z):
        return self.synthesis(self.broadcast(self.mapping(z)))


class ResidualDiscriminator(nn.Module):
    """D: fromRGB, residual down blocks (two 3x3 convs + pool, 1x1 skip, sum / sqrt 2) to 4x4,
    minibatch stddev, 3x3 conv, linear, linear score. ``widths`` holds the channels at each
    resolution, 4x4 first; a block's second conv and its skip change to the next width.
    ``mbstd_group_size``: the minibatch stddev's groups (None: the whole minibatch)."""

    def __init__(self, channels, widths, device="cpu", mbstd_group_size=None):
        super().__init__()
        self.mbstd_group_size = mbstd_group_size
        top_down = widths[::-1]
        self.from_rgb = EqualConv2d(channels, top_down[0], 1, device=device)
        self.convs, self.skips = nn.ModuleList(), nn.ModuleList()
        for width, smaller in zip(top_down, top_down[1:]):
            self.convs.append(EqualConv2d(width, width, 3, padding=1, device=device))
            self.convs.append(EqualConv2d(width, smaller, 3, padding=1, device=device))
            self.skips.append(EqualConv2d(width, smaller, 1, bias=False, gain=1.0,
                                          device=device))
        width = widths[0]
        self.final_conv = EqualConv2d(width + 1, width, 3, padding=1, device=device)
        self.final_dense = EqualLinear(width * 16, width, device=device)
        self.score = EqualLinear(width, 1, gain=1.0, device=device)

    def forward(self, x):
        h = lrelu(self.from_rgb(x))
        for i, skip in enumerate(self.skips):
            y = lrelu(self.convs[2 * i + 1](lrelu(self.convs[2 * i](h))))
            h = (F.avg_pool2d(y, 2) + skip(F.avg_pool2d(h, 2))) / SQRT2
        h = lrelu(self.final_conv(minibatch_stddev(h, group_size=self.mbstd_group_size)))
        return self.score(lrelu(self.final_dense(h.reshape(h.shape[0], -1)))).reshape(-1)


# ------------------------------------------------------------------ losses and mixing

def discriminator_loss(real_scores, fake_scores):
    """E softplus(D(G(z))) + E softplus(-D(x)): the logistic loss D descends."""
    return F.softplus(fake_scores).mean() + F.softplus(-real_scores).mean()


def generator_loss(fake_scores):
    """E softplus(-D(G(z))): the non-saturating loss G descends."""
    return F.softplus(-fake_scores).mean()


def mix_styles(w1, w2, crossover, n_ws):
    """ws (m, L, w_dim) taking w1 for layers < crossover and w2 from crossover on."""
    m, w_dim = w1.shape
    parts = []
    if crossover > 0:
        parts.append(w1.reshape(m, 1, w_dim).broadcast_to(m, crossover, w_dim))
    if crossover < n_ws:
        parts.append(w2.reshape(m, 1, w_dim).broadcast_to(m, n_ws - crossover, w_dim))
    return concatenate(parts, axis=1) if len(parts) > 1 else parts[0]


# ------------------------------------------------------------------ the variant

class StyleGAN2(KeepsReplay, KeepsAverage, Variant):
    """Karras et al. 2020: mapping network, modulated convolutions, lazy R1 and path length."""

    name = "stylegan2"
    paper = ("T. Karras, S. Laine, M. Aittala, J. Hellsten, J. Lehtinen, T. Aila. Analyzing and "
             "Improving the Image Quality of StyleGAN. CVPR 2020.")
    defaults = dict(
        batch_size=16,
        z_dim=64,
        w_dim=64,
        n_mapping=4,                # the paper: 8
        width=32,
        width_base=None,            # channels at resolution r: min(width, width_base / r), as
                                    # the paper's 512 thin out above 64x64; None: width everywhere
        lr=2e-3,
        lr_d=None,                  # D's and G's own rates (two time scales); None: lr
        lr_g=None,
        betas=(0.0, 0.99),
        mixing_prob=0.9,
        r1_gamma=10.0,
        r1_interval=16,
        pl_weight=2.0,
        pl_interval=4,
        pl_decay=0.01,
        ema_half_life=10_000,       # images (config F); samples come from G's running average
        noise_per_channel=True,     # a noise strength B per channel (StyleGAN); False: one per
                                    # layer (the StyleGAN2 authors' code)
        mbstd_group_size=4,         # D's minibatch stddev over groups of this many samples, as in
                                    # the authors' code; None: over the whole minibatch
        replay_size=0,              # experience replay (seeds 001, "Mode collapse"): D's fake
        replay_fraction=0.5,        # batch takes this fraction from a buffer of G's past
                                    # samples this large (0: off)
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg = self.config
        c, h, w = self.data_shape
        if h != w:
            raise ValueError(f"stylegan2: needs square images, got {self.data_shape}")
        if not splits_into_groups(cfg["batch_size"], cfg["mbstd_group_size"]):
            raise ValueError(f"stylegan2: batch_size {cfg['batch_size']} does not split into "
                             f"mbstd_group_size groups of {cfg['mbstd_group_size']}")
        widths = stage_widths(resolutions(h, self.name), cfg["width"], cfg["width_base"], self.name)
        self.generator = StyleGenerator(cfg["z_dim"], cfg["w_dim"], cfg["n_mapping"], c, widths,
                                        cfg["noise_per_channel"], device)
        self.discriminator = ResidualDiscriminator(c, widths, device, cfg["mbstd_group_size"])
        self.opt_g = self.make_optimizer(self.generator, cfg["lr_g"])
        self.opt_d = self.make_optimizer(self.discriminator, cfg["lr_d"])
        self.average = weight_average(self.generator, cfg["ema_half_life"])
        self.replay = replay_buffer(cfg["replay_size"], cfg["replay_fraction"])
        self.step, self.pl_mean = 0, 0.0

    def get_extra_state(self):
        """{"step", "pl_mean"}: the lazy-regularisation clock and the path-length mean a; and
        G's running average of weights and the replay buffer."""
        return {"step": self.step, "pl_mean": self.pl_mean, **super().get_extra_state()}

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict."""
        self.step, self.pl_mean = int(state["step"]), float(state["pl_mean"])
        super().set_extra_state(state)

    def sample_ws(self, m):
        """ws for m samples, style-mixed with probability mixing_prob at a random crossover."""
        g, n_ws = self.generator, self.generator.synthesis.n_ws
        gen = backend.generator(self.device)
        w1 = g.mapping(self.sample_z(m))
        if float(gen.random()) >= self.config["mixing_prob"]:
            return g.broadcast(w1)
        crossover = int(gen.integers(1, n_ws))
        return mix_styles(w1, g.mapping(self.sample_z(m)), crossover, n_ws)

    def train_step(self, sample_real):
        cfg, m = self.config, self.config["batch_size"]
        self.step += 1
        x = sample_real(m)
        with autograd.no_grad():
            fake = self.generator.synthesis(self.sample_ws(m))
        fake = self.replayed(fake)
        real_scores, fake_scores = self.discriminator(x), self.discriminator(fake)
        d_loss = discriminator_loss(real_scores, fake_scores)
        stats = {}
        if self.step % cfg["r1_interval"] == 0:
            r1 = r1_penalty(self.discriminator, x, cfg["r1_gamma"])
            d_loss = d_loss + cfg["r1_interval"] * r1
            stats["r1"] = float(r1.item())
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminator(self.generator.synthesis(self.sample_ws(m))))
            if self.step % cfg["pl_interval"] == 0:
                ws = self.generator.broadcast(self.generator.mapping(self.sample_z(max(1, m // 2))))
                pl, length = path_length_penalty(self.generator.synthesis, ws, self.pl_mean)
                self.pl_mean += cfg["pl_decay"] * (length - self.pl_mean)
                g_loss = g_loss + cfg["pl_interval"] * cfg["pl_weight"] * pl
                stats.update({"path_length": length, "pl_penalty": float(pl.item())})
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_scores.sigmoid()), "D(G(z))": mean_of(fake_scores.sigmoid()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm, **stats}

    def noise_variations(self, z, draws):
        """Images (draws + 1, m, C, H, W) of the latents z (m, z_dim), from G's running average:
        one per fresh draw of the per-pixel noise inputs, then the last with every noise input
        set to 0. StyleGAN's "stochastic variation" (Karras et al. 2019, Figure 4): the noise
        should change only details, and the per-pixel standard deviation over the draws shows
        where it acts."""
        if draws < 1:
            raise ValueError(f"stylegan2.noise_variations: draws must be >= 1, got {draws}")
        with autograd.no_grad(), self.averaged_generator() as g:
            ws = g.broadcast(g.mapping(z))
            images = [g.synthesis(ws) for _ in range(draws)]
        return stack(images + [self.without_noise(z)])

    def without_noise(self, z):
        """Images of the latents z (m, z_dim) from G's running average with every noise input
        set to 0: g(f(z)) with zero noise maps."""
        with autograd.no_grad(), self.averaged_generator() as g:
            ws = g.broadcast(g.mapping(z))
            return g.synthesis(ws, g.synthesis.zero_noises(ws.shape[0]))

    def style_mixing_grid(self, z_rows, z_cols, crossover):
        """Images (rows x cols) with coarse styles (layers < crossover) from z_rows, the rest
        from z_cols: row i, column j is g(mix(f(z_rows_i), f(z_cols_j)))."""
        n_ws = self.generator.synthesis.n_ws
        r, c = z_rows.shape[0], z_cols.shape[0]
        with autograd.no_grad(), self.averaged_generator() as g:
            w_rows, w_cols = g.mapping(z_rows).numpy(), g.mapping(z_cols).numpy()
            xp = backend.xp_for(self.device)
            w1 = Tensor(xp.asarray(w_rows.repeat(c, axis=0)))
            w2 = Tensor(xp.asarray(backend.to_numpy(w_cols)[None].repeat(r, axis=0)
                                   .reshape(r * c, -1)))
            return g.synthesis(mix_styles(w1, w2, crossover, n_ws))
