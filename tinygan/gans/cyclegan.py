"""CycleGAN: Zhu, Park, Isola, Efros, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", ICCV 2017.

Two domains X and Y whose images are not paired (seeds 001, "Unpaired
Conditional Image Generation"): "2 generators + 2 discriminators, 1 pair
for each domain", and "cycle-consistency loss for pairing instead (L1
distance)". G: X -> Y is judged by D_Y, F: Y -> X by D_X, and each
translation must come back (the paper's eqs. 1-3):

    L_GAN(G, D_Y, X, Y) = E_y log D_Y(y) + E_x log(1 - D_Y(G(x)))                    (1)
    L_cyc(G, F) = E_x ||F(G(x)) - x||_1 + E_y ||G(F(y)) - y||_1                      (2)
    L(G, F, D_X, D_Y) = L_GAN(G, D_Y, X, Y) + L_GAN(F, D_X, Y, X) + lambda L_cyc(G, F)  (3)

with lambda = 10. As in the paper's training details, the log-likelihood GAN
loss is replaced by least squares: G descends E_x (D_Y(G(x)) - 1)^2, D_Y
descends E_y (D_Y(y) - 1)^2 + E_x D_Y(G(x))^2, and the discriminators'
objective is divided by 2. D_X and D_Y see generated images drawn from a
pool of the last ``pool_size`` (50) translations rather than only the
newest ones. The optional identity loss (``identity_weight``; the paper
uses 0.5 lambda for paintings -> photos) adds

    L_identity(G, F) = E_y ||G(y) - y||_1 + E_x ||F(x) - x||_1.

L1 norms are per-pixel means, as in the authors' code.

Data: ``paired_domains = True``. ``sample_real(m)`` must return a pair
``(x, y)``: m images of X and m images of Y drawn independently (unpaired;
``tinygan.data.domains`` builds such pairs). There is no noise prior, so
``sample(n)`` is not defined: use ``translate(x)`` (G) and
``translate_back(y)`` (F).

Defaults are the paper's: Adam, lr 2e-4, beta1 = 0.5, minibatch 1 (the
demos use larger ones), lambda = 10, a pool of 50; its learning-rate decay
is left out. The networks are small versions of the paper's: a ResNet
generator (one stride-2 stage down, residual blocks, one up, instance
norm) and a PatchGAN discriminator that scores overlapping patches.
"""
from .. import autograd, backend, nn
from .. import functional as F
from ..tensor import Tensor
from .base import Variant, descend, descend_jointly, frozen, mean_of
from .image_networks import IMAGE_DATA
from .losses import discriminator_least_squares


# ------------------------------------------------------------------ networks

class InstanceNorm2d(nn.Module):
    """Normalise each channel of each image over its pixels: (x - mean_hw) / sqrt(var_hw + eps)."""

    def __init__(self, eps=1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, tuple(x.shape[2:]), eps=self.eps)


class ResidualBlock(nn.Module):
    """x + IN(conv(ReLU(IN(conv(x))))), two 3x3 convolutions keeping the shape."""

    def __init__(self, channels, device="cpu"):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, device=device), InstanceNorm2d(), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, 1, 1, device=device), InstanceNorm2d())

    def forward(self, x):
        return x + self.body(x)


def resnet_generator(channels, width, blocks, device="cpu"):
    """An image-to-image generator: 3x3 conv, one 4x4 stride-2 conv down, residual blocks,
    one transposed conv up, 3x3 conv to ``channels``, tanh. Needs even H and W."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 3, 1, 1, device=device), InstanceNorm2d(), nn.ReLU(),
        nn.Conv2d(width, 2 * width, 4, 2, 1, device=device), InstanceNorm2d(), nn.ReLU(),
        *[ResidualBlock(2 * width, device) for _ in range(blocks)],
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1, device=device), InstanceNorm2d(), nn.ReLU(),
        nn.Conv2d(width, channels, 3, 1, 1, device=device), nn.Tanh())


def patch_discriminator(channels, width, device="cpu"):
    """A PatchGAN: one score per overlapping patch, (N, 1, H/2 - 2, W/2 - 2) for (N, C, H, W)."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1, device=device), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 1, 1, device=device), InstanceNorm2d(), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 1, 4, 1, 1, device=device))


