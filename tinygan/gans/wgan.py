"""Wasserstein GAN: Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017.

The critic f_w (no sigmoid) estimates the Earth-Mover distance through the
Kantorovich-Rubinstein duality (seeds 000 eq. 4, seeds 004 eq. 10)

    W(P_r, P_theta) = sup_{||f||_L <= 1} E_{x ~ P_r} f(x) - E_{x ~ P_theta} f(x),

with the Lipschitz constraint enforced crudely by clipping every critic
weight to [-c, c]. Algorithm 2 (seeds 000):

    while theta has not converged:
        for t = 0, ..., n_critic:
            sample x ~ P_r, z ~ p(z)
            g_w <- grad_w [1/m sum f_w(x_i) - 1/m sum f_w(g_theta(z_i))]
            w <- w + alpha * RMSProp(w, g_w)
            w <- clip(w, -c, c)
        sample z ~ p(z)
        g_theta <- -grad_theta 1/m sum f_w(g_theta(z_i))
        theta <- theta - alpha * RMSProp(theta, g_theta)

Defaults are the paper's: alpha = 5e-5, c = 0.01, m = 64, n_critic = 5, RMSProp
(PyTorch's formula, eps outside the square root). The MLP sizes are ours.
"""
from .. import autograd
from .base import Variant, descend, frozen, mean_of
from .gan import TOY_DATA
from .losses import critic_wasserstein, generator_wasserstein
from .networks import mlp


def clip_weights(network, c):
    """w <- clip(w, -c, c) for every parameter of ``network``, in place (outside the graph)."""
    for p in network.parameters():
        p.data = p.data.clip(-c, c)


class WGAN(Variant):
    """Arjovsky et al. 2017, Algorithm 2: weight-clipped critic, RMSProp."""

    name = "wgan"
    paper = ("M. Arjovsky, S. Chintala, L. Bottou. Wasserstein Generative Adversarial Networks. "
             "ICML 2017.")
    defaults = dict(
        n_critic=5,
        clip=0.01,                  # c
        batch_size=64,              # m
        z_dim=16,
        noise="normal",
        g_hidden=(128, 128, 128),
        d_hidden=(128, 128, 128),
        activation="relu",          # D's hidden layers (G: ReLU)
        optimizer="rmsprop",
        lr=5e-5,                    # alpha
    )
    supported_data = TOY_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg = self.config
        self.generator = mlp(cfg["z_dim"], cfg["g_hidden"], self.data_shape, "relu", device)
        self.discriminator = mlp(self.data_shape, cfg["d_hidden"], 1, cfg["activation"], device)
        clip_weights(self.discriminator, cfg["clip"])    # w_0 starts inside the box too
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)

    def critic_step(self, sample_real):
        """One critic update: ascend E f(x) - E f(G(z)), then clip the weights."""
        m = self.config["batch_size"]
        x = sample_real(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m))
        real_out, fake_out = self.discriminate(x), self.discriminate(fake)
        loss = critic_wasserstein(real_out, fake_out)
        norm = descend(loss, self.discriminator, self.opt_d)
        clip_weights(self.discriminator, self.config["clip"])
        return loss, real_out, fake_out, norm

    def train_step(self, sample_real):
        for _ in range(self.config["n_critic"]):
            d_loss, real_out, fake_out, d_norm = self.critic_step(sample_real)
        with frozen(self.discriminator):
            fake_out_g = self.discriminate(self.generator(self.sample_z(self.config["batch_size"])))
            g_loss = generator_wasserstein(fake_out_g)
        g_norm = descend(g_loss, self.generator, self.opt_g)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_out), "D(G(z))": mean_of(fake_out),
                "wasserstein": -float(d_loss.item()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}
