"""Adversarial losses as small functions of the discriminator's raw outputs.

Every function takes the discriminator's raw output ``d`` (a logit for the
cross-entropy family, a score for the others) on real and/or generated
samples and returns a scalar to *descend*. The cross-entropy family uses
D(x) = sigma(d), log D = -softplus(-d) and log(1 - D) = -softplus(d), so
|d| = 100 neither overflows nor gives log 0.

Cross-entropy family (Goodfellow et al. 2014; seeds 002 eq. 1, 003):
    discriminator  -[E log D(x) + E log(1 - D(G(z)))]        (minus V, eq. 1)
    minimax        E log(1 - D(G(z)))                         (Algorithm 1)
    non-saturating -E log D(G(z))                             (the "practical aside")
    max-likelihood -1/2 E exp(sigma^-1(D(G(z)))) = -1/2 E exp(d)
Least squares (Mao et al. 2017, eq. 2), codes a (fake), b (real), c (G's target):
    discriminator  1/2 E (D(x) - b)^2 + 1/2 E (D(G(z)) - a)^2
    generator      1/2 E (D(G(z)) - c)^2
Hinge (Lim & Ye 2017; SAGAN, BigGAN; seeds 004 eqs. 26-27 with h(t) = max(0, 1 - t)):
    discriminator  E max(0, 1 - D(x)) + E max(0, 1 + D(G(z)))
    generator      -E D(G(z))
Wasserstein (Arjovsky et al. 2017; seeds 004 eqs. 14-15):
    critic         E f(G(z)) - E f(x)
    generator      -E f(G(z))
"""
from dataclasses import dataclass
from typing import Callable

from .. import functional as F


# ------------------------------------------------------------- cross-entropy family

def discriminator_cross_entropy(real, fake):
    """-V(D, G) = -E log sigma(d(x)) - E log(1 - sigma(d(G(z))))
               = E softplus(-d_real) + E softplus(d_fake)."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def generator_minimax(fake):
    """E log(1 - D(G(z))) = -E softplus(d_fake): Algorithm 1's cost, which saturates when D wins."""
    return -F.softplus(fake).mean()


def generator_non_saturating(fake):
    """-E log D(G(z)) = E softplus(-d_fake): large gradients while G's samples are bad."""
    return F.softplus(-fake).mean()


def generator_maximum_likelihood(fake):
    """J(G) = -1/2 E exp(sigma^-1(D(G(z)))) = -1/2 E exp(d_fake) (seeds 003).

    With an optimal D, exp(d) = p_data / p_g, so the gradient is that of KL(p_data || p_g).
    The value is exp(d) itself: it exceeds float32's range for d > 88.
    """
    return -0.5 * fake.exp().mean()


# ------------------------------------------------------------- least squares

def discriminator_least_squares(real, fake, a=0.0, b=1.0):
    """1/2 E (D(x) - b)^2 + 1/2 E (D(G(z)) - a)^2 (LSGAN, eq. 2)."""
    return 0.5 * ((real - b) ** 2).mean() + 0.5 * ((fake - a) ** 2).mean()


def generator_least_squares(fake, c=1.0):
    """1/2 E (D(G(z)) - c)^2 (LSGAN, eq. 2)."""
    return 0.5 * ((fake - c) ** 2).mean()


# ------------------------------------------------------------- hinge

def discriminator_hinge(real, fake):
    """E max(0, 1 - D(x)) + E max(0, 1 + D(G(z)))."""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def generator_hinge(fake):
    """-E D(G(z))."""
    return -fake.mean()


# ------------------------------------------------------------- Wasserstein

def critic_wasserstein(real, fake):
    """E f(G(z)) - E f(x): minus the critic's estimate of W1 (seeds 004 eq. 14)."""
    return fake.mean() - real.mean()


def generator_wasserstein(fake):
    """-E f(G(z)) (seeds 004 eq. 15)."""
    return -fake.mean()


# ------------------------------------------------------------- named pairs

@dataclass(frozen=True)
class AdversarialLoss:
    """A discriminator loss and a generator loss that are trained together.

    ``logits``: the discriminator's output is a logit, so D(x) = sigmoid(output).
    """
    discriminator: Callable
    generator: Callable
    logits: bool


LOSSES = {
    "minimax": AdversarialLoss(discriminator_cross_entropy, generator_minimax, True),
    "non-saturating": AdversarialLoss(discriminator_cross_entropy, generator_non_saturating, True),
    "maximum-likelihood": AdversarialLoss(discriminator_cross_entropy,
                                          generator_maximum_likelihood, True),
    "least-squares": AdversarialLoss(discriminator_least_squares, generator_least_squares, False),
    "hinge": AdversarialLoss(discriminator_hinge, generator_hinge, False),
    "wasserstein": AdversarialLoss(critic_wasserstein, generator_wasserstein, False),
}


def get_loss(name):
    """The AdversarialLoss called ``name``; a ValueError lists the known names."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(LOSSES)}")
    return LOSSES[name]
