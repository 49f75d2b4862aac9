"""DCGAN: Radford, Metz, Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016.

The GAN game and Algorithm 1 of Goodfellow et al. (seeds 000 eqs. 1-3, with
k = 1), played by convolutional networks built to the DCGAN guidelines
(seeds 000 §3, seeds 001 "DCGAN", seeds 003):

    - strided convolutions in D and fractionally strided (transposed)
      convolutions in G instead of pooling;
    - batch norm in G and D, except at G's output and D's input;
    - no fully connected hidden layers: z is projected and reshaped into the
      first feature map, and D's last feature map is flattened into a single
      sigmoid output;
    - ReLU in G with tanh at its output, LeakyReLU (slope 0.2) in D.

D outputs a logit d, D(x) = sigma(d), and both players' costs are binary
cross-entropies on logits:

    D descends  BCE(d(x), 1) + BCE(d(G(z)), 0) = -[E log D(x) + E log(1 - D(G(z)))]
    G descends  BCE(d(G(z)), 1) = -E log D(G(z))            (the non-saturating cost)

Defaults are the paper's: minibatch 128, z ~ U(-1, 1)^100, all weights
~ N(0, 0.02), Adam with lr 2e-4 and beta1 = 0.5, LeakyReLU slope 0.2. The
networks (``image_networks``) are two-stage versions of the paper's
four-stage 64x64 ones, sized for 28x28 MNIST and 8x8 digits; ``width`` = 64
gives the 64/128-channel MNIST networks InfoGAN used. The latent space
supports interpolation and vector arithmetic (seeds 001, "DCGAN": keep the
z behind chosen samples, average, add and subtract them, generate again):
see ``interpolate_latents``.

Two later stabilisers, both off by default, as in the GAN of the 2-D
experiments (``gan.py``): the R1 penalty gamma / 2 E_x ||grad_x D(x)||^2 on
real images (``r1_gamma``; Mescheder et al. 2018), added every
``r1_interval``-th D step and multiplied by the interval ("lazy", as in
StyleGAN2), and
sampling from a running average of G's weights (``ema_half_life`` in images;
Yazici et al. 2019). Also off by default, two departures taken from InfoGAN
(Chen et al. 2016), whose D has one fully connected hidden layer (``d_hidden``)
and whose G learns at five times D's rate (``lr_g`` 1e-3, ``lr_d`` 2e-4).
"""
from numbers import Integral

from .. import autograd, nn
from .. import functional as F
from ..ops.shape import stack
from ..tensor import ones_like, zeros_like
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .image_networks import (IMAGE_DATA, body_features, check_image_shape, dcgan_init_,
                             dense_block, discriminator_body, generator_net)
from .penalties import check_lazy_r1, lazy_r1


# ------------------------------------------------------------------ networks

def dcgan_generator(z_dim, shape, width, device="cpu", init_std=0.02):
    """G: z -> image, weights ~ N(0, init_std^2)."""
    return dcgan_init_(generator_net(z_dim, shape, width, device), init_std)


def dcgan_discriminator(shape, width, device="cpu", init_std=0.02, hidden=0):
    """D: image -> one logit per sample (m, 1), weights ~ N(0, init_std^2).

    ``hidden`` > 0 inserts one fully connected layer of that size (BN, LeakyReLU 0.2)
    between the convolutional body and the logit, as InfoGAN's D has; 0 keeps the DCGAN
    guideline of no fully connected hidden layers.
    """
    layers, size = [discriminator_body(shape, width, device)], body_features(shape, width)
    if hidden:
        layers += dense_block(size, hidden, nn.LeakyReLU(0.2), device)
        size = hidden
    return dcgan_init_(nn.Sequential(*layers, nn.Linear(size, 1, device=device)), init_std)


# ------------------------------------------------------------------ losses

def discriminator_loss(real_logits, fake_logits):
    """BCE(d(x), 1) + BCE(d(G(z)), 0) = -[E log D(x) + E log(1 - D(G(z)))], from logits."""
    ones, zeros = ones_like(real_logits), zeros_like(fake_logits)
    return (F.binary_cross_entropy_with_logits(real_logits, ones)
            + F.binary_cross_entropy_with_logits(fake_logits, zeros))


