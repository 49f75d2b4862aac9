"""VAE-GAN: Larsen, Sønderby, Larochelle, Winther, "Autoencoding beyond pixels using a
learned similarity metric", ICML 2016.

A variational autoencoder whose decoder is also a GAN generator (seeds 004
§5.3, Figure 9), and whose reconstruction error is measured in the feature
space of the discriminator's l-th layer Dis_l instead of pixel space.

    z = mu(x) + sigma(x) * eps, eps ~ N(0, I)          (the reparameterisation)
    x_tilde = Dec(z),  x_p = Dec(z_p), z_p ~ N(0, I)
    L_prior = D_KL(q(z | x) || p(z)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)
    L_llike^Dis_l = -log N(Dis_l(x) | Dis_l(x_tilde), I)
                  = 1/2 ||Dis_l(x) - Dis_l(x_tilde)||^2 + const
    L_GAN = log Dis(x) + log(1 - Dis(x_tilde)) + log(1 - Dis(x_p))

Each network receives only its own error signal (the paper's Algorithm 1):

    theta_Enc <- -grad (L_prior + L_llike^Dis_l)
    theta_Dec <- -grad (gamma L_llike^Dis_l - L_GAN)
    theta_Dis <- +grad L_GAN

so the encoder never sees the GAN loss, and the discriminator is trained on
L_GAN alone (never on the reconstruction error measured in its features).
All three gradients come from one forward pass and are taken before any
network is updated. ``decoder_loss="non-saturating"`` (default) replaces
the decoder's -L_GAN = -log(1 - Dis(x_tilde)) - log(1 - Dis(x_p)) + const
by -log Dis(x_tilde) - log Dis(x_p), the usual fix for its saturation;
``"minimax"`` is Algorithm 1 literally. Losses are means over the batch of
per-sample sums, and are computed from Dis's logits.

Defaults: RMSprop with lr 3e-4 and minibatch 64 as in the paper; z_dim
128. gamma = 1e-2 is ours: it balances the feature error, summed over
hundreds of features, against a GAN loss of order 1. Dis_l is the output
of Dis's last convolutional block (after batch norm and leaky ReLU, so its
scale stays near 1); the networks are the two-stage DCGAN ones of
``image_networks`` (Dec is its generator; Enc and Dis start with its
discriminator body).
"""
from .. import autograd, nn
from .. import functional as F
from ..ops.shape import split
from ..tensor import randn
from .base import Variant, descend_each, mean_of
from .image_networks import (IMAGE_DATA, body_features, check_image_shape, discriminator_body,
                             generator_net)

DECODER_LOSSES = ("non-saturating", "minimax")


# ------------------------------------------------------------------ networks

class FeatureDiscriminator(nn.Module):
    """Dis(x) -> (logit, Dis_l(x)): convolutional features Dis_l, then an MLP head to one logit."""

    def __init__(self, shape, width, hidden, device="cpu"):
        super().__init__()
        self.features = discriminator_body(shape, width, device)
        self.head = nn.Sequential(nn.Linear(body_features(shape, width), hidden, device=device),
                                  nn.LeakyReLU(0.2), nn.Linear(hidden, 1, device=device))

    def forward(self, x):
        features = self.features(x)
        return self.head(features).reshape(-1), features


class GaussianEncoder(nn.Module):
    """Enc(x) -> (mu, log sigma^2) of q(z | x) = N(mu, diag sigma^2)."""

    def __init__(self, shape, z_dim, width, device="cpu"):
        super().__init__()
        self.body = nn.Sequential(discriminator_body(shape, width, device),
                                  nn.Linear(body_features(shape, width), 2 * z_dim, device=device))

    def forward(self, x):
        mu, log_var = split(self.body(x), 2, axis=1)
        return mu, log_var


# ------------------------------------------------------------------ losses

def reparameterise(mu, log_var, eps):
    """z = mu + sigma * eps, sigma = exp(log sigma^2 / 2): a draw of q(z | x), differentiable
    in mu and log sigma^2."""
    return mu + (0.5 * log_var).exp() * eps


def kl_prior(mu, log_var):
    """L_prior = D_KL(N(mu, sigma^2) || N(0, I)), batch mean of
    1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)."""
    return (0.5 * (mu * mu + log_var.exp() - log_var - 1).sum(axis=1)).mean()


def feature_reconstruction(features_real, features_reconstructed):
    """L_llike^Dis_l: the batch mean of 1/2 ||Dis_l(x) - Dis_l(x_tilde)||^2,
    which is -log N(Dis_l(x) | Dis_l(x_tilde), I) up to a constant."""
    diff = (features_real - features_reconstructed).reshape(features_real.shape[0], -1)
    return (0.5 * (diff * diff).sum(axis=1)).mean()


def discriminator_loss(real, reconstructed, prior):
    """-L_GAN = -[E log Dis(x) + E log(1 - Dis(x_tilde)) + E log(1 - Dis(x_p))] from logits."""
    return F.softplus(-real).mean() + F.softplus(reconstructed).mean() + F.softplus(prior).mean()


