"""XGAN: Royer, Bousmalis, Gouws, Bertsch, Mosseri, Cole, Murphy, "XGAN: Unsupervised
Image-to-Image Translation for Many-to-Many Mappings", 2017 (seeds 001/004).

Two auto-encoders, one per domain, meet in a shared embedding space: each
encoder e_i has private first layers and shared last layers, each decoder
d_i shared first layers and private last layers. A translation is
g_{1->2} = d_2 o e_1. The objective (section 3) sums

    L_rec  = E ||x_1 - d_1(e_1(x_1))||^2 + E ||x_2 - d_2(e_2(x_2))||^2
    L_dann = the domain-adversarial loss: a classifier c tells e_1(x_1) (label 1)
             from e_2(x_2) (label 0) by descending its cross-entropy, the encoders
             ascend it, so both domains land on one embedding distribution
    L_sem  = E |e_1(x_1) - e_2(g_{1->2}(x_1))| + E |e_2(x_2) - e_1(g_{2->1}(x_2))|
             (semantic consistency: a translation keeps its embedding)
    L_gan  = -E log D_2(g_{1->2}(x_1)): a discriminator on domain 2 keeps
             translations realistic (the paper's GAN term, optional here)

as L = w_rec L_rec + w_dann (-L_c) + w_sem L_sem + w_gan L_gan for the
auto-encoders. One iteration: a step of c on its cross-entropy and of D_2 on
its own, then one step of both auto-encoders on L. The paper trains with
Adam, lr 1e-4; the weights and widths here are ours. Data: two unpaired
domains (``tinygan.data.domains``), ``sample_real(m)`` returning (x_1, x_2).
"""
from .. import autograd, nn
from .base import Variant, descend, frozen, mean_of
from .image_networks import IMAGE_DATA, body_features, check_image_shape, discriminator_body
from .losses import discriminator_cross_entropy, generator_non_saturating


