"""AC-GAN: Odena, Olah, Shlens, "Conditional Image Synthesis with Auxiliary Classifier
GANs", ICML 2017.

G draws an image of a chosen class c, X_fake = G(c, z); instead of being
told the class as CGAN's D is, D outputs both a probability distribution
over sources, P(S | X), and one over classes, P(C | X) (seeds 001, "ACGAN").
The objective has two parts (seeds 001 eqs. 2-3):

    L_S = E[log P(S = real | X_real)] + E[log P(S = fake | X_fake)]          (2)
    L_C = E[log P(C = c | X_real)] + E[log P(C = c | X_fake)]                (3)

    D maximises L_S + L_C;  G maximises L_C - L_S.

D's two heads output logits: a source logit s with P(S = real | X) =
sigma(s), and class logits l with P(C | X) = softmax(l). Every log
probability is computed from logits (softplus and log-softmax inside
``cross_entropy``); no softmax is applied before the cross-entropy.

In G's objective only the fake-image terms depend on G. Maximising
-E log P(S = fake | X_fake) saturates when D rejects G's images, so, as
with every GAN in practice (seeds 001, the "practical aside"), G's default
cost replaces it by E log P(S = real | X_fake):

    "non-saturating" (default):  G descends -E log P(S = real | X_fake) - E log P(C = c | X_fake)
    "minimax" (eq. 2-3 as written): G descends E log P(S = fake | X_fake) - E log P(C = c | X_fake)

One iteration: sample (x, c) from the data, z and c' ~ U{0..K-1}; D
descends -(L_S + L_C); sample new z and c'; G descends its cost.

What eq. 3 leaves open: through its fake-image term, D learns to name G's
images by the class G was asked for, whatever digit they show, and G is
rewarded for making them easy to name, so D and G can settle on a
labelling of their own. In our 28x28 MNIST runs D classified G's images by
their requested class perfectly within a few hundred steps, while LeNet
read only 50% of the samples as the requested digit after 1,200 steps
(``demos/acgan_digits.py``). ``classify_fakes=False`` trains D's class
head on real images only (G still maximises E log P(C = c | X_fake)); the
same run then reached 77%.

Labels: ``needs_labels = True``; ``sample_real(m)`` returns ``(images,
labels)``. Defaults are the paper's optimiser (Adam, lr 2e-4, beta1 = 0.5,
minibatch 100) with DCGAN networks for small images and z ~ N(0, I)^100. G
receives the class as z * E(c), a learned embedding of c multiplying z
elementwise, so that no image can be drawn without z. With z and c on
separate paths (as ``cgan`` does), LeNet read only 20-30% of the samples as
the requested digit even after 3,000 steps, and with ``classify_fakes=False``
G drew one image per class, ignoring z.
"""
from .. import autograd, nn
from .. import functional as F
from .base import Variant, descend, frozen, mean_of
from .image_networks import (IMAGE_DATA, ClassConditionalSampling, body_features,
                             check_image_shape, dcgan_init_,
                             discriminator_body, generator_net, label_indices)

GENERATOR_COSTS = ("non-saturating", "minimax")


class ClassModulatedGenerator(nn.Module):
    """G(c, z) = generator_net(z * E(c)): a learned embedding of the class scales z elementwise."""

    def __init__(self, z_dim, n_classes, shape, width, device="cpu"):
        super().__init__()
        self.embed = nn.Embedding(n_classes, z_dim, device=device)
        self.net = generator_net(z_dim, shape, width, device)

    def forward(self, z, labels):
        return self.net(z * self.embed(labels))


class AuxiliaryClassifierDiscriminator(nn.Module):
    """D(x) -> (source logit (m,), class logits (m, K)) from one shared DCGAN body."""

    def __init__(self, shape, n_classes, width, device="cpu"):
        super().__init__()
        self.body = discriminator_body(shape, width, device)
        self.source = nn.Linear(body_features(shape, width), 1, device=device)
        self.classes = nn.Linear(body_features(shape, width), n_classes, device=device)

    def forward(self, x):
        h = self.body(x)
        return self.source(h).reshape(-1), self.classes(h)


# ------------------------------------------------------------------ losses (seeds 001 eqs. 2-3)

def source_log_likelihood(real_source, fake_source):
    """L_S = E log P(S = real | X_real) + E log P(S = fake | X_fake) (eq. 2), from source logits:
    log sigma(s) = -softplus(-s), log(1 - sigma(s)) = -softplus(s)."""
    return -(F.softplus(-real_source).mean() + F.softplus(fake_source).mean())


