"""The original GAN: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.

D and G play the two-player game with value function (seeds 002 eq. 1)

    min_G max_D V(D, G) = E_{x ~ p_data} log D(x) + E_{z ~ p_z} log(1 - D(G(z))),

trained by Algorithm 1 (seeds 002, 000 eqs. 2-3):

    for each training iteration:
        for k steps:
            sample m noise samples z and m examples x
            ascend  grad_theta_d 1/m sum [log D(x_i) + log(1 - D(G(z_i)))]
        sample m noise samples z
        descend grad_theta_g 1/m sum log(1 - D(G(z_i)))          (``loss="minimax"``)

The generator cost is selectable (seeds 003): ``"minimax"`` as above, which
saturates when D rejects G's samples; ``"non-saturating"``, descend
-log D(G(z)), the "practical aside" of seeds 001 that the paper itself uses in
practice; ``"maximum-likelihood"``, J(G) = -1/2 E exp(sigma^-1(D(G(z)))). The
same loop also trains with the least-squares and hinge losses (``losses.py``).
All losses are computed from D's logits (softplus, never log of a sigmoid).

Optional experience replay (``replay_size > 0``, seeds 001): D's fake batch
mixes ``replay_fraction`` samples from a buffer of G's past samples.

Two later stabilisers, both off by default: the R1 penalty (Mescheder,
Geiger, Nowozin, ICML 2018, eq. 9), added to D's loss at every D step,

    R1 = gamma / 2 * E_x ||grad_x D(x)||^2     (on real samples, ``r1_gamma``),

which keeps D flat on the data so that the game converges instead of
circling; and sampling from a running average of G's weights
(``ema_half_life`` in samples; Yazici et al., "The Unusual Effectiveness of
Averaging in GAN Training", ICLR 2019), which smooths away the jitter of
G's last optimizer steps.

Defaults: k = 1 and the non-saturating cost are the paper's; the paper used
SGD with momentum on MNIST/TFD, so the networks and optimizer are those of
the 2-D mixture experiments that later papers run GANs on (ReLU MLPs, Adam
with beta1 = 0.5, as in Radford et al. 2016 and Metz et al. 2017). Set
``optimizer="sgd", momentum=0.5`` for the paper's rule.
"""
from .. import autograd
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .losses import get_loss
from .networks import mlp
from .penalties import r1_penalty
from .replay import KeepsReplay, replay_buffer

TOY_DATA = ("ring8", "grid25", "gauss1d", "swissroll")


class GAN(KeepsReplay, KeepsAverage, Variant):
    """Goodfellow et al. 2014, Algorithm 1, with a selectable generator cost."""

    name = "gan"
    paper = ("I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, S. Ozair, "
             "A. Courville, Y. Bengio. Generative Adversarial Nets. NeurIPS 2014.")
    defaults = dict(
        loss="non-saturating",      # minimax | non-saturating | maximum-likelihood |
                                    # least-squares | hinge
        k=1,                        # discriminator steps per generator step
        batch_size=256,             # m
        z_dim=16,
        noise="normal",             # p_z: normal | uniform (on [-1, 1])
        g_hidden=(128, 128, 128),
        d_hidden=(128, 128, 128),
        activation="relu",          # D's hidden layers (G: ReLU)
        optimizer="adam",
        lr=1e-3,
        betas=(0.5, 0.999),
        momentum=0.0,               # for optimizer="sgd"
        replay_size=0,              # experience replay buffer (0: off)
        replay_fraction=0.5,
        r1_gamma=0.0,               # R1 penalty on D's gradient at real samples (0: off)
        ema_half_life=None,         # samples; sample() uses G's running average (None: off)
    )
    supported_data = TOY_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg = self.config
        self.loss = get_loss(cfg["loss"])
        self.generator = mlp(cfg["z_dim"], cfg["g_hidden"], self.data_shape, "relu", device)
        self.discriminator = self.build_discriminator()
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)
        self.replay = replay_buffer(cfg["replay_size"], cfg["replay_fraction"])
        self.average = weight_average(self.generator, cfg["ema_half_life"])

    def build_discriminator(self):
        """D: an MLP from one sample to one logit."""
        cfg = self.config
        return mlp(self.data_shape, cfg["d_hidden"], 1, cfg["activation"], self.device)

    # ------------------------------------------------------------ Algorithm 1
    def samples_per_batch(self):
        """How many real (and generated) samples one minibatch of D holds: m."""
        return self.config["batch_size"]

    def discriminator_step(self, sample_real):
        """Sample x and z, ascend V (descend the discriminator loss) once."""
        m = self.samples_per_batch()
        x = sample_real(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m))
        fake = self.replayed(fake)
        real_out, fake_out = self.discriminate(x), self.discriminate(fake)
        loss = self.loss.discriminator(real_out, fake_out)
        if self.config["r1_gamma"]:
            loss = loss + r1_penalty(self.discriminate, x, self.config["r1_gamma"])
        norm = descend(loss, self.discriminator, self.opt_d)
        return loss, real_out, fake_out, norm

    def generator_loss(self, z):
        """The generator cost at the current D (the unrolled GAN replaces this)."""
        with frozen(self.discriminator):
            return self.loss.generator(self.discriminate(self.generator(z)))

    def train_step(self, sample_real):
        for _ in range(self.config["k"]):
            d_loss, real_out, fake_out, d_norm = self.discriminator_step(sample_real)
        m = self.samples_per_batch()
        g_loss = self.generator_loss(self.sample_z(m))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        return self.report(d_loss, g_loss, real_out, fake_out, d_norm, g_norm)

    def report(self, d_loss, g_loss, real_out, fake_out, d_norm, g_norm):
        """The metrics of one step: losses, mean D(x) and D(G(z)), gradient norms."""
        if self.loss.logits:
            real_out, fake_out = real_out.sigmoid(), fake_out.sigmoid()
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_out), "D(G(z))": mean_of(fake_out),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}