class SharedAutoencoders(nn.Module):
    """e_i = shared_encoder o private_encoder_i, d_i = private_decoder_i o shared_decoder."""

    def __init__(self, shape, width, embed_dim, device="cpu"):
        super().__init__()
        c, h, w = shape
        quarter = (2 * width, h // 4, w // 4)
        self.private_encoder1, self.private_encoder2 = (nn.Sequential(
            nn.Conv2d(c, width, 4, 2, 1, device=device), nn.LeakyReLU(0.2)) for _ in range(2))
        self.shared_encoder = nn.Sequential(
            nn.Conv2d(width, 2 * width, 4, 2, 1, device=device), nn.LeakyReLU(0.2), nn.Flatten(),
            nn.Linear(body_features(shape, width), embed_dim, device=device))
        self.shared_decoder = nn.Sequential(
            nn.Linear(embed_dim, body_features(shape, width), device=device), nn.ReLU(),
            nn.Unflatten(*quarter), nn.ConvTranspose2d(2 * width, width, 4, 2, 1, device=device),
            nn.ReLU())
        self.private_decoder1, self.private_decoder2 = (nn.Sequential(
            nn.ConvTranspose2d(width, c, 4, 2, 1, device=device), nn.Tanh()) for _ in range(2))

    def encode(self, x, domain):
        """e_domain(x): the shared embedding of images of domain 1 or 2."""
        private = self.private_encoder1 if domain == 1 else self.private_encoder2
        return self.shared_encoder(private(x))

    def decode(self, z, domain):
        """d_domain(z): images of domain 1 or 2 from embeddings."""
        private = self.private_decoder1 if domain == 1 else self.private_decoder2
        return private(self.shared_decoder(z))


# ------------------------------------------------------------------ losses

def reconstruction_loss(x1, x1_rec, x2, x2_rec):
    """E ||x_1 - d_1(e_1(x_1))||^2 + E ||x_2 - d_2(e_2(x_2))||^2 (squared norms per image)."""
    def per_image(a, b):
        d = a - b
        return (d * d).reshape(d.shape[0], -1).sum(axis=1).mean()
    return per_image(x1, x1_rec) + per_image(x2, x2_rec)


def domain_classifier_loss(logits1, logits2):
    """-E log c(e_1(x_1)) - E log(1 - c(e_2(x_2))): the classifier's cross-entropy (L_dann)."""
    return discriminator_cross_entropy(logits1, logits2)


def semantic_consistency_loss(z1, z1_back, z2, z2_back):
    """E |e_1(x_1) - e_2(g_{1->2}(x_1))| + E |e_2(x_2) - e_1(g_{2->1}(x_2))| (L1 per embedding)."""
    def per_sample(a, b):
        return (a - b).abs().sum(axis=1).mean()
    return per_sample(z1, z1_back) + per_sample(z2, z2_back)


# ------------------------------------------------------------------ the variant

class XGAN(Variant):
    """Royer et al. 2017: shared-embedding auto-encoders, domain-adversarial and semantic losses."""

    name = "xgan"
    paper = ("A. Royer, K. Bousmalis, S. Gouws, F. Bertsch, I. Mosseri, F. Cole, K. Murphy. "
             "XGAN: Unsupervised Image-to-Image Translation for Many-to-Many Mappings. 2017.")
    paired_domains = True   # sample_real(m) returns (m images of domain 1, m of domain 2), unpaired
    defaults = dict(
        batch_size=32,
        embed_dim=32,
        width=16,
        lr=1e-4,
        betas=(0.5, 0.999),
        rec_weight=1.0,
        dann_weight=1.0,
        sem_weight=1.0,
        gan_weight=0.1,
        hidden=64,                  # the domain classifier's width
    )
    supported_data = tuple(f"{data}-{transform}" for data in IMAGE_DATA
                           for transform in ("invert", "thicken", "thin"))

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        self.autoencoders = SharedAutoencoders(shape, cfg["width"], cfg["embed_dim"], device)
        self.classifier = nn.Sequential(
            nn.Linear(cfg["embed_dim"], cfg["hidden"], device=device), nn.LeakyReLU(0.2),
            nn.Linear(cfg["hidden"], 1, device=device))
        self.discriminator = nn.Sequential(
            discriminator_body(shape, cfg["width"], device),
            nn.Linear(body_features(shape, cfg["width"]), 1, device=device))
        self.opt_ae, self.opt_c, self.opt_d = (self.make_optimizer(n) for n in (
            self.autoencoders, self.classifier, self.discriminator))

    def networks(self):
        return {"AE": self.autoencoders, "C": self.classifier, "D": self.discriminator}

    def optimizers(self):
        return {"AE": self.opt_ae, "C": self.opt_c, "D": self.opt_d}

    def autoencoder_losses(self, x1, x2):
        """{"rec", "dann", "sem", "gan"}: the auto-encoders' loss terms at fixed c and D_2."""
        ae = self.autoencoders
        z1, z2 = ae.encode(x1, 1), ae.encode(x2, 2)
        to2, to1 = ae.decode(z1, 2), ae.decode(z2, 1)
        return {"rec": reconstruction_loss(x1, ae.decode(z1, 1), x2, ae.decode(z2, 2)),
                "dann": -domain_classifier_loss(self.classifier(z1), self.classifier(z2)),
                "sem": semantic_consistency_loss(z1, ae.encode(to2, 2), z2, ae.encode(to1, 1)),
                "gan": generator_non_saturating(self.discriminator(to2).reshape(-1))}

    def train_step(self, sample_real):
        cfg = self.config
        x1, x2 = sample_real(cfg["batch_size"])
        with autograd.no_grad():
            z1, z2 = self.autoencoders.encode(x1, 1), self.autoencoders.encode(x2, 2)
            translated = self.autoencoders.decode(z1, 2)
        c_loss = domain_classifier_loss(self.classifier(z1), self.classifier(z2))
        c_norm = descend(c_loss, self.classifier, self.opt_c)
        real_scores = self.discriminator(x2).reshape(-1)
        fake_scores = self.discriminator(translated).reshape(-1)
        d_loss = discriminator_cross_entropy(real_scores, fake_scores)
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.classifier), frozen(self.discriminator):
            terms = self.autoencoder_losses(x1, x2)
            loss = sum(cfg[f"{k}_weight"] * v for k, v in terms.items())
        ae_norm = descend(loss, self.autoencoders, self.opt_ae)
        return {"loss/AE": float(loss.item()), "loss/C": float(c_loss.item()),
                "loss/D": float(d_loss.item()),
                **{f"loss/{k}": float(v.item()) for k, v in terms.items()},
                "D(x2)": mean_of(real_scores.sigmoid()),
                "D(g12(x1))": mean_of(fake_scores.sigmoid()),
                "grad_norm/AE": ae_norm, "grad_norm/C": c_norm, "grad_norm/D": d_norm}

    def sample(self, n):
        raise NotImplementedError("xgan translates images and has no noise prior: use "
                                  "translate(x) for g_12(x) and translate_back(y) for g_21(y)")

    def translate(self, x):
        """g_{1->2}(x) = d_2(e_1(x)), without a graph."""
        with autograd.no_grad():
            return self.autoencoders.decode(self.autoencoders.encode(x, 1), 2)

    def translate_back(self, y):
        """g_{2->1}(y) = d_1(e_2(y)), without a graph."""
        with autograd.no_grad():
            return self.autoencoders.decode(self.autoencoders.encode(y, 2), 1)
