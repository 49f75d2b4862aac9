"""CGAN: Mirza, Osindero, "Conditional Generative Adversarial Nets", arXiv 1411.1784, 2014.

Both players receive the class label y as an extra input, so G learns
p(x | y) and can be asked for a chosen digit (seeds 001, "Conditional GAN"):

    min_G max_D V(D, G) = E_{x ~ p_data} log D(x | y) + E_{z ~ p_z} log(1 - D(G(z | y) | y)).

One iteration (Algorithm 1 of Goodfellow et al. with k = 1, conditioned):

    sample m labelled examples (x, y), m noise vectors z and m labels y' ~ U{0..K-1}
    D descends -[E log D(x | y) + E log(1 - D(G(z | y') | y'))]
    sample m new z and y'
    G descends -E log D(G(z | y') | y')                     (the non-saturating cost)

all from D's logits. The label enters each network through a learned
embedding. In G, as in the paper, z and y first take separate paths (z a
linear projection, y an embedding, each to w feature maps with batch norm
and ReLU), joined into DCGAN's first 2w maps
(``image_networks.LabelConditionedGenerator``). D sees the image with one
extra channel, E_D(y) reshaped to H x W (the "additional input layer" of
the paper, placed at D's input).

Labels: ``needs_labels = True``; ``sample_real(m)`` returns ``(images,
labels)`` with integer labels in [0, n_classes).

Defaults: z ~ U(-1, 1)^100 and minibatch 100 are the paper's; its MLPs
with maxout and SGD with decaying learning rate are replaced by the DCGAN
networks and optimiser (Adam, lr 2e-4, beta1 = 0.5, weights ~ N(0, 0.02)),
the usual practice since Radford et al. 2016.
"""
from .. import autograd, nn
from ..ops.shape import concatenate
from .base import Variant, descend, frozen, mean_of
from .dcgan import discriminator_loss, generator_loss
from .image_networks import (IMAGE_DATA, ClassConditionalSampling, LabelConditionedGenerator,
                             body_features, check_image_shape, dcgan_init_, discriminator_body,
                             label_indices)


class ConditionalDiscriminator(nn.Module):
    """D(x | y): the logit that x is a real image of class y; y enters as an extra input channel."""

    def __init__(self, shape, n_classes, width, device="cpu"):
        super().__init__()
        c, h, w = shape
        self.embed = nn.Embedding(n_classes, h * w, device=device)
        self.body = discriminator_body(shape, width, device, in_channels=c + 1)
        self.out = nn.Linear(body_features(shape, width), 1, device=device)

    def forward(self, x, labels):
        m, _, h, w = x.shape
        label_map = self.embed(labels).reshape(m, 1, h, w)
        return self.out(self.body(concatenate([x, label_map], axis=1))).reshape(-1)


class CGAN(ClassConditionalSampling, Variant):
    """Mirza & Osindero 2014: G(z | y) and D(x | y), both fed the label through an embedding."""

    name = "cgan"
    paper = "M. Mirza, S. Osindero. Conditional Generative Adversarial Nets. arXiv:1411.1784, 2014."
    needs_labels = True     # sample_real(m) returns (images, integer labels)
    defaults = dict(
        batch_size=100,
        z_dim=100,
        noise="uniform",            # z ~ U(-1, 1)^z_dim
        n_classes=10,
        width=64,                   # DCGAN width (ours)
        lr=2e-4,
        betas=(0.5, 0.999),
        init_std=0.02,
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        self.generator = dcgan_init_(LabelConditionedGenerator(
            cfg["z_dim"], cfg["n_classes"], shape, cfg["width"], device),
            cfg["init_std"])
        self.discriminator = dcgan_init_(ConditionalDiscriminator(
            shape, cfg["n_classes"], cfg["width"], device), cfg["init_std"])
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x, y = sample_real(m)
        y = label_indices(y, self.config["n_classes"], self.device)
        y_fake = self.sample_labels(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m), y_fake)
        real_logits, fake_logits = self.discriminator(x, y), self.discriminator(fake, y_fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        y_fake = self.sample_labels(m)
        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminator(self.generator(self.sample_z(m), y_fake),
                                                       y_fake))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_logits.sigmoid()), "D(G(z))": mean_of(fake_logits.sigmoid()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}
