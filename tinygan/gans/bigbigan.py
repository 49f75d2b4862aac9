"""BigBiGAN-style: Donahue & Simonyan, "Large Scale Adversarial Representation Learning",
NeurIPS 2019 (seeds 004 section 4, eqs. 24-27).

As in BiGAN, an encoder E: x -> z is learned next to G: z -> x and the
discriminator compares data pairs (x, E(x)) with generated pairs (G(z), z).
The discriminator has three heads, each giving a score:

    F   on the image alone      s_x  = theta_F^T F(x)
    H   on the latent alone     s_z  = theta_H^T H(z)
    J   on the joint features   s_xz = J(F(x), H(z))

The per-sample losses, with y = +1 for data pairs and y = -1 for generated ones,

    l_EG(x, z, y) = y (s_x + s_z + s_xz)                                    (eq. 24)
    l_D(x, z, y)  = h(y s_x) + h(y s_z) + h(y s_xz),   h(t) = max(0, 1 - t)  (eq. 26)

are averaged over both kinds of pair (eqs. 25 and 27):

    L_EG = E_{x ~ data} l_EG(x, E(x), +1) + E_{z ~ p_z} l_EG(G(z), z, -1)
    L_D  = E_{x ~ data} l_D(x, E(x), +1)  + E_{z ~ p_z} l_D(G(z), z, -1).

(The seeds print a minus sign in front of the generated term of eqs. 25 and
27; the paper has none, and with it the generated pairs' losses would be
maximised, so we follow the paper.) The unary heads F and H keep G's
samples and E's codes individually realistic, the joint head J matches the
pairs. One iteration: a D step on L_D, then one joint step of E and G on
L_EG. The networks are the small DCGAN ones of ``image_networks`` (BigGAN's
residual networks are in ``biggan``); Adam with beta1 = 0, beta2 = 0.999 and
lr 2e-4 as in the paper.
"""
from .. import autograd, nn
from ..ops.shape import concatenate
from .base import Variant, descend, descend_jointly, frozen, mean_of
from .bigan import image_encoder
from .image_networks import (IMAGE_DATA, body_features, check_image_shape, discriminator_body,
                             generator_net)
from .losses import discriminator_hinge


class ThreeHeadedDiscriminator(nn.Module):
    """The unary image head F, the unary latent head H and the joint head J; returns
    (s_x, s_z, s_xz), each of shape (m,)."""

    def __init__(self, shape, z_dim, width, hidden, device="cpu"):
        super().__init__()
        features = body_features(shape, width)
        self.F = discriminator_body(shape, width, device)
        self.F_score = nn.Linear(features, 1, device=device)
        self.H = nn.Sequential(nn.Linear(z_dim, hidden, device=device), nn.LeakyReLU(0.2),
                               nn.Linear(hidden, hidden, device=device), nn.LeakyReLU(0.2))
        self.H_score = nn.Linear(hidden, 1, device=device)
        self.J = nn.Sequential(nn.Linear(features + hidden, hidden, device=device),
                               nn.LeakyReLU(0.2), nn.Linear(hidden, 1, device=device))

    def forward(self, x, z):
        fx, hz = self.F(x), self.H(z)
        s_xz = self.J(concatenate([fx, hz], axis=1))
        return (self.F_score(fx).reshape(-1), self.H_score(hz).reshape(-1), s_xz.reshape(-1))


# ------------------------------------------------------------------ losses

def total_score(scores):
    """s_x + s_z + s_xz."""
    s_x, s_z, s_xz = scores
    return s_x + s_z + s_xz


def discriminator_loss(data_scores, generated_scores):
    """E l_D(x, E(x), +1) + E l_D(G(z), z, -1), a hinge on each head (eqs. 26-27)."""
    return sum(discriminator_hinge(real, fake) for real, fake in zip(data_scores, generated_scores))


def encoder_generator_loss(data_scores, generated_scores):
    """E l_EG(x, E(x), +1) + E l_EG(G(z), z, -1) = E [s(x, E(x))] - E [s(G(z), z)] (eqs. 24-25)."""
    return total_score(data_scores).mean() - total_score(generated_scores).mean()


# ------------------------------------------------------------------ the variant

class BigBiGAN(Variant):
    """Donahue & Simonyan 2019: encoder, generator and the three-headed discriminator F, H, J."""

    name = "bigbigan"
    paper = ("J. Donahue, K. Simonyan. Large Scale Adversarial Representation Learning. "
             "NeurIPS 2019.")
    defaults = dict(
        batch_size=64,
        z_dim=32,
        noise="normal",
        lr=2e-4,
        betas=(0.0, 0.999),
        width=32,                   # channels of the first convolution (ours)
        hidden=128,                 # H and J's width (ours)
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        self.encoder = image_encoder(shape, cfg["z_dim"], cfg["width"], device)
        self.generator = generator_net(cfg["z_dim"], shape, cfg["width"], device)
        self.discriminator = ThreeHeadedDiscriminator(shape, cfg["z_dim"], cfg["width"],
                                                      cfg["hidden"], device)
        self.opt_e, self.opt_g, self.opt_d = (self.make_optimizer(n) for n in (
            self.encoder, self.generator, self.discriminator))

    def networks(self):
        return {"E": self.encoder, "G": self.generator, "D": self.discriminator}

    def optimizers(self):
        return {"E": self.opt_e, "G": self.opt_g, "D": self.opt_d}

    def discriminate(self, x):
        """s_x: the image head's score alone."""
        return self.discriminator.F_score(self.discriminator.F(x)).reshape(-1)

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x, z = sample_real(m), self.sample_z(m)
        with autograd.no_grad():
            encoded, generated = self.encoder(x), self.generator(z)
        data_scores = self.discriminator(x, encoded)
        generated_scores = self.discriminator(generated, z)
        d_loss = discriminator_loss(data_scores, generated_scores)
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            eg_loss = encoder_generator_loss(self.discriminator(x, self.encoder(x)),
                                             self.discriminator(self.generator(z), z))
        e_norm, g_norm = descend_jointly(eg_loss, [self.encoder, self.generator],
                                         [self.opt_e, self.opt_g])
        names = ("s_x", "s_z", "s_xz")
        return {"loss/D": float(d_loss.item()), "loss/EG": float(eg_loss.item()),
                **{f"{n}/data": mean_of(s) for n, s in zip(names, data_scores)},
                **{f"{n}/generated": mean_of(s) for n, s in zip(names, generated_scores)},
                "grad_norm/D": d_norm, "grad_norm/E": e_norm, "grad_norm/G": g_norm}

    def encode(self, x):
        """E(x) as a Tensor without a graph."""
        with autograd.no_grad():
            return self.encoder(x)

    def reconstruct(self, x):
        """G(E(x)) as a Tensor without a graph."""
        with autograd.no_grad():
            return self.generator(self.encoder(x))
