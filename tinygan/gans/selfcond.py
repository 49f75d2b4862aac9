"""Self-conditioned GAN: Liu, Wang, Bau, Zhu, Torralba, "Diverse Image Generation via
Self-Conditioned GANs", CVPR 2020.

A class-conditional GAN whose classes nobody labelled: they are clusters of
the real images in the discriminator's own feature space, found by k-means
(``clustering``) and found again as D's features change. G is asked for
every cluster as often as the real images fall into it, so a mode of the data
that D's features set apart becomes a class G must draw, at its share:

    pi_j = the fraction of real images in cluster j,   j = 1..k
    c(x) = argmin_j ||f(x) - mu_j||^2                   (the cluster of a real image)
    D descends -[E_x log D(x | c(x)) + E_{c ~ pi, z} log(1 - D(G(z, c) | c))]
    G descends -E_{c ~ pi, z} log D(G(z, c) | c)        (the non-saturating cost)

f(x) is the output of D's last convolution, before its batch norm, so that
a real image's cluster does not depend on the rest of its minibatch. At the
first step k-means (k-means++ seeding) partitions ``cluster_images`` real
images by the features of the still random D; every ``recluster_every``
steps a fresh draw of real images is partitioned again by D's current
features. To keep cluster j cluster j while it follows D's features (our
way of doing it), each new k-means starts cluster j from the mean new
feature vector of the images the last clustering put in j. Between
clusterings f is computed by a frozen copy of D's layers as they were at
the last clustering, so each real image keeps its cluster.

Networks: G is CGAN's (``LabelConditionedGenerator``: z and an embedding of
c take separate paths into DCGAN's first maps); D is DCGAN's body with a
projection head (Miyato & Koyama, "cGANs with Projection Discriminator",
ICLR 2018), D(x | c) = w . phi(x) + b + e_c . phi(x), phi the output of
DCGAN's discriminator body.

Our choices, not the paper's numbers: DCGAN's networks, loss and optimiser
(Adam 2e-4, beta1 0.5), k = 100 clusters, 10,000 images per clustering,
reclustering every 1,000 steps. As in ``dcgan``, the lazy R1 penalty
(``r1_gamma``, ``r1_interval``) and G's running average of weights
(``ema_half_life``) are available and off by default.
"""
import copy

import numpy

from .. import autograd, backend, nn
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .clustering import cluster_means, kmeans, kmeans_plus_plus, nearest_centroid
from .dcgan import discriminator_loss, generator_loss
from .image_networks import (IMAGE_DATA, LabelConditionedGenerator, body_features,
                             check_image_shape, dcgan_init_, discriminator_body,
                             label_indices)
from .penalties import check_lazy_r1, lazy_r1


class ProjectionDiscriminator(nn.Module):
    """D(x | c) = w . phi(x) + b + e_c . phi(x), phi the DCGAN discriminator body, split in two:
    ``lower`` (conv, LeakyReLU, conv), whose output the clustering uses, and ``upper`` (batch
    norm, LeakyReLU, flatten)."""

    def __init__(self, shape, width, n_classes, device="cpu"):
        super().__init__()
        size, body = body_features(shape, width), list(discriminator_body(shape, width, device))
        self.lower, self.upper = nn.Sequential(*body[:3]), nn.Sequential(*body[3:])
        self.out = nn.Linear(size, 1, device=device)
        self.embed = nn.Embedding(n_classes, size, device=device)

    def forward(self, x, labels):
        phi = self.upper(self.lower(x))
        return self.out(phi).reshape(-1) + (self.embed(labels) * phi).sum(axis=1)


def frozen_copy(module):
    """A copy of ``module`` whose parameters do not require grad (no optimizer sees them)."""
    clone = copy.deepcopy(module)
    for p in clone.parameters():
        p.requires_grad = False
    return clone


