"""Unrolled GAN: Metz, Poole, Pfau, Sohl-Dickstein, "Unrolled Generative
Adversarial Networks", ICLR 2017 (seeds 001: a remedy for mode collapse).

The generator looks ahead: its loss is taken against the discriminator as it
will be after K of its own optimisation steps, and the generator is
differentiated THROUGH those steps,

    theta_D^0 = theta_D,
    theta_D^{k+1} = theta_D^k + eta^k d f(theta_G, theta_D^k) / d theta_D^k,
    f_K(theta_G, theta_D) = f(theta_G, theta_D^K(theta_G, theta_D)),
    theta_G <- theta_G - eta d f_K(theta_G, theta_D) / d theta_G,
    theta_D <- theta_D + eta d f(theta_G, theta_D) / d theta_D,

where f is the value function. The term d theta_D^K / d theta_G (how D would
react to G's move) is what discourages G from collapsing onto the one mode D
currently favours; it needs second derivatives, so each unrolled step is a
functional update of parameter tensors built with ``create_graph=True``.
K = 0 is the plain GAN. The unrolled steps are SGD or the Adam update of D's
own optimizer continued from its current moments (as the authors' code does).

The discriminator's real update is the plain GAN step (Algorithm 1), taken
first; the generator then unrolls K steps from the updated D on one batch.

Defaults follow the paper's 2-D mixture experiment: ReLU MLPs of 128 units,
Adam (beta1 = 0.5), batch 512, K = 5, the minimax value function.
"""
from .. import autograd
from ..ops.elementwise import sqrt
from ..tensor import Tensor
from .base import descend
from .gan import GAN, TOY_DATA
from .networks import functional_call

UNROLL_OPTIMIZERS = ("sgd", "adam")


class UnrolledGAN(GAN):
    """Metz et al. 2017: the generator's loss against D unrolled K steps ahead."""

    name = "unrolled"
    paper = ("L. Metz, B. Poole, D. Pfau, J. Sohl-Dickstein. Unrolled Generative Adversarial "
             "Networks. ICLR 2017.")
    defaults = {**GAN.defaults,
                "loss": "minimax",
                "batch_size": 512,
                "g_hidden": (128, 128),
                "d_hidden": (128, 128),
                "lr": 1e-4,
                "unroll_steps": 5,                  # K
                "unroll_optimizer": "adam",         # sgd | adam
                "unroll_lr": None}                  # eta of the unrolled steps (None: D's lr)
    supported_data = TOY_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        if self.config["unroll_optimizer"] not in UNROLL_OPTIMIZERS:
            raise ValueError(f"unrolled: unknown unroll_optimizer "
                             f"{self.config['unroll_optimizer']!r}; use one of {UNROLL_OPTIMIZERS}")

    def train_step(self, sample_real):
        for _ in range(self.config["k"]):
            d_loss, real_out, fake_out, d_norm = self.discriminator_step(sample_real)
        m, unrolling = self.config["batch_size"], self.config["unroll_steps"] > 0
        x = sample_real(m) if unrolling else None          # K = 0 needs no real batch
        g_loss = self.unrolled_generator_loss(x, self.sample_z(m))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        return self.report(d_loss, g_loss, real_out, fake_out, d_norm, g_norm)

    def d_out(self, theta, x):
        """D's raw outputs on x computed with the parameter tensors ``theta`` (name -> Tensor)."""
        return functional_call(self.discriminator, theta, x).reshape(-1)

    def unrolled_generator_loss(self, x, z):
        """f_K: the generator cost against theta_D^K, differentiable in theta_G through each step."""
        theta = dict(self.discriminator.named_parameters())
        fake = self.generator(z)
        update = self.unrolled_update()
        for _ in range(self.config["unroll_steps"]):
            d_loss = self.loss.discriminator(self.d_out(theta, x), self.d_out(theta, fake))
            grads = autograd.grad(d_loss, list(theta.values()), create_graph=True)
            theta = update(theta, dict(zip(theta, grads)))
        return self.loss.generator(self.d_out(theta, fake))

    def unrolled_update(self):
        """A function (theta, grads) -> theta' taking one functional step down D's loss."""
        cfg = self.config
        lr = cfg["lr"] if cfg["unroll_lr"] is None else cfg["unroll_lr"]
        if cfg["unroll_optimizer"] == "sgd":
            return lambda theta, grads: sgd_step(theta, grads, lr)
        return AdamUnroller(self.discriminator, self.opt_d, lr)


def sgd_step(theta, grads, lr):
    """theta' = theta - lr * grad, for every named tensor."""
    return {name: theta[name] - lr * grads[name] for name in theta}


class AdamUnroller:
    """Adam steps as differentiable tensor ops, continuing from a real Adam's moments.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    theta' = theta - lr / (1 - b1^t) * m / sqrt(v / (1 - b2^t) + eps^2).
    (eps enters under the square root so the derivative stays finite where v = 0.)
    """

    def __init__(self, network, optimizer, lr):
        group = optimizer.param_groups[0]
        self.lr, (self.b1, self.b2), self.eps = lr, group["betas"], group["eps"]
        self.moments, self.step = {}, 0
        for name, p in network.named_parameters():
            state = optimizer.state.get(id(p), {})
            self.step = state.get("step", 0)
            zeros = p.data * 0
            self.moments[name] = (Tensor(state.get("exp_avg", zeros).copy()),
                                  Tensor(state.get("exp_avg_sq", zeros).copy()))

    def __call__(self, theta, grads):
        self.step += 1
        t, b1, b2 = self.step, self.b1, self.b2
        new_theta = {}
        for name, p in theta.items():
            g = grads[name]
            m, v = self.moments[name]
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            self.moments[name] = (m, v)
            denom = sqrt(v / (1 - b2 ** t) + self.eps ** 2)
            new_theta[name] = p - self.lr / (1 - b1 ** t) * m / denom
        return new_theta
