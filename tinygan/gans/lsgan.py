"""Least Squares GAN: Mao, Li, Xie, Lau, Wang, Smolley, "Least Squares
Generative Adversarial Networks", ICCV 2017.

The sigmoid cross-entropy of the original GAN saturates for generated
samples that lie on the correct side of the decision boundary but far from
the data; a least-squares loss keeps penalising them (eq. 2):

    min_D 1/2 E_x (D(x) - b)^2 + 1/2 E_z (D(G(z)) - a)^2,
    min_G 1/2 E_z (D(G(z)) - c)^2,

with D's output used raw (no sigmoid). ``codes = (a, b, c)``: (0, 1, 1) makes
G want D to output "real" (the paper's 0-1 coding); (-1, 1, 0) is the coding
under which the objective minimises the Pearson chi^2 divergence between
p_data + p_g and 2 p_g. The training loop is Algorithm 1 of the GAN variant.
Defaults: Adam lr 2e-4, beta1 = 0.5 (the paper's), codes (0, 1, 1).
"""
import functools

from .gan import GAN, TOY_DATA
from .losses import AdversarialLoss, discriminator_least_squares, generator_least_squares


class LSGAN(GAN):
    """Mao et al. 2017: Algorithm 1 with least-squares losses."""

    name = "lsgan"
    paper = ("X. Mao, Q. Li, H. Xie, R. Y. K. Lau, Z. Wang, S. P. Smolley. Least Squares "
             "Generative Adversarial Networks. ICCV 2017.")
    defaults = {**GAN.defaults, "loss": "least-squares", "codes": (0.0, 1.0, 1.0), "lr": 2e-4}
    supported_data = TOY_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        a, b, c = self.config["codes"]
        if self.config["loss"] == "least-squares":
            self.loss = AdversarialLoss(
                functools.partial(discriminator_least_squares, a=a, b=b),
                functools.partial(generator_least_squares, c=c), logits=False)