class ImagePool:
    """The paper's history of generated images (Shrivastava et al. 2017), ``size`` images.

    Until full, each new image is stored and returned; then each new image is,
    with probability 1/2, returned as it is, or else swapped with a random
    stored one, which is returned in its place.
    """

    def __init__(self, size):
        self.size, self.images = int(size), []

    def query(self, images):
        """A batch like ``images`` (no graph) with some rows replaced by older generated images."""
        if self.size == 0:
            return images.detach()
        rng = backend.generator("cpu")  # host-side choices, whatever the images' device
        out = []
        for image in images.data:
            if len(self.images) < self.size:
                self.images.append(image.copy())
                out.append(image)
            elif rng.random() < 0.5:
                out.append(image)
            else:
                k = int(rng.integers(len(self.images)))
                out.append(self.images[k])
                self.images[k] = image.copy()
        xp = backend.get_array_module(images.data)
        return Tensor(xp.stack(out))

    def as_array(self, sample_shape, device="cpu"):
        """The stored images as one array (k, *sample_shape), k <= size (for checkpoints)."""
        xp = backend.xp_for(device)
        if not self.images:
            return xp.zeros((0,) + tuple(sample_shape), dtype=backend.default_dtype())
        return xp.stack(self.images)

    def load_array(self, array, device="cpu"):
        """Replace the stored images by the rows of ``array`` (from ``as_array``)."""
        array = backend.to_device(array, device)
        self.images = [image.copy() for image in array[:self.size]]


# ------------------------------------------------------------------ losses

def generator_adversarial_loss(fake_scores):
    """E (D(G(x)) - 1)^2: the least-squares form of G's term of L_GAN (eq. 1)."""
    return ((fake_scores - 1) ** 2).mean()


def discriminator_loss(real_scores, fake_scores):
    """[E (D(y) - 1)^2 + E D(G(x))^2] / 2: D's least-squares objective, halved as in the paper."""
    return discriminator_least_squares(real_scores, fake_scores, a=0.0, b=1.0)


def cycle_consistency_loss(x, x_cycled, y, y_cycled):
    """L_cyc = E ||F(G(x)) - x||_1 + E ||G(F(y)) - y||_1 (eq. 2), per-pixel means."""
    return F.l1_loss(x_cycled, x) + F.l1_loss(y_cycled, y)


def identity_loss(x, f_of_x, y, g_of_y):
    """L_identity = E ||G(y) - y||_1 + E ||F(x) - x||_1, per-pixel means."""
    return F.l1_loss(g_of_y, y) + F.l1_loss(f_of_x, x)


# ------------------------------------------------------------------ the variant

