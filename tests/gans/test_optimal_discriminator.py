"""Goodfellow et al. 2014, Proposition 1 and Theorem 1, checked by training.

For a fixed G, the discriminator that maximises V is D*(x) = p_data / (p_data + p_g)
(seeds 004 eq. 3), and V(D*, G) = -log 4 + 2 JSD(p_data || p_g) (seeds 004 eq. 5).
"""
import numpy as np

import tinygan as tg
from tinygan.gans import GAN
from tinygan.train import real_sampler

from tests.gans.helpers import Gaussian

DATA_MEAN, DATA_STD = 0.0, 1.0
G_MEAN, G_STD = 1.5, 0.7


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def trained_discriminator(steps=800):
    """A GAN whose generator is fixed to G(z) = G_MEAN + G_STD z, z ~ N(0, 1); only D trains."""
    tg.manual_seed(0)
    gan = GAN((1,), {"z_dim": 1, "g_hidden": (), "d_hidden": (32, 32), "activation": "tanh",
                     "batch_size": 512, "lr": 3e-3, "betas": (0.9, 0.999)})
    gan.generator[0].weight.data[...] = G_STD
    gan.generator[0].bias.data[...] = G_MEAN
    sample_real = real_sampler(Gaussian(DATA_MEAN, DATA_STD), (1,), rng=np.random.default_rng(0))
    for _ in range(steps):
        gan.discriminator_step(sample_real)
    return gan


def test_learned_discriminator_is_optimal_and_v_is_twice_the_jsd_minus_log4():
    gan = trained_discriminator()
    x = np.linspace(-6, 7, 4001)
    p_data, p_g = normal_pdf(x, DATA_MEAN, DATA_STD), normal_pdf(x, G_MEAN, G_STD)
    d_star = p_data / (p_data + p_g)
    with tg.no_grad():
        logit = gan.discriminate(tg.tensor(x[:, None], dtype=np.float32)).numpy().astype(np.float64)
    d = 1 / (1 + np.exp(-logit))

    where_mass = (p_data + p_g) / 2 > 0.02
    assert np.abs(d - d_star)[where_mass].max() < 0.05

    dx = x[1] - x[0]
    m = (p_data + p_g) / 2
    jsd = 0.5 * np.sum(p_data * np.log(p_data / m) + p_g * np.log(p_g / m)) * dx
    # V(D, G) exactly, with log D = -softplus(-logit) and log(1 - D) = -softplus(logit)
    value = -np.sum(p_data * np.logaddexp(0, -logit) + p_g * np.logaddexp(0, logit)) * dx
    # log D* = log(p_data / 2m), log(1 - D*) = log(p_g / 2m): no 1 - 1 in the tails
    value_star = np.sum(p_data * np.log(p_data / (2 * m)) + p_g * np.log(p_g / (2 * m))) * dx
    assert abs(value_star - (2 * jsd - 2 * np.log(2))) < 1e-6             # Theorem 1 itself
    assert abs(value - (2 * jsd - 2 * np.log(2))) < 1e-2          # the trained D reaches it
