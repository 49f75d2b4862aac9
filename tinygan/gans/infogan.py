"""InfoGAN: Chen, Duan, Houthooft, Schulman, Sutskever, Abbeel, "InfoGAN: Interpretable
Representation Learning by Information Maximizing Generative Adversarial Nets", NeurIPS 2016.

The latent vector is split into incompressible noise z and a latent code c
(seeds 004 §5.1); G(z, c) should keep c readable in its output, so a network
Q, which shares D's convolutional body and adds a small head, predicts c
from the image. Keeping c readable means a high mutual information
I(c; G(z, c)); it is bounded from below by (the paper's variational bound)

    L_I(G, Q) = E_{c ~ P(c), x ~ G(z, c)} [log Q(c | x)] + H(c)  <=  I(c; G(z, c)),

and the game becomes

    min_{G, Q} max_D  V_InfoGAN(D, G, Q) = V(D, G) - lambda L_I(G, Q),

with V the GAN value function (seeds 002 eq. 1). For MNIST the code is one
categorical c1 ~ Cat(K = 10, p = 0.1) (the paper finds it picks the digit)
and two continuous c2, c3 ~ U(-1, 1) (rotation/slant and width). Q outputs
logits for c1 and the means mu of a factored Gaussian with unit variance for
(c2, c3), so

    -E log Q(c | x) = E[ cross_entropy(logits, c1) ] + E[ sum_j (c_j - mu_j)^2 / 2 ] + log(2 pi)
                      (the constant log(2 pi) = 2 * 1/2 log(2 pi) is dropped from the loss),

and the categorical part alone gives the reported bound
L_I(cat) = log K - cross_entropy <= I(c1; G(z, c)) <= log K.

The paper's SVHN and CelebA models take several categorical codes (4 and 10,
each 10-way). With ``n_categorical`` = n codes, each independent and uniform
over K values, Q gives K logits per code, the cross-entropy term becomes the
sum over the codes, and L_I(cat) = n log K - sum_i cross_entropy_i. Stacked
MNIST (three digits, one per colour channel) takes n = 3.

One iteration (Q's parameters, on D's body, train in D's step):

    sample m real images x, noise z and codes c
    D and Q descend  -[E log D(x) + E log(1 - D(G(z, c)))] - lambda E log Q(c | G(z, c))
    sample new z and c
    G descends       -E log D(G(z, c)) - lambda E log Q(c | G(z, c))      (non-saturating)

Defaults are the paper's MNIST ones: z ~ U(-1, 1)^62, lambda = 1, Adam with
beta1 = 0.5, learning rate 2e-4 for D and 1e-3 for G, minibatch 128, and
the networks of its Table 1 (G: FC 1024 - FC 7x7x128 - up 64 - up 1;
D: conv 64 - conv 128 - FC 1024, then FC 1 for D and FC 128 - FC codes for Q;
batch norm and LeakyReLU(0.2) in D and Q, as DCGAN's; tanh output here
since our images lie in [-1, 1]). Off by default, as in DCGAN: samples from a
running average of G's weights (``ema_half_life``; Yazici et al. 2019).
"""
import math

import numpy

from .. import autograd, backend, nn
from .. import functional as F
from ..ops.shape import concatenate
from ..tensor import Tensor, rand
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .dcgan import discriminator_loss, generator_loss
from .image_networks import (IMAGE_DATA, body_features, check_image_shape, dcgan_init_,
                             dense_block, discriminator_body, generator_net, label_indices,
                             one_hot, random_labels)


class InfoDiscriminator(nn.Module):
    """D and Q on one body: x -> (D's logit (m,), Q's logits for the categorical codes
    (m, n_categorical K), code i's K logits at columns i K to (i + 1) K, Q's means for the
    continuous codes (m, n_continuous))."""

    def __init__(self, shape, width, hidden, q_hidden, n_categories, n_continuous, device="cpu",
                 n_categorical=1):
        super().__init__()
        self.n_logits = n_categorical * n_categories
        self.body = nn.Sequential(
            discriminator_body(shape, width, device),
            *dense_block(body_features(shape, width), hidden, nn.LeakyReLU(0.2), device))
        self.d_head = nn.Linear(hidden, 1, device=device)
        self.q_head = nn.Sequential(
            *dense_block(hidden, q_hidden, nn.LeakyReLU(0.2), device),
            nn.Linear(q_hidden, self.n_logits + n_continuous, device=device))

    def forward(self, x):
        h = self.body(x)
        q = self.q_head(h)
        k = self.n_logits
        return self.d_head(h).reshape(-1), q[:, :k], q[:, k:]


