"""BiGAN / ALI: Donahue, Krähenbühl, Darrell, "Adversarial Feature Learning", ICLR 2017;
Dumoulin, Belghazi, Poole, Mastropietro, Lamb, Arjovsky, Courville, "Adversarially
Learned Inference", ICLR 2017.

Besides the generator G: z -> x, an encoder E: x -> z is learned. The two
never see each other's outputs; they meet only in the discriminator, which
judges *pairs* (seeds 004 §3): (x, E(x)) with x from the data against
(G(z), z) with z from the prior. The objective is (seeds 004 eqs. 22-23)

    min_{G,E} max_D V(D, E, G),
    V(D, E, G) = E_{x ~ p_data} [log D(x, E(x))] + E_{z ~ p_z} [log(1 - D(G(z), z))].

At the optimum the two joint distributions agree, so E inverts G and
G(E(x)) reconstructs x (``reconstruct``), although no reconstruction error
is ever minimised (seeds 004 §3.3). E and G descend with the "inverted
labels" of the paper's practice (``loss="non-saturating"``):

    L_{E,G} = -E log(1 - D(x, E(x))) - E log D(G(z), z),

or V itself with ``loss="minimax"``. Losses are computed from D's logits.

One training iteration: sample x and z; one step of D on -V; one step of E
and G together on L_{E,G} (a fresh forward through the updated D).

Defaults are the BiGAN paper's (MNIST): z ~ U[-1, 1]^50, Adam with lr 2e-4,
beta1 = 0.5, weight decay 2.5e-5, minibatch 128; its learning-rate decay is
left out. ALI differs in a stochastic encoder and dropout in D. The
networks are the two-stage DCGAN ones of ``image_networks`` (8x8 digits,
28x28 MNIST): G is its generator, E and D's image path its discriminator
body.
"""
from .. import autograd, nn, optim
from ..ops.shape import concatenate
from .base import Variant, descend, descend_jointly, frozen, mean_of
from .image_networks import (IMAGE_DATA, body_features, check_image_shape, discriminator_body,
                             generator_net)
from .losses import discriminator_cross_entropy

LOSS_KINDS = ("non-saturating", "minimax")


# ------------------------------------------------------------------ networks

def image_encoder(shape, z_dim, width, device):
    """E: x -> z, a deterministic encoder: the DCGAN discriminator body, then a linear layer."""
    return nn.Sequential(discriminator_body(shape, width, device),
                         nn.Linear(body_features(shape, width), z_dim, device=device))