def generator_loss(fake_logits):
    """BCE(d(G(z)), 1) = -E log D(G(z)): the non-saturating generator cost, from logits."""
    return F.binary_cross_entropy_with_logits(fake_logits, ones_like(fake_logits))


# ------------------------------------------------------------------ the variant

class DCGAN(KeepsAverage, Variant):
    """Radford et al. 2016: Algorithm 1 (k = 1, non-saturating G cost) with DCGAN networks."""

    name = "dcgan"
    paper = ("A. Radford, L. Metz, S. Chintala. Unsupervised Representation Learning with Deep "
             "Convolutional Generative Adversarial Networks. ICLR 2016.")
    defaults = dict(
        batch_size=128,
        z_dim=100,
        noise="uniform",            # z ~ U(-1, 1)^z_dim
        width=64,                   # channels of D's first convolution and G's last hidden map
        lr=2e-4,
        lr_d=None,                  # D's and G's own rates (None: lr), e.g. InfoGAN's G at five
        lr_g=None,                  # times D's rate
        betas=(0.5, 0.999),
        init_std=0.02,
        d_hidden=0,                 # a fully connected hidden layer in D of this size (0: none)
        r1_gamma=0.0,               # R1 penalty on D's gradient at real images (0: off)
        r1_interval=1,              # add it every r1_interval-th step, times r1_interval
        ema_half_life=None,         # images; sample() uses G's running average (None: off)
    )
    supported_data = IMAGE_DATA + ("stacked-mnist",)

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        check_lazy_r1(self.name, cfg["r1_gamma"], cfg["r1_interval"])
        if isinstance(cfg["d_hidden"], bool) or not isinstance(cfg["d_hidden"], Integral) \
                or cfg["d_hidden"] < 0:
            raise ValueError(f"{self.name}: d_hidden must be a whole number >= 0 (0: no hidden "
                             f"layer in D), got {cfg['d_hidden']!r}")
        self.generator = dcgan_generator(cfg["z_dim"], shape, cfg["width"], device, cfg["init_std"])
        self.discriminator = self.build_discriminator(shape)
        self.opt_g = self.make_optimizer(self.generator, cfg["lr_g"])
        self.opt_d = self.make_optimizer(self.discriminator, cfg["lr_d"])
        self.average = weight_average(self.generator, cfg["ema_half_life"])
        self.step = 0

    def get_extra_state(self):
        """{"step"}: the clock of lazy R1; and G's running average of weights."""
        return {"step": self.step, **super().get_extra_state()}

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict."""
        self.step = int(state.get("step", 0))
        super().set_extra_state(state)

    def build_discriminator(self, shape):
        """D: images of ``shape`` -> one logit each (PacDCGAN widens its input)."""
        cfg = self.config
        return dcgan_discriminator(shape, cfg["width"], self.device, cfg["init_std"],
                                   cfg["d_hidden"])

    def samples_per_batch(self):
        """How many real (and generated) images one minibatch holds: m."""
        return self.config["batch_size"]

    def train_step(self, sample_real):
        cfg, m = self.config, self.samples_per_batch()
        self.step += 1
        x = sample_real(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m))
        real_logits, fake_logits = self.discriminate(x), self.discriminate(fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        stats = {}
        r1_term, r1 = lazy_r1(self.step, self.discriminate, x, cfg["r1_gamma"],
                              cfg["r1_interval"])
        if r1_term is not None:
            d_loss, stats["r1"] = d_loss + r1_term, r1
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminate(self.generator(self.sample_z(m))))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_logits.sigmoid()), "D(G(z))": mean_of(fake_logits.sigmoid()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm, **stats}

    def generate(self, z):
        """G(z) for given latent vectors z (m, z_dim), without a graph."""
        with autograd.no_grad():
            return self.generator(z)


def interpolate_latents(z0, z1, steps):
    """The latent vectors (1 - t) z0 + t z1 for t = 0, 1/(steps-1), ..., 1, shape (steps, z_dim)."""
    if steps < 2:
        raise ValueError(f"interpolate_latents: needs at least 2 steps, got {steps}")
    return stack([z0 * (1 - t / (steps - 1)) + z1 * (t / (steps - 1)) for t in range(steps)])