# ------------------------------------------------------------------ losses

def codes_and_count(categories):
    """(the categorical codes as an array, how many codes a sample has: 1 for shape (m,), n
    for (m, n))."""
    data = categories.data if isinstance(categories, Tensor) else categories
    data = data if hasattr(data, "ndim") else numpy.asarray(data)
    return data, 1 if data.ndim == 1 else data.shape[1]


def code_cross_entropy(category_logits, categories):
    """sum_i cross_entropy(logits of code i, c_i) over the categorical codes: categories (m,)
    for one code, or (m, n) for n codes with category_logits (m, n K), code i's K logits at
    columns i K to (i + 1) K. Each code's mean over the batch, summed over the codes."""
    categories, n = codes_and_count(categories)
    per_code = category_logits.reshape(category_logits.shape[0] * n, -1)
    return n * F.cross_entropy(per_code, categories.reshape(-1))


def information_loss(category_logits, categories, continuous_means, continuous_codes):
    """-E log Q(c | x) up to the constant (n_cont / 2) log(2 pi):
    sum_i cross_entropy(logits_i, c_i) + E sum_j (c_j - mu_j)^2 / 2 (unit-variance Gaussian
    for the continuous c_j); one cross-entropy per categorical code (``code_cross_entropy``).

    The logits go to ``cross_entropy`` as they are; it applies the log-softmax.
    """
    categorical = code_cross_entropy(category_logits, categories)
    diff = continuous_means - continuous_codes
    return categorical + 0.5 * (diff * diff).sum(axis=1).mean()


def categorical_information_bound(category_logits, categories, n_categories):
    """L_I for the categorical codes: H(c) + E log Q(c | x) = n log K - sum_i cross_entropy_i,
    as a float (<= n log K; one code: log K - cross_entropy)."""
    n = codes_and_count(categories)[1]
    return n * math.log(n_categories) - float(
        code_cross_entropy(category_logits, categories).item())


# ------------------------------------------------------------------ the variant

