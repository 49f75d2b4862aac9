"""PacGAN: Lin, Khetan, Fanti, Oh, "PacGAN: The power of two samples in
generative adversarial networks", NeurIPS 2018.

The discriminator judges packs: m samples, all real or all generated,
concatenated into one input. A generator that collapses onto few modes makes
packs whose samples are too alike, which the packed discriminator detects
far more easily than single samples, so packing penalises mode collapse.
Nothing else changes: the losses and Algorithm 1 are the original GAN's
(non-saturating generator cost), with D's input ``pack`` times as wide.

    D_pack(x_1, ..., x_m) = D([x_1; ...; x_m]),
    min_G max_D E log D_pack(x_1..x_m) + E log(1 - D_pack(G(z_1)..G(z_m))).

A minibatch holds ``batch_size`` packs, that is batch_size * pack samples.
Default pack = 2 (PacGAN2). The paper's 2-D networks come from VEEGAN
(maxout discriminator, batch norm generator); ours are the ReLU MLPs of the
GAN variant.

``PacDCGAN`` packs images the same way for the DCGAN of Radford et al.:
m images (C, H, W) are stacked along the channel axis into one (m C, H, W)
input of D, as in the paper's Stacked-MNIST experiments (PacDCGAN2 there
reaches all 1,000 modes, Table 2).
"""
import math

from .dcgan import DCGAN
from .gan import GAN, TOY_DATA
from .networks import mlp


class PacGAN(GAN):
    """Lin et al. 2018: the GAN of Algorithm 1 with a discriminator on packs of samples."""

    name = "pacgan"
    paper = ("Z. Lin, A. Khetan, G. Fanti, S. Oh. PacGAN: The power of two samples in generative "
             "adversarial networks. NeurIPS 2018.")
    defaults = {**GAN.defaults, "pack": 2, "lr": 1e-4}
    supported_data = TOY_DATA

    def build_discriminator(self):
        """D: an MLP from one pack (pack samples concatenated) to one logit."""
        cfg = self.config
        width = cfg["pack"] * math.prod(self.data_shape)
        return mlp(width, cfg["d_hidden"], 1, cfg["activation"], self.device)

    def samples_per_batch(self):
        """batch_size packs of ``pack`` samples each."""
        return self.config["batch_size"] * self.config["pack"]

    def discriminate(self, x):
        """D's logits on the packs of consecutive samples of x: shape (len(x) / pack,)."""
        packs = x.reshape(whole_packs(x.shape, self.config["pack"]), -1)
        return self.discriminator(packs).reshape(-1)


class PacDCGAN(DCGAN):
    """Lin et al. 2018 on images: DCGAN whose discriminator judges packs of ``pack`` images
    stacked along the channel axis."""

    name = "pacdcgan"
    paper = PacGAN.paper
    defaults = {**DCGAN.defaults, "pack": 2}

    def build_discriminator(self, shape):
        """D: one pack, ``pack`` images of ``shape`` stacked as channels -> one logit."""
        c, h, w = shape
        return super().build_discriminator((self.config["pack"] * c, h, w))

    def samples_per_batch(self):
        """batch_size packs of ``pack`` images each."""
        return self.config["batch_size"] * self.config["pack"]

    def discriminate(self, x):
        """D's logits on the packs of consecutive images of x: shape (len(x) / pack,)."""
        _, c, h, w = x.shape
        pack = self.config["pack"]
        packs = x.reshape(whole_packs(x.shape, pack), pack * c, h, w)
        return self.discriminator(packs).reshape(-1)


def whole_packs(shape, pack):
    """How many packs of ``pack`` samples a batch of ``shape`` makes, or a ValueError."""
    if shape[0] % pack:
        raise ValueError(f"pacgan: D judges packs of {pack} samples; a batch of shape "
                         f"{tuple(shape)} does not split into whole packs")
    return shape[0] // pack