def decoder_gan_loss(reconstructed, prior, kind="non-saturating"):
    """The decoder's adversarial cost from Dis's logits on x_tilde and x_p.

    "minimax":        E log(1 - Dis(x_tilde)) + E log(1 - Dis(x_p))   (-L_GAN up to a constant);
    "non-saturating": -E log Dis(x_tilde) - E log Dis(x_p).
    """
    if kind == "minimax":
        return -F.softplus(reconstructed).mean() - F.softplus(prior).mean()
    if kind == "non-saturating":
        return F.softplus(-reconstructed).mean() + F.softplus(-prior).mean()
    raise ValueError(f"vaegan: unknown decoder loss {kind!r}; use one of {DECODER_LOSSES}")


# ------------------------------------------------------------------ the variant

class VAEGAN(Variant):
    """Larsen et al. 2016, Algorithm 1: encoder, decoder/generator and discriminator."""

    name = "vaegan"
    paper = ("A. B. L. Larsen, S. K. Sønderby, H. Larochelle, O. Winther. Autoencoding beyond "
             "pixels using a learned similarity metric. ICML 2016.")
    defaults = dict(
        gamma=1e-2,                 # weight of L_llike^Dis_l against the GAN loss in Dec's cost
        decoder_loss="non-saturating",  # non-saturating | minimax (Algorithm 1 literally)
        batch_size=64,
        z_dim=128,
        optimizer="rmsprop",
        lr=3e-4,
        betas=(0.5, 0.999),         # for optimizer="adam"
        width=32,                   # channels of the first convolution (ours)
        d_hidden=256,               # Dis's fully connected layer (ours)
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        if cfg["decoder_loss"] not in DECODER_LOSSES:
            raise ValueError(f"vaegan: unknown decoder_loss {cfg['decoder_loss']!r}; use one of "
                             f"{DECODER_LOSSES}")
        self.encoder = GaussianEncoder(shape, cfg["z_dim"], cfg["width"], device)
        self.generator = generator_net(cfg["z_dim"], shape, cfg["width"], device)
        self.discriminator = FeatureDiscriminator(shape, cfg["width"], cfg["d_hidden"], device)
        self.opt_e = self.make_optimizer(self.encoder)
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)

    def networks(self):
        return {"Enc": self.encoder, "Dec": self.generator, "Dis": self.discriminator}

    def optimizers(self):
        return {"Enc": self.opt_e, "Dec": self.opt_g, "Dis": self.opt_d}

    def sample_z(self, m):
        """z_p ~ p(z) = N(0, I)."""
        return randn(m, self.config["z_dim"], device=self.device)

    def sample_eps(self, m):
        """eps ~ N(0, I) for the reparameterisation z = mu + sigma * eps."""
        return randn(m, self.config["z_dim"], device=self.device)

    def losses(self, x, eps, z_p):
        """The forward pass of Algorithm 1: {"prior", "llike", "gan", "dec_gan", "logits"}."""
        mu, log_var = self.encoder(x)
        x_tilde = self.generator(reparameterise(mu, log_var, eps))
        x_p = self.generator(z_p)
        logit_x, features_x = self.discriminator(x)
        logit_tilde, features_tilde = self.discriminator(x_tilde)
        logit_p, _ = self.discriminator(x_p)
        return {"prior": kl_prior(mu, log_var),
                "llike": feature_reconstruction(features_x, features_tilde),
                "gan": discriminator_loss(logit_x, logit_tilde, logit_p),
                "dec_gan": decoder_gan_loss(logit_tilde, logit_p, self.config["decoder_loss"]),
                "logits": (logit_x, logit_tilde, logit_p)}

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x = sample_real(m)
        loss = self.losses(x, self.sample_eps(m), self.sample_z(m))
        enc_loss = loss["prior"] + loss["llike"]
        dec_loss = self.config["gamma"] * loss["llike"] + loss["dec_gan"]
        norms = descend_each([(enc_loss, self.encoder, self.opt_e),
                              (dec_loss, self.generator, self.opt_g),
                              (loss["gan"], self.discriminator, self.opt_d)])
        logit_x, logit_tilde, logit_p = loss["logits"]
        return {"loss/Enc": float(enc_loss.item()), "loss/Dec": float(dec_loss.item()),
                "loss/Dis": float(loss["gan"].item()), "prior": float(loss["prior"].item()),
                "llike": float(loss["llike"].item()),
                "D(x)": mean_of(logit_x.sigmoid()), "D(x_tilde)": mean_of(logit_tilde.sigmoid()),
                "D(x_p)": mean_of(logit_p.sigmoid()),
                "grad_norm/Enc": norms[0], "grad_norm/Dec": norms[1], "grad_norm/Dis": norms[2]}

    def encode(self, x):
        """(mu, log sigma^2) of q(z | x), without a graph."""
        with autograd.no_grad():
            return self.encoder(x)

    def reconstruct(self, x):
        """Dec(mu(x)): the decoding of the mean of q(z | x), without a graph."""
        with autograd.no_grad():
            return self.generator(self.encoder(x)[0])