class SelfConditionedGAN(KeepsAverage, Variant):
    """Liu et al. 2020: a conditional GAN on clusters of D's features of the real images."""

    name = "selfcond"
    paper = ("S. Liu, T. Wang, D. Bau, J.-Y. Zhu, A. Torralba. Diverse Image Generation via "
             "Self-Conditioned GANs. CVPR 2020.")
    defaults = dict(
        batch_size=64,
        z_dim=100,
        noise="uniform",            # z ~ U(-1, 1)^z_dim
        width=64,
        lr=2e-4,
        betas=(0.5, 0.999),
        init_std=0.02,
        n_clusters=100,             # k
        cluster_images=10_000,      # real images partitioned at each clustering
        recluster_every=1_000,      # steps between clusterings
        kmeans_iterations=10,       # at most this many rounds of Lloyd's algorithm each time
        r1_gamma=0.0,               # R1 penalty on D's gradient at real images (0: off)
        r1_interval=1,              # add it every r1_interval-th step, times r1_interval
        ema_half_life=None,         # images; sample() uses G's running average (None: off)
    )
    supported_data = IMAGE_DATA + ("stacked-mnist",)

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        k = cfg["n_clusters"]
        if int(k) < 1 or cfg["cluster_images"] < k or cfg["recluster_every"] < 1:
            raise ValueError(f"{self.name}: needs n_clusters >= 1, cluster_images >= n_clusters "
                             f"and recluster_every >= 1, got n_clusters={k}, cluster_images="
                             f"{cfg['cluster_images']}, recluster_every={cfg['recluster_every']}")
        check_lazy_r1(self.name, cfg["r1_gamma"], cfg["r1_interval"])
        self.generator = dcgan_init_(LabelConditionedGenerator(
            cfg["z_dim"], k, shape, cfg["width"], device), cfg["init_std"])
        self.discriminator = dcgan_init_(ProjectionDiscriminator(
            shape, cfg["width"], k, device), cfg["init_std"])
        nn.init.normal_(self.discriminator.embed.weight, 0.0, cfg["init_std"])
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)
        self.average = weight_average(self.generator, cfg["ema_half_life"])
        self.step = 0
        self.centroids = None                     # (k, features) NumPy, after the first step
        self.feature_net = frozen_copy(self.discriminator.lower)
        self.prior = numpy.full(k, 1.0 / k)       # pi_j, the real images' share of cluster j

    # ------------------------------------------------------------ clusters
    def features_of(self, images, batch=500):
        """f(x) for real images, as a NumPy array (m, features): the output of D's
        lower layers as they were at the last clustering (``feature_net``), so that an image
        keeps its cluster until the next clustering however D changes in between."""
        parts = []
        with autograd.no_grad():
            for start in range(0, images.shape[0], batch):
                h = self.feature_net(images[start:start + batch])
                parts.append(backend.to_numpy(h.reshape(h.shape[0], -1).data))
        return numpy.concatenate(parts)

    def recluster(self, images):
        """Partition real images by D's current features and freeze a copy of D's lower layers
        as ``feature_net``. The first time, k-means++ seeds k-means; after that each cluster j
        starts from the mean of the new features of the images the previous clustering put in
        j (so that cluster j stays cluster j; an emptied cluster takes a random
        image as its start). Sets the centroids and pi."""
        k = self.config["n_clusters"]
        previous = None if self.centroids is None else nearest_centroid(
            self.features_of(images), self.centroids)
        self.feature_net = frozen_copy(self.discriminator.lower)
        features = self.features_of(images)
        seed = int(backend.generator(self.device).integers(0, 2 ** 31 - 1))
        rng = numpy.random.default_rng(seed)
        if previous is None:
            start = kmeans_plus_plus(features, k, rng)
        else:
            start = cluster_means(features, previous, features[rng.integers(0, len(features), k)])
        self.centroids, labels = kmeans(features, start, self.config["kmeans_iterations"])
        counts = numpy.bincount(labels, minlength=k)
        self.prior = counts / counts.sum()

    def clusters_of(self, images):
        """c(x) = the index of the centroid nearest to f(x), for each real image (int64)."""
        labels = nearest_centroid(self.features_of(images), self.centroids)
        return backend.to_device(labels, self.device)

    def sample_labels(self, m):
        """m cluster labels c ~ pi (the real images' shares), with the engine's generator."""
        u = backend.to_numpy(backend.generator(self.device).random(m))
        cumulative = numpy.cumsum(self.prior)
        labels = numpy.searchsorted(cumulative / cumulative[-1], u, side="right")
        labels = numpy.minimum(labels, len(self.prior) - 1).astype(numpy.int64)
        return backend.to_device(labels, self.device)

    # ------------------------------------------------------------ training
    def train_step(self, sample_real):
        cfg, m = self.config, self.config["batch_size"]
        if self.step % cfg["recluster_every"] == 0:
            self.recluster(sample_real(cfg["cluster_images"]))
        self.step += 1
        x = sample_real(m)
        c_real, c_fake = self.clusters_of(x), self.sample_labels(m)
        with autograd.no_grad():
            fake = self.generator(self.sample_z(m), c_fake)
        real_logits = self.discriminator(x, c_real)
        fake_logits = self.discriminator(fake, c_fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        stats = {}
        r1_term, r1 = lazy_r1(self.step, lambda images: self.discriminator(images, c_real), x,
                              cfg["r1_gamma"], cfg["r1_interval"])
        if r1_term is not None:
            d_loss, stats["r1"] = d_loss + r1_term, r1
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        c = self.sample_labels(m)
        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminator(self.generator(self.sample_z(m), c), c))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_logits.sigmoid()), "D(G(z))": mean_of(fake_logits.sigmoid()),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm,
                "clusters_used": float((self.prior > 0).sum()), **stats}

    def sample(self, n, labels=None):
        """n images G(z, c) without a graph, from G's running average of weights when it keeps
        one: c ~ pi, or the given cluster labels. Chosen labels are generated beside
        ``batch_size`` companions with c ~ pi (then dropped), so that G's batch norm sees a mix
        of clusters, as in training."""
        if labels is None:
            labels, n_kept = self.sample_labels(n), n
        else:
            chosen = label_indices(labels, self.config["n_clusters"], self.device)
            companions = self.sample_labels(self.config["batch_size"])
            labels = backend.xp_for(self.device).concatenate([chosen, companions])
            n_kept = len(chosen)
        with autograd.no_grad(), self.averaged_generator() as generator:
            return generator(self.sample_z(len(labels)), labels)[:n_kept]

    # ------------------------------------------------------------ checkpoints
    def get_extra_state(self):
        """{"step", "prior", "centroids", "feature_net/..."}: the clustering clock, pi, the
        centroids and the frozen feature layers; and G's running average of weights."""
        state = {"step": self.step, "prior": self.prior, **super().get_extra_state(),
                 **{f"feature_net/{key}": value
                    for key, value in self.feature_net.state_dict().items()}}
        if self.centroids is not None:
            state["centroids"] = self.centroids
        return state

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict."""
        self.step = int(state["step"])
        self.prior = numpy.asarray(state["prior"], dtype=numpy.float64)
        centroids = state.get("centroids")
        self.centroids = None if centroids is None else numpy.asarray(centroids)
        prefix = "feature_net/"
        self.feature_net.load_state_dict({key[len(prefix):]: value for key, value in state.items()
                                          if key.startswith(prefix)})
        super().set_extra_state(state)
