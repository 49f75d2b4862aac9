"""Discriminator rejection sampling: Azadi, Olsson, Darrell, Goodfellow, Odena,
"Discriminator Rejection Sampling", ICLR 2019.

A trained G is rarely exact: on mixtures of Gaussians it leaves thin
"bridges" of samples between modes, and its modes are not all equally heavy.
The discriminator knows where. For a fixed G the optimal discriminator is
(Goodfellow et al. 2014, Proposition 1; seeds 004 eq. 3)

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),   so its logit is   d*(x) = log p_data(x) / p_g(x).

Rejection sampling with G as the proposal and M >= max p_data / p_g accepts a
sample x ~ p_g with probability p_data(x) / (M p_g(x)) = exp(d*(x) - d_max), and
the accepted samples follow p_data exactly. In practice d is a discriminator
trained on single samples against the fixed G (``fit_density_ratio``), and
d_max is the largest logit seen so far. The paper's acceptance rule (its
Section 3.2) adds a shift gamma:

    F(x) = d(x) - d_max - log(1 - exp(d(x) - d_max - eps)) - gamma,   accept if sigmoid(F(x)) > u,

with u ~ U(0, 1). With gamma = 0 and eps -> 0, sigmoid(F(x)) = exp(d(x) - d_max): plain
rejection sampling. gamma > 0 rejects more (keeps only the most convincing
samples), gamma < 0 accepts more.

The discriminator here is a new one, not the GAN's own: that D judged the
G of a moment ago (and PacGAN's D judges packs of samples, not samples).
On low-dimensional data it can first embed its input in random Fourier
features (``fourier_scales``; ``nn.FourierFeatures``). Without them, on a
ring whose modes have std 0.01, a ReLU MLP's logit for samples 5 to 10 std
from every mode (G's "bridges") had the same median as for samples inside
the modes (-1.3 against -1.0), so rejection could not single them out; with
scales (1, 10, 30) the bridges' median fell to -10, far below the modes' -2.
"""
import numpy as np

from .. import autograd, nn, optim
from ..backend import manual_seed
from ..tensor import tensor
from .losses import discriminator_cross_entropy
from .networks import mlp


