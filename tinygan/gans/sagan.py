"""SAGAN: Zhang, Goodfellow, Metaxas, Odena, "Self-Attention Generative Adversarial
Networks", ICML 2019 (arXiv 1805.08318).

Convolutions see only a neighbourhood; a self-attention layer lets every
position of a feature map look at every other one (seeds 000 §5, seeds 004
§5.2). With x in R^{C x N} the features of the N positions,

    s_ij = f(x_i)^T g(x_j),   beta_{j,i} = exp(s_ij) / sum_i exp(s_ij)          (seeds 000 eq. 6)
    o_j = v( sum_i beta_{j,i} h(x_i) )                                          (eq. 7)
    y_i = gamma o_i + x_i,    gamma initialised at 0                            (eq. 8)

(``nn.SelfAttention2d``). beta_{j,.} is the attention map of query position
j: how much the model looks at each position i when synthesising j
(``attention_maps``). The layer sits at the middle resolution of both
networks (14x14 for 28x28 images).

Training follows the paper: spectral normalisation (Miyato et al. 2018) on
every layer of G and D (the attention layers' 1x1 convolutions included),
the hinge loss (seeds 004 eqs. 26-27 with h(t) = max(0, 1 - t)),

    D descends  E max(0, 1 - D(x)) + E max(0, 1 + D(G(z)))
    G descends  -E D(G(z)),

and the two-time-scale update rule: one D step per G step, with D's
learning rate 4e-4 and G's 1e-4, Adam with beta1 = 0, beta2 = 0.9. G keeps
batch norm (the paper's conditional batch norm, unconditional here); D has
none. Minibatch 256 and z ~ N(0, I)^128 are the paper's settings. The
networks are ours, small two-stage DCGAN-like ones for 28x28 and 8x8 digits
with LeakyReLU(0.1) in D (the paper's ImageNet networks are residual).
"""
import numpy

from .. import autograd, backend, nn
from .base import Variant, descend, frozen, mean_of
from .image_networks import IMAGE_DATA, check_image_shape
from .losses import discriminator_hinge, generator_hinge

spectral_norm = nn.utils.spectral_norm


# ------------------------------------------------------------------ networks

def spectral_attention(channels, device="cpu"):
    """nn.SelfAttention2d with spectral norm on its four 1x1 convolutions (f, g, h, v)."""
    layer = nn.SelfAttention2d(channels, device=device)
    for conv in (layer.f, layer.g, layer.h, layer.v):
        spectral_norm(conv)
    return layer


def sagan_generator(z_dim, shape, width, device="cpu"):
    """G: z -> linear -> (2w, H/4, W/4) -> up (w, H/2, W/2) -> self-attention
    -> up (C, H, W), tanh."""
    c, h, w = shape
    return nn.Sequential(
        spectral_norm(nn.Linear(z_dim, 2 * width * (h // 4) * (w // 4), device=device)),
        nn.Unflatten(2 * width, h // 4, w // 4),
        nn.BatchNorm2d(2 * width, device=device), nn.ReLU(),
        spectral_norm(nn.ConvTranspose2d(2 * width, width, 4, 2, 1, device=device)),
        nn.BatchNorm2d(width, device=device), nn.ReLU(),
        spectral_attention(width, device),
        spectral_norm(nn.ConvTranspose2d(width, c, 4, 2, 1, device=device)), nn.Tanh())


def sagan_discriminator(shape, width, device="cpu"):
    """D: x -> down (w, H/2, W/2) -> self-attention -> down (2w, H/4, W/4) -> linear score."""
    c, h, w = shape
    return nn.Sequential(
        spectral_norm(nn.Conv2d(c, width, 4, 2, 1, device=device)), nn.LeakyReLU(0.1),
        spectral_attention(width, device),
        spectral_norm(nn.Conv2d(width, 2 * width, 4, 2, 1, device=device)), nn.LeakyReLU(0.1),
        nn.Flatten(),
        spectral_norm(nn.Linear(2 * width * (h // 4) * (w // 4), 1, device=device)))


def attention_layers(network):
    """The SelfAttention2d layers of a network, in order."""
    return [m for m in network.modules() if isinstance(m, nn.SelfAttention2d)]


# ------------------------------------------------------------------ losses

def discriminator_loss(real_scores, fake_scores):
    """E max(0, 1 - D(x)) + E max(0, 1 + D(G(z))): the hinge loss D descends."""
    return discriminator_hinge(real_scores, fake_scores)


def generator_loss(fake_scores):
    """-E D(G(z)): the hinge loss G descends."""
    return generator_hinge(fake_scores)


# ------------------------------------------------------------------ attention maps

def attention_maps(beta, size, queries):
    """The attention maps beta_{j, .} (eq. 6) of query positions j, as images.

    ``beta`` is a layer's ``last_attention`` (n, N, N) with beta[:, j, i] the
    weight of position i for query j; ``size`` = (H, W) with H W = N;
    ``queries`` are (row, col) positions. Returns (n, len(queries), H, W);
    each map sums to 1.
    """
    beta = backend.to_numpy(beta)
    h, w = size
    if beta.shape[1:] != (h * w, h * w):
        raise ValueError(f"attention_maps: attention of shape {beta.shape} does not belong to a "
                         f"{h}x{w} feature map")
    if any(not (0 <= r < h and 0 <= c < w) for r, c in queries):
        raise ValueError(f"attention_maps: query positions {list(queries)} must lie in the "
                         f"{h}x{w} feature map")
    index = [r * w + c for r, c in queries]
    return numpy.asarray(beta[:, index, :]).reshape(len(beta), len(index), h, w)


# ------------------------------------------------------------------ the variant

class SAGAN(Variant):
    """Zhang et al. 2018: self-attention in G and D, spectral norm, hinge loss, TTUR."""

    name = "sagan"
    paper = ("H. Zhang, I. Goodfellow, D. Metaxas, A. Odena. Self-Attention Generative "
             "Adversarial Networks. ICML 2019.")
    defaults = dict(
        batch_size=256,
        z_dim=128,
        noise="normal",
        width=64,                   # channels at the attention resolution
        lr_d=4e-4,                  # two-time-scale update rule
        lr_g=1e-4,
        betas=(0.0, 0.9),
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        self.generator = sagan_generator(cfg["z_dim"], shape, cfg["width"], device)
        self.discriminator = sagan_discriminator(shape, cfg["width"], device)
        self.opt_g = self.make_optimizer(self.generator, cfg["lr_g"])
        self.opt_d = self.make_optimizer(self.discriminator, cfg["lr_d"])

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x = sample_real(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m))
        real_scores, fake_scores = self.discriminate(x), self.discriminate(fake)
        d_loss = discriminator_loss(real_scores, fake_scores)
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminate(self.generator(self.sample_z(m))))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_scores), "D(G(z))": mean_of(fake_scores),
                "gamma/G": float(attention_layers(self.generator)[0].gamma.item()),
                "gamma/D": float(attention_layers(self.discriminator)[0].gamma.item()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}

    def generator_attention(self, z, queries):
        """(G(z), the maps (m, len(queries), H/2, W/2) of G's attention layer for ``queries``)."""
        with autograd.no_grad():
            images = self.generator(z)
        h, w = self.data_shape[1] // 2, self.data_shape[2] // 2
        layer = attention_layers(self.generator)[0]
        return images, attention_maps(layer.last_attention, (h, w), queries)