def class_log_likelihood(real_classes, real_labels, fake_classes, fake_labels):
    """L_C = E log P(C = c | X_real) + E log P(C = c | X_fake) (eq. 3), from class logits:
    log P(C = c | X) = log softmax(l)_c = -cross_entropy(l, c)."""
    return -(F.cross_entropy(real_classes, real_labels)
             + F.cross_entropy(fake_classes, fake_labels))


def discriminator_loss(real_source, fake_source, real_classes, real_labels, fake_classes,
                       fake_labels, classify_fakes=True):
    """-(L_S + L_C): what D descends to maximise L_S + L_C.

    With ``classify_fakes=False``, L_C keeps only its real-image term
    E log P(C = c | X_real) (not the paper's eq. 3; see the module notes).
    """
    if classify_fakes:
        class_term = class_log_likelihood(real_classes, real_labels, fake_classes, fake_labels)
    else:
        class_term = -F.cross_entropy(real_classes, real_labels)
    return -(source_log_likelihood(real_source, fake_source) + class_term)


def generator_loss(fake_source, fake_classes, fake_labels, cost="non-saturating"):
    """G's cost from D's logits on X_fake = G(c, z), the G-dependent part of -(L_C - L_S).

    "minimax":        E log P(S = fake | X_fake) - E log P(C = c | X_fake)
    "non-saturating": -E log P(S = real | X_fake) - E log P(C = c | X_fake)
    """
    class_term = F.cross_entropy(fake_classes, fake_labels)         # -E log P(C = c | X_fake)
    if cost == "minimax":
        return -F.softplus(fake_source).mean() + class_term
    if cost == "non-saturating":
        return F.softplus(-fake_source).mean() + class_term
    raise ValueError(f"acgan: unknown generator cost {cost!r}; use one of {GENERATOR_COSTS}")


# ------------------------------------------------------------------ the variant

class ACGAN(ClassConditionalSampling, Variant):
    """Odena et al. 2017: D outputs source and class; D maximises L_S + L_C, G L_C - L_S."""

    name = "acgan"
    paper = ("A. Odena, C. Olah, J. Shlens. Conditional Image Synthesis with Auxiliary "
             "Classifier GANs. ICML 2017.")
    needs_labels = True     # sample_real(m) returns (images, integer labels)
    defaults = dict(
        batch_size=100,
        z_dim=100,
        noise="normal",
        n_classes=10,
        width=64,                   # DCGAN width (ours)
        generator_cost="non-saturating",
        classify_fakes=True,        # D's L_C includes X_fake, as eq. 3
        lr=2e-4,
        betas=(0.5, 0.999),
        init_std=0.02,
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        if cfg["generator_cost"] not in GENERATOR_COSTS:
            raise ValueError(f"acgan: unknown generator cost {cfg['generator_cost']!r}; use one "
                             f"of {GENERATOR_COSTS}")
        self.generator = dcgan_init_(ClassModulatedGenerator(
            cfg["z_dim"], cfg["n_classes"], shape, cfg["width"], device), cfg["init_std"])
        self.discriminator = dcgan_init_(AuxiliaryClassifierDiscriminator(
            shape, cfg["n_classes"], cfg["width"], device), cfg["init_std"])
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)

    def discriminate(self, x):
        """D's source logits (m,) on a batch of images (the class head is left out)."""
        return self.discriminator(x)[0]

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x, c = sample_real(m)
        c = label_indices(c, self.config["n_classes"], self.device)
        c_fake = self.sample_labels(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m), c_fake)
        real_source, real_classes = self.discriminator(x)
        fake_source, fake_classes = self.discriminator(fake)
        d_loss = discriminator_loss(real_source, fake_source, real_classes, c, fake_classes, c_fake,
                                    self.config["classify_fakes"])
        d_norm = descend(d_loss, self.discriminator, self.opt_d)
        accuracy = {"accuracy/real": _accuracy(real_classes, c),
                    "accuracy/fake": _accuracy(fake_classes, c_fake)}

        c_fake = self.sample_labels(m)
        with frozen(self.discriminator):
            source, classes = self.discriminator(self.generator(self.sample_z(m), c_fake))
            g_loss = generator_loss(source, classes, c_fake, self.config["generator_cost"])
        g_norm = descend(g_loss, self.generator, self.opt_g)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_source.sigmoid()), "D(G(z))": mean_of(fake_source.sigmoid()),
                **accuracy, "grad_norm/D": d_norm, "grad_norm/G": g_norm}


def _accuracy(class_logits, labels):
    """The fraction of rows whose arg-max class is the label."""
    return float((class_logits.data.argmax(axis=1) == labels).mean())