class InfoGAN(KeepsAverage, Variant):
    """Chen et al. 2016: a GAN whose latent code c is kept readable by Q (lambda L_I)."""

    name = "infogan"
    paper = ("X. Chen, Y. Duan, R. Houthooft, J. Schulman, I. Sutskever, P. Abbeel. InfoGAN: "
             "Interpretable Representation Learning by Information Maximizing Generative "
             "Adversarial Nets. NeurIPS 2016.")
    defaults = dict(
        batch_size=128,
        z_dim=62,                   # incompressible noise z
        noise="uniform",            # z ~ U(-1, 1)^z_dim
        n_categories=10,            # c1 ~ Cat(K, 1/K)
        n_categorical=1,            # how many such codes (the paper: 1 for MNIST, 4 for SVHN)
        n_continuous=2,             # c2, c3 ~ U(-1, 1)
        info_lambda=1.0,            # lambda
        width=64,                   # conv channels 64, 128
        g_hidden=1024,              # G's first fully connected layer
        d_hidden=1024,              # the fully connected layer D and Q share
        q_hidden=128,               # Q's own hidden layer
        lr_d=2e-4,
        lr_g=1e-3,
        betas=(0.5, 0.999),
        init_std=0.02,
        ema_half_life=None,         # images; sample() and generate() use G's running average
                                    # of weights (Yazici et al. 2019; None: off)
    )
    supported_data = IMAGE_DATA + ("stacked-mnist",)

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        if int(cfg["n_categorical"]) < 1:
            raise ValueError(f"infogan: n_categorical must be at least 1, got "
                             f"{cfg['n_categorical']}")
        latent = cfg["z_dim"] + cfg["n_categorical"] * cfg["n_categories"] + cfg["n_continuous"]
        self.generator = dcgan_init_(generator_net(latent, shape, cfg["width"], device,
                                                   hidden=cfg["g_hidden"]), cfg["init_std"])
        self.discriminator = dcgan_init_(InfoDiscriminator(
            shape, cfg["width"], cfg["d_hidden"], cfg["q_hidden"], cfg["n_categories"],
            cfg["n_continuous"], device, cfg["n_categorical"]), cfg["init_std"])
        self.opt_g = self.make_optimizer(self.generator, cfg["lr_g"])
        self.opt_d = self.make_optimizer(self.discriminator, cfg["lr_d"])
        self.average = weight_average(self.generator, cfg["ema_half_life"])

    # ------------------------------------------------------------ latent codes
    def sample_codes(self, m):
        """(categories, c_cont): each categorical code ~ Cat(K, 1/K), as ints (m,) for one code
        or (m, n_categorical) for several; c_cont (m, n_continuous) ~ U(-1, 1)."""
        cfg = self.config
        n = cfg["n_categorical"]
        categories = random_labels(m * n, cfg["n_categories"], self.device)
        if n > 1:
            categories = categories.reshape(m, n)
        continuous = rand(m, cfg["n_continuous"], device=self.device) * 2 - 1
        return categories, continuous

    def code_columns(self, categories):
        """The categorical codes as one int array (m,) per code, on the variant's device; a
        ValueError naming the expected shape for anything else."""
        n, k = self.config["n_categorical"], self.config["n_categories"]
        data, count = codes_and_count(categories)
        if n == 1:
            return [label_indices(data, k, self.device)]
        if data.ndim != 2 or count != n:
            raise ValueError(f"infogan: categories must have shape (m, {n}), one column per "
                             f"categorical code, got {tuple(data.shape)}")
        return [label_indices(data[:, i], k, self.device) for i in range(n)]

    def latent(self, z, categories, continuous):
        """G's input [z, one_hot(c1), ..., one_hot(cn), c_cont]
        (m, z_dim + n_categorical K + n_continuous)."""
        k = self.config["n_categories"]
        one_hots = [one_hot(column, k, z.dtype, self.device)
                    for column in self.code_columns(categories)]
        continuous = continuous if isinstance(continuous, Tensor) else Tensor(
            backend.xp_for(self.device).asarray(continuous, dtype=z.dtype))
        return concatenate([z, *one_hots, continuous], axis=1)

    def information_terms(self, images, categories, continuous):
        """(D's logits, -E log Q(c | x) up to its constant, L_I of the categorical codes) on
        generated images."""
        logits, category_logits, means = self.discriminator(images)
        loss = information_loss(category_logits, categories, means, continuous)
        bound = categorical_information_bound(category_logits, categories,
                                              self.config["n_categories"])
        return logits, loss, bound

    # ------------------------------------------------------------ the algorithm
    def discriminate(self, x):
        """D's logits (m,) on a batch of images (Q's outputs are left out)."""
        return self.discriminator(x)[0]

    def train_step(self, sample_real):
        m, lam = self.config["batch_size"], self.config["info_lambda"]
        x = sample_real(m)
        categories, continuous = self.sample_codes(m)
        with autograd.no_grad():
            fake = self.generator(self.latent(self.sample_z(m), categories, continuous))
        real_logits = self.discriminate(x)
        fake_logits, info_d, _ = self.information_terms(fake, categories, continuous)
        d_loss = discriminator_loss(real_logits, fake_logits) + lam * info_d
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        categories, continuous = self.sample_codes(m)
        with frozen(self.discriminator):
            fake = self.generator(self.latent(self.sample_z(m), categories, continuous))
            logits, info_g, bound = self.information_terms(fake, categories, continuous)
            g_loss = generator_loss(logits) + lam * info_g
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        n = self.config["n_categorical"]
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "loss/info": float(info_g.item()), "L_I(c1)" if n == 1 else f"L_I(c1..c{n})": bound,
                "D(x)": mean_of(real_logits.sigmoid()), "D(G(z))": mean_of(fake_logits.sigmoid()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}

    def generate(self, latent):
        """G(latent) for a latent from ``latent(z, categories, c_cont)``, without a graph (from
        G's running average of weights when it keeps one)."""
        with autograd.no_grad(), self.averaged_generator() as generator:
            return generator(latent)

    def sample(self, n, categories=None, continuous=None):
        """n images G(z, c) for given codes (random ones where None), without a graph.

        Chosen codes are generated in one batch with ``batch_size`` random
        companions (then dropped), so that G's batch norm normalises over a mix
        of codes as in training; in a batch of one code alone, batch norm would
        remove the code's contribution.
        """
        random_categories, random_continuous = self.sample_codes(n)
        chosen = categories is not None or continuous is not None
        categories = random_categories if categories is None else categories
        continuous = random_continuous if continuous is None else continuous
        latent = self.latent(self.sample_z(n), categories, continuous)
        if chosen:
            m = self.config["batch_size"]
            latent = concatenate([latent, self.latent(self.sample_z(m), *self.sample_codes(m))])
        return self.generate(latent)[:n]