class CycleGAN(Variant):
    """Zhu et al. 2017: two generators, two least-squares discriminators, cycle consistency."""

    name = "cyclegan"
    paper = ("J.-Y. Zhu, T. Park, P. Isola, A. A. Efros. Unpaired Image-to-Image Translation "
             "using Cycle-Consistent Adversarial Networks. ICCV 2017.")
    paired_domains = True   # sample_real(m) returns (m images of X, m images of Y), unpaired
    defaults = dict(
        cycle_weight=10.0,          # lambda
        identity_weight=0.0,        # weight of L_identity (the paper: 0 or 0.5 lambda)
        batch_size=1,
        pool_size=50,
        lr=2e-4,
        betas=(0.5, 0.999),
        width=16,                   # channels of the first convolution (ours)
        residual_blocks=2,          # (ours; the paper: 6 or 9 at 128 or 256 pixels)
    )
    supported_data = tuple(f"{data}-{transform}" for data in IMAGE_DATA
                           for transform in ("invert", "thicken", "thin"))

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg = self.config
        if len(self.data_shape) != 3 or self.data_shape[1] % 2 or self.data_shape[2] % 2:
            raise ValueError(f"cyclegan: needs images (C, H, W) with even H and W, got "
                             f"{self.data_shape}")
        c = self.data_shape[0]
        self.generator = resnet_generator(c, cfg["width"], cfg["residual_blocks"], device)
        self.inverse = resnet_generator(c, cfg["width"], cfg["residual_blocks"], device)
        self.discriminator_x = patch_discriminator(c, cfg["width"], device)
        self.discriminator_y = patch_discriminator(c, cfg["width"], device)
        self.pool_x, self.pool_y = ImagePool(cfg["pool_size"]), ImagePool(cfg["pool_size"])
        self.opt_g, self.opt_f, self.opt_dx, self.opt_dy = (self.make_optimizer(n) for n in (
            self.generator, self.inverse, self.discriminator_x, self.discriminator_y))

    def networks(self):
        return {"G": self.generator, "F": self.inverse,
                "D_X": self.discriminator_x, "D_Y": self.discriminator_y}

    def optimizers(self):
        return {"G": self.opt_g, "F": self.opt_f, "D_X": self.opt_dx, "D_Y": self.opt_dy}

    def get_extra_state(self):
        """The two image pools, saved with checkpoints: {"pool_x": array, "pool_y": array}."""
        return {"pool_x": self.pool_x.as_array(self.data_shape, self.device),
                "pool_y": self.pool_y.as_array(self.data_shape, self.device)}

    def set_extra_state(self, state):
        """Restore the image pools from ``get_extra_state()``'s dict."""
        self.pool_x.load_array(state["pool_x"], self.device)
        self.pool_y.load_array(state["pool_y"], self.device)

    def generator_losses(self, x, y):
        """G and F's costs at fixed D_X and D_Y, and G(x), F(y).

        The costs: {"gan_G", "gan_F", "cycle"} and "identity" when its weight is not 0.
        """
        fake_y, fake_x = self.generator(x), self.inverse(y)
        with frozen(self.discriminator_x), frozen(self.discriminator_y):
            losses = {"gan_G": generator_adversarial_loss(self.discriminator_y(fake_y)),
                      "gan_F": generator_adversarial_loss(self.discriminator_x(fake_x))}
        losses["cycle"] = cycle_consistency_loss(x, self.inverse(fake_y), y, self.generator(fake_x))
        if self.config["identity_weight"]:
            losses["identity"] = identity_loss(x, self.inverse(x), y, self.generator(y))
        return losses, fake_y, fake_x

    def train_step(self, sample_real):
        cfg = self.config
        x, y = sample_real(cfg["batch_size"])
        losses, fake_y, fake_x = self.generator_losses(x, y)
        g_loss = losses["gan_G"] + losses["gan_F"] + cfg["cycle_weight"] * losses["cycle"]
        if "identity" in losses:
            g_loss = g_loss + cfg["identity_weight"] * losses["identity"]
        g_norm, f_norm = descend_jointly(g_loss, [self.generator, self.inverse],
                                         [self.opt_g, self.opt_f])

        real_y, pooled_y = self.discriminator_y(y), self.discriminator_y(self.pool_y.query(fake_y))
        dy_loss = discriminator_loss(real_y, pooled_y)
        dy_norm = descend(dy_loss, self.discriminator_y, self.opt_dy)
        real_x, pooled_x = self.discriminator_x(x), self.discriminator_x(self.pool_x.query(fake_x))
        dx_loss = discriminator_loss(real_x, pooled_x)
        dx_norm = descend(dx_loss, self.discriminator_x, self.opt_dx)
        return {"loss/G+F": float(g_loss.item()), "loss/D_X": float(dx_loss.item()),
                "loss/D_Y": float(dy_loss.item()),
                **{f"loss/{k}": float(v.item()) for k, v in losses.items()},
                "D_Y(y)": mean_of(real_y), "D_Y(G(x))": mean_of(pooled_y),
                "D_X(x)": mean_of(real_x), "D_X(F(y))": mean_of(pooled_x),
                "grad_norm/G": g_norm, "grad_norm/F": f_norm,
                "grad_norm/D_X": dx_norm, "grad_norm/D_Y": dy_norm}

    def sample(self, n):
        raise NotImplementedError("cyclegan translates images and has no noise prior: use "
                                  "translate(x) for G(x) and translate_back(y) for F(y)")

    def translate(self, x):
        """G(x): images of X translated into Y, without a graph."""
        with autograd.no_grad():
            return self.generator(x)

    def translate_back(self, y):
        """F(y): images of Y translated into X, without a graph."""
        with autograd.no_grad():
            return self.inverse(y)