def fit_density_ratio(sample_real, sample_fake, data_shape, hidden=(128, 128, 128), steps=2000,
                      batch_size=512, lr=1e-3, seed=0, device="cpu", fourier_scales=None,
                      fourier_features=64, network=None):
    """Train a discriminator d on single samples against a fixed generator; return ``d`` as a
    function from a NumPy batch to NumPy logits, d(x) ~ log p_data(x) / p_g(x).

    ``sample_real(m)`` and ``sample_fake(m)`` return m samples (arrays or Tensors) of
    ``data_shape``. Each of ``steps`` Adam steps descends the cross-entropy of Algorithm 1's
    discriminator, E softplus(-d(x)) + E softplus(d(G(z))), whose minimiser is D*.
    With ``fourier_scales`` (vector data only), d is an MLP on
    ``nn.FourierFeatures(scales=fourier_scales)`` of x standardised by the mean and std of
    a batch of real samples. ``network``, a Module from a batch of ``data_shape`` samples to
    one logit each (such as a small convolutional net for images), replaces the MLP; it is
    trained in place.
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(f"fit_density_ratio: needs steps >= 1 and batch_size >= 1, got steps="
                         f"{steps}, batch_size={batch_size}")
    if network is not None and fourier_scales is not None:
        raise ValueError("fit_density_ratio: give either network or fourier_scales, not both")
    manual_seed(seed)
    if network is None:
        network = mlp(data_shape, hidden, 1, "relu", device)
    elif not isinstance(network, nn.Module):
        raise TypeError(f"fit_density_ratio: network must be a tinygan.nn.Module, got "
                        f"{type(network).__name__}")
    if fourier_scales is not None:
        if len(tuple(data_shape)) != 1:
            raise ValueError(f"fit_density_ratio: fourier_scales needs vector samples, got "
                             f"data_shape {tuple(data_shape)}")
        real = _as_array(sample_real(batch_size)).astype(np.float64)
        features = nn.FourierFeatures(data_shape[0], fourier_scales, fourier_features,
                                      shift=real.mean(0), scale=real.std(0) + 1e-12, seed=seed,
                                      device=device)
        network = nn.Sequential(features, mlp((features.out_features,), hidden, 1, "relu",
                                              device))
    optimizer = optim.Adam(network.parameters(), lr=lr, betas=(0.5, 0.999))
    params = list(network.parameters())
    dtype = params[0].dtype

    def batch(x):
        return tensor(_as_array(x).astype(dtype, copy=False), device=device)
    for _ in range(steps):
        real, fake = batch(sample_real(batch_size)), batch(sample_fake(batch_size))
        loss = discriminator_cross_entropy(network(real).reshape(-1), network(fake).reshape(-1))
        for p, g in zip(params, autograd.grad(loss, params)):
            p.grad = g
        optimizer.step()

    def logit(x):
        with autograd.no_grad():
            out = network(batch(x)).reshape(-1).numpy()
        return np.asarray(out, dtype=np.float64)
    return logit


def acceptance_probability(logits, logit_max, gamma=0.0, eps=1e-6):
    """sigmoid(F(x)) with F(x) = d(x) - d_max - log(1 - exp(d(x) - d_max - eps)) - gamma
    (Azadi et al. 2019, Section 3.2); equals exp(d(x) - d_max) when gamma = 0 and eps -> 0."""
    a = np.minimum(np.asarray(logits, dtype=np.float64) - logit_max, 0.0)
    f = a - np.log(-np.expm1(a - eps)) - gamma
    return 0.5 * (1.0 + np.tanh(0.5 * f))        # sigmoid, without overflow


class RejectionSampler:
    """Samples of ``generate`` kept with the discriminator's acceptance probability.

    ``generate(n)`` returns n samples (array or Tensor); ``logit`` maps a batch
    to d(x) ~ log p_data(x) / p_g(x) (``fit_density_ratio``). By default
    (``max_quantile=None``) d_max starts as the largest logit of ``burn_in``
    samples and rises whenever a larger one is seen, as in the paper.

    ``max_quantile`` = q in (0, 100] sets d_max to the q-th percentile of the
    burn-in logits instead, held fixed; samples above it are always kept. A
    ReLU discriminator grows linearly away from the data, so a single stray
    sample can put the largest logit far above all others and make almost
    every sample rejected; a high percentile (99, say) ignores such outliers,
    at the price of keeping the top 1 - q/100 of G's samples uncorrected.
    """

    def __init__(self, generate, logit, gamma=0.0, eps=1e-6, burn_in=10000, batch=2000,
                 max_quantile=None):
        if burn_in < 1 or batch < 1:
            raise ValueError(f"RejectionSampler: needs burn_in >= 1 and batch >= 1, got "
                             f"burn_in={burn_in}, batch={batch}")
        if max_quantile is not None and not 0 < max_quantile <= 100:
            raise ValueError(f"RejectionSampler: max_quantile must lie in (0, 100], got "
                             f"{max_quantile}")
        self.generate, self.logit = generate, logit
        self.gamma, self.eps, self.batch = float(gamma), float(eps), int(batch)
        self.max_quantile = max_quantile
        burn_in_logits = np.concatenate([
            self.logit(_as_array(self.generate(min(burn_in, batch))))
            for _ in range(-(-burn_in // batch))])
        self.logit_max = float(burn_in_logits.max() if max_quantile is None
                               else np.percentile(burn_in_logits, max_quantile))
        self.proposed = self.accepted = 0

    def sample(self, n, rng=None, max_proposals=10_000_000):
        """n accepted samples as a NumPy array; ``rng`` draws the uniforms u."""
        if n < 0:
            raise ValueError(f"RejectionSampler.sample: n must be >= 0, got {n}")
        rng = np.random.default_rng() if rng is None else rng
        kept, count, proposed = [], 0, 0
        while count < n:
            if proposed >= max_proposals:
                raise RuntimeError(f"RejectionSampler.sample: accepted only {count} of {n} "
                                   f"samples in {proposed} proposals (acceptance rate "
                                   f"{count / proposed:.2e}); lower gamma")
            x = _as_array(self.generate(self.batch))
            logits = self.logit(x)
            if self.max_quantile is None:
                self.logit_max = max(self.logit_max, float(logits.max()))
            keep = rng.random(len(x)) < acceptance_probability(logits, self.logit_max,
                                                               self.gamma, self.eps)
            kept.append(x[keep])
            count, proposed = count + int(keep.sum()), proposed + len(x)
            self.accepted, self.proposed = self.accepted + int(keep.sum()), self.proposed + len(x)
        return np.concatenate(kept)[:n]

    @property
    def acceptance_rate(self):
        """Accepted / proposed samples over all calls of ``sample``."""
        return self.accepted / max(self.proposed, 1)


def _as_array(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)