class JointDiscriminator(nn.Module):
    """D(x, z): the logit that the pair (x, z) is (data, E(data)) rather than (G(z), z).

    x passes through the DCGAN discriminator body, z through a linear layer;
    the two feature vectors are concatenated and mapped to one logit by an MLP.
    """

    def __init__(self, shape, z_dim, width, hidden, device="cpu"):
        super().__init__()
        self.x_path = discriminator_body(shape, width, device)
        self.z_path = nn.Sequential(nn.Linear(z_dim, hidden, device=device), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(
            nn.Linear(body_features(shape, width) + hidden, hidden, device=device),
            nn.LeakyReLU(0.2), nn.Linear(hidden, 1, device=device))

    def forward(self, x, z):
        return self.joint(concatenate([self.x_path(x), self.z_path(z)], axis=1)).reshape(-1)


# ------------------------------------------------------------------ losses

def discriminator_loss(real_pair, fake_pair):
    """-V = -E log D(x, E(x)) - E log(1 - D(G(z), z)) from the logits of the two kinds of pair."""
    return discriminator_cross_entropy(real_pair, fake_pair)


def encoder_generator_loss(real_pair, fake_pair, kind="non-saturating"):
    """The cost E and G descend, from D's logits on (x, E(x)) and (G(z), z).

    "minimax":        V = E log D(x, E(x)) + E log(1 - D(G(z), z));
    "non-saturating": -E log(1 - D(x, E(x))) - E log D(G(z), z) (D's labels inverted).
    """
    if kind == "minimax":
        return -discriminator_cross_entropy(real_pair, fake_pair)
    if kind == "non-saturating":
        return discriminator_cross_entropy(fake_pair, real_pair)
    raise ValueError(f"bigan: unknown loss {kind!r}; use one of {LOSS_KINDS}")


# ------------------------------------------------------------------ the variant

class BiGAN(Variant):
    """Donahue et al. 2017 / Dumoulin et al. 2017: encoder, generator and a joint discriminator."""

    name = "bigan"
    paper = ("J. Donahue, P. Krähenbühl, T. Darrell. Adversarial Feature Learning. ICLR 2017; "
             "V. Dumoulin et al. Adversarially Learned Inference. ICLR 2017.")
    defaults = dict(
        loss="non-saturating",      # E and G's cost: non-saturating (inverted labels) | minimax
        batch_size=128,             # m
        z_dim=50,
        noise="uniform",            # p_z = U(-1, 1)^z_dim
        lr=2e-4,
        betas=(0.5, 0.999),
        weight_decay=2.5e-5,
        width=32,                   # channels of the first convolution (ours)
        d_hidden=256,               # D's joint MLP and z path (ours)
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        if cfg["loss"] not in LOSS_KINDS:
            raise ValueError(f"bigan: unknown loss {cfg['loss']!r}; use one of {LOSS_KINDS}")
        self.encoder = image_encoder(shape, cfg["z_dim"], cfg["width"], device)
        self.generator = generator_net(cfg["z_dim"], shape, cfg["width"], device)
        self.discriminator = JointDiscriminator(shape, cfg["z_dim"], cfg["width"], cfg["d_hidden"],
                                                device)
        self.opt_e, self.opt_g, self.opt_d = (self.adam(n) for n in (
            self.encoder, self.generator, self.discriminator))

    def adam(self, network):
        """Adam with the configured lr, betas and weight decay over ``network``."""
        cfg = self.config
        return optim.Adam(network.parameters(), lr=cfg["lr"], betas=tuple(cfg["betas"]),
                          weight_decay=cfg["weight_decay"])

    def networks(self):
        return {"E": self.encoder, "G": self.generator, "D": self.discriminator}

    def optimizers(self):
        return {"E": self.opt_e, "G": self.opt_g, "D": self.opt_d}

    def pair_logits(self, x, z):
        """D's logits on the data pairs (x, E(x)) and the generated pairs (G(z), z)."""
        return self.discriminator(x, self.encoder(x)), self.discriminator(self.generator(z), z)

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x, z = sample_real(m), self.sample_z(m)
        with autograd.no_grad():
            encoded, generated = self.encoder(x), self.generator(z)
        real_pair, fake_pair = self.discriminator(x, encoded), self.discriminator(generated, z)
        d_loss = discriminator_loss(real_pair, fake_pair)
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            eg_loss = encoder_generator_loss(*self.pair_logits(x, z), self.config["loss"])
        e_norm, g_norm = descend_jointly(eg_loss, [self.encoder, self.generator],
                                         [self.opt_e, self.opt_g])
        return {"loss/D": float(d_loss.item()), "loss/EG": float(eg_loss.item()),
                "D(x,E(x))": mean_of(real_pair.sigmoid()),
                "D(G(z),z)": mean_of(fake_pair.sigmoid()),
                "grad_norm/D": d_norm, "grad_norm/E": e_norm, "grad_norm/G": g_norm}

    def encode(self, x):
        """E(x) as a Tensor without a graph."""
        with autograd.no_grad():
            return self.encoder(x)

    def reconstruct(self, x):
        """G(E(x)) as a Tensor without a graph: x mapped to latent space and back."""
        with autograd.no_grad():
            return self.generator(self.encoder(x))
