"""WGAN with gradient penalty: Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville,
"Improved Training of Wasserstein GANs", NeurIPS 2017.

Instead of clipping weights, the critic's loss penalises gradient norms that
differ from 1 at random interpolates between real and generated samples
(seeds 004 eqs. 19-20):

    x_hat = eps x + (1 - eps) G(z),    eps ~ U[0, 1], one per sample,
    L_D = E f(G(z)) - E f(x) + lambda E (||grad_x_hat f(x_hat)||_2 - 1)^2.

The gradient grad_x_hat f is computed with ``create_graph=True``, so the
penalty is differentiated with respect to the critic's weights by double
backward. The norm is taken per sample over ALL non-batch axes. No batch
normalisation in the critic: the penalty is per sample.

``penalty="finite-difference"`` replaces the gradient norm by the slope
between two interpolates on the same real-fake segment (seeds 004 eq. 21),

    lambda E ( |f(x_1) - f(x_2)| / ||x_1 - x_2||_2 - 1 )^2,

which needs no second derivative; compare it with the exact penalty.

Defaults are the paper's: Adam lr 1e-4, betas (0.5, 0.9), n_critic = 5,
lambda = 10, m = 64. The MLP sizes are ours (the paper's toy critic: 3 x 512).
"""
from .. import autograd
from ..ops.elementwise import abs as tensor_abs, sqrt
from ..tensor import rand
from .base import Variant, descend, frozen, mean_of
from .gan import TOY_DATA
from .losses import critic_wasserstein, generator_wasserstein
from .networks import mlp

PENALTIES = ("exact", "finite-difference")


def per_sample_norm(t):
    """||t_i||_2 over all non-batch axes of each sample i: shape (m,)."""
    squares = t * t
    return sqrt(squares.reshape(t.shape[0], -1).sum(axis=1))


def interpolates(real, fake, eps):
    """x_hat = eps x + (1 - eps) x_fake, with eps of shape (m,) broadcast over each sample."""
    eps = eps.reshape((real.shape[0],) + (1,) * (real.ndim - 1))
    return eps * real + (1 - eps) * fake


def gradient_penalty(critic, real, fake, eps, weight):
    """weight * E (||grad_x f(x_hat)||_2 - 1)^2 at x_hat = interpolates(real, fake, eps).

    ``critic`` maps a batch to scores of shape (m,). The result carries a
    graph to the critic's parameters through the gradient (double backward).
    """
    x_hat = interpolates(real.detach(), fake.detach(), eps.detach()).detach().requires_grad_()
    (grad_x,) = autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return weight * ((per_sample_norm(grad_x) - 1) ** 2).mean()


def finite_difference_penalty(critic, real, fake, eps1, eps2, weight):
    """weight * E (|f(x_1) - f(x_2)| / ||x_1 - x_2|| - 1)^2, x_j = interpolates(real, fake, eps_j).

    The slope of f between two points of each real-fake segment (seeds 004
    eq. 21): first derivatives only.
    """
    real, fake = real.detach(), fake.detach()
    x1, x2 = interpolates(real, fake, eps1), interpolates(real, fake, eps2)
    slope = tensor_abs(critic(x1) - critic(x2)) / per_sample_norm(x1 - x2)
    return weight * ((slope - 1) ** 2).mean()


class WGANGP(Variant):
    """Gulrajani et al. 2017, Algorithm 1: critic with gradient penalty, Adam."""

    name = "wgan-gp"
    paper = ("I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin, A. Courville. Improved Training "
             "of Wasserstein GANs. NeurIPS 2017.")
    defaults = dict(
        n_critic=5,
        gp_weight=10.0,             # lambda
        penalty="exact",            # exact | finite-difference
        batch_size=64,              # m
        z_dim=16,
        noise="normal",
        g_hidden=(128, 128, 128),
        d_hidden=(128, 128, 128),
        activation="relu",          # D's hidden layers (G: ReLU)
        optimizer="adam",
        lr=1e-4,                    # alpha
        betas=(0.5, 0.9),           # beta_1, beta_2
    )
    supported_data = TOY_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg = self.config
        if cfg["penalty"] not in PENALTIES:
            raise ValueError(f"wgan-gp: unknown penalty {cfg['penalty']!r}; use one of {PENALTIES}")
        self.generator = mlp(cfg["z_dim"], cfg["g_hidden"], self.data_shape, "relu", device)
        self.discriminator = mlp(self.data_shape, cfg["d_hidden"], 1, cfg["activation"], device)
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)

    def penalty(self, real, fake):
        """The configured penalty on this batch (exact or finite-difference)."""
        m, weight = real.shape[0], self.config["gp_weight"]

        def eps():
            return rand(m, dtype=real.dtype, device=self.device)
        if self.config["penalty"] == "exact":
            return gradient_penalty(self.discriminate, real, fake, eps(), weight)
        return finite_difference_penalty(self.discriminate, real, fake, eps(), eps(), weight)

    def critic_step(self, sample_real):
        """One critic update on E f(G(z)) - E f(x) + penalty."""
        m = self.config["batch_size"]
        x = sample_real(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m))
        real_out, fake_out = self.discriminate(x), self.discriminate(fake)
        wasserstein_loss = critic_wasserstein(real_out, fake_out)
        penalty = self.penalty(x, fake)
        norm = descend(wasserstein_loss + penalty, self.discriminator, self.opt_d)
        return wasserstein_loss, penalty, real_out, fake_out, norm

    def train_step(self, sample_real):
        for _ in range(self.config["n_critic"]):
            w_loss, penalty, real_out, fake_out, d_norm = self.critic_step(sample_real)
        with frozen(self.discriminator):
            g_loss = generator_wasserstein(
                self.discriminate(self.generator(self.sample_z(self.config["batch_size"]))))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        return {"loss/D": float(w_loss.item() + penalty.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_out), "D(G(z))": mean_of(fake_out),
                "wasserstein": -float(w_loss.item()), "penalty": float(penalty.item()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}
