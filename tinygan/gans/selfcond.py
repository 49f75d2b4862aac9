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
a real image's cluster does not depend on the rest of its minibatch.

At the first step k-means (k-means++ seeding) partitions ``cluster_images``
real images by the features of the still random D; every ``recluster_every``
steps a fresh draw of real images is partitioned again by D's current
features. To keep cluster j cluster j while it follows D's features (our
way of doing it), each new k-means starts cluster j from the mean new
feature vector of the images the last clustering put in j. Between
clusterings f is computed by a frozen copy of D's layers as they were at
the last clustering, so each real image keeps its cluster.

With ``cluster_stages`` S > 1 the class is a tuple c = (c_1, ..., c_S) found
by residual (multistage) vector quantisation (Juang & Gray, "Multiple stage
vector quantization for speech coding", ICASSP 1982): stage 1 clusters f(x),
and stage s clusters what the earlier stages' centroids leave of it,

    r_1 = f(x),   c_s = argmin_j ||r_s - mu_{s,j}||^2,   r_{s+1} = r_s - mu_{s,c_s},

so each stage splits the images along what the stages before it did not.
G and D embed the tuple as the sum of one embedding per stage,
e_c = e_{1,c_1} + ... + e_{S,c_S}, and G draws whole tuples at the real images'
shares. This extension is ours, not the paper's: k-means on f(x) splits the
images along the directions in which f varies most, and on Stacked MNIST
those were one channel's digit, while D's features told every channel's
digit (docs/RESULTS.md). Each stage keeps its clusters' indices as above.

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
from ..tensor import Tensor
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .clustering import cluster_means, kmeans, kmeans_plus_plus, nearest_centroid
from .dcgan import discriminator_loss, generator_loss
from .image_networks import (IMAGE_DATA, LabelConditionedGenerator, body_features,
                             check_image_shape, dcgan_init_, discriminator_body,
                             label_indices)
from .penalties import check_lazy_r1, lazy_r1


def summed_embedding(table, labels, k):
    """e_c = sum_s E[s k + c_s]: the embedding of label tuples c (an (m, S) int array, each
    c_s in [0, k)) from one table holding stage s's k rows at s k .. s k + k - 1."""
    offsets = backend.xp_for(table.weight.device).arange(labels.shape[1]) * k
    return table(labels + offsets).sum(axis=1)


class ProjectionDiscriminator(nn.Module):
    """D(x | c) = w . phi(x) + b + e_c . phi(x), phi the DCGAN discriminator body, split in two:
    ``lower`` (conv, LeakyReLU, conv), whose output the clustering uses, and ``upper`` (batch
    norm, LeakyReLU, flatten); e_c sums one embedding per clustering stage (labels (m, S))."""

    def __init__(self, shape, width, n_classes, n_stages=1, device="cpu"):
        super().__init__()
        size, body = body_features(shape, width), list(discriminator_body(shape, width, device))
        self.lower, self.upper = nn.Sequential(*body[:3]), nn.Sequential(*body[3:])
        self.out = nn.Linear(size, 1, device=device)
        self.embed = nn.Embedding(n_stages * n_classes, size, device=device)
        self.n_classes = n_classes

    def forward(self, x, labels):
        phi = self.upper(self.lower(x))
        e = summed_embedding(self.embed, labels, self.n_classes)
        return self.out(phi).reshape(-1) + (e * phi).sum(axis=1)


class StageConditionedGenerator(LabelConditionedGenerator):
    """CGAN's G(z, y) with y a tuple of cluster labels (m, S), embedded as the sum of one
    embedding per stage."""

    def __init__(self, z_dim, n_classes, n_stages, shape, width, device="cpu"):
        super().__init__(z_dim, n_stages * n_classes, shape, width, device)
        self.n_classes = n_classes

    def embed_labels(self, labels):
        """e_y = sum_s E[s k + y_s]."""
        return summed_embedding(self.embed, labels, self.n_classes)


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
        n_clusters=100,             # k, in each stage
        cluster_stages=1,           # S: residual k-means stages; the class is (c_1, ..., c_S)
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
        k, stages = cfg["n_clusters"], cfg["cluster_stages"]
        if (int(k) < 1 or cfg["cluster_images"] < k or cfg["recluster_every"] < 1
                or int(stages) < 1):
            raise ValueError(f"{self.name}: needs n_clusters >= 1, cluster_images >= n_clusters, "
                             f"recluster_every >= 1 and cluster_stages >= 1, got n_clusters={k}, "
                             f"cluster_images={cfg['cluster_images']}, recluster_every="
                             f"{cfg['recluster_every']}, cluster_stages={stages}")
        check_lazy_r1(self.name, cfg["r1_gamma"], cfg["r1_interval"])
        self.generator = dcgan_init_(StageConditionedGenerator(
            cfg["z_dim"], k, stages, shape, cfg["width"], device), cfg["init_std"])
        self.discriminator = dcgan_init_(ProjectionDiscriminator(
            shape, cfg["width"], k, stages, device), cfg["init_std"])
        nn.init.normal_(self.discriminator.embed.weight, 0.0, cfg["init_std"])
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)
        self.average = weight_average(self.generator, cfg["ema_half_life"])
        self.step = 0
        self.centroids = None                     # (S, k, features) NumPy, after the first step
        self.feature_net = frozen_copy(self.discriminator.lower)
        self.tuples = numpy.arange(k)[:, None] if stages == 1 else numpy.zeros((1, stages), int)
        self.prior = numpy.full(len(self.tuples), 1.0 / len(self.tuples))  # pi of each tuple

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
        """Partition real images by D's current features, stage by stage on the residuals,
        and freeze a copy of D's lower layers as ``feature_net``. The first time, k-means++
        seeds each stage's k-means; after that each cluster j of a stage starts from the mean
        of the new (residual) features of the images the previous clustering put in j (so that
        cluster j stays cluster j; an emptied cluster takes a random image as its start). Sets
        the centroids, the tuples of labels the images fell into and pi, their shares."""
        k = self.config["n_clusters"]
        previous = None if self.centroids is None else self.assign(self.features_of(images))
        self.feature_net = frozen_copy(self.discriminator.lower)
        residual = self.features_of(images)
        seed = int(backend.generator(self.device).integers(0, 2 ** 31 - 1))
        rng = numpy.random.default_rng(seed)
        centroids, labels = [], []
        for stage in range(self.config["cluster_stages"]):
            if previous is None:
                start = kmeans_plus_plus(residual, k, rng)
            else:
                start = cluster_means(residual, previous[:, stage],
                                      residual[rng.integers(0, len(residual), k)])
            stage_centroids, stage_labels = kmeans(residual, start,
                                                   self.config["kmeans_iterations"])
            residual = residual - stage_centroids[stage_labels]
            centroids.append(stage_centroids)
            labels.append(stage_labels)
        self.centroids = numpy.stack(centroids)
        self.tuples, counts = numpy.unique(numpy.stack(labels, axis=1), axis=0,
                                           return_counts=True)
        self.prior = counts / counts.sum()

    def assign(self, features):
        """(c_1, ..., c_S) for each row of f: c_s the centroid of stage s nearest to the residual
        r_s = f - mu_{1,c_1} - ... - mu_{s-1,c_{s-1}} (an (m, S) int64 NumPy array)."""
        residual, labels = features, []
        for stage_centroids in self.centroids:
            labels.append(nearest_centroid(residual, stage_centroids))
            residual = residual - stage_centroids[labels[-1]]
        return numpy.stack(labels, axis=1)

    def clusters_of(self, images):
        """c(x), the tuple of nearest centroids of f(x) stage by stage, for each real image
        (an (m, S) int64 array on the device)."""
        return backend.to_device(self.assign(self.features_of(images)), self.device)

    def sample_labels(self, m):
        """m label tuples c ~ pi (the real images' shares), with the engine's generator: an
        (m, S) int64 array."""
        u = backend.to_numpy(backend.generator(self.device).random(m))
        cumulative = numpy.cumsum(self.prior)
        picks = numpy.searchsorted(cumulative / cumulative[-1], u, side="right")
        picks = numpy.minimum(picks, len(self.prior) - 1)
        return backend.to_device(self.tuples[picks].astype(numpy.int64), self.device)

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
        one: c ~ pi, or the given labels (n,) of one-stage clusters or (n, S) tuples. Chosen
        labels are generated beside ``batch_size`` companions with c ~ pi (then dropped), so
        that G's batch norm sees a mix of clusters, as in training."""
        if labels is None:
            labels, n_kept = self.sample_labels(n), n
        else:
            chosen = self.label_tuples(labels)
            companions = self.sample_labels(self.config["batch_size"])
            labels = backend.xp_for(self.device).concatenate([chosen, companions])
            n_kept = len(chosen)
        with autograd.no_grad(), self.averaged_generator() as generator:
            return generator(self.sample_z(len(labels)), labels)[:n_kept]

    def label_tuples(self, labels):
        """Chosen labels as an (n, S) int64 array on the device: (n, S) tuples, or (n,) when
        S = 1; a ValueError naming the shapes otherwise."""
        stages = self.config["cluster_stages"]
        data = labels.data if isinstance(labels, Tensor) else labels
        data = backend.to_numpy(data if hasattr(data, "shape") else numpy.asarray(data))
        if data.ndim == 1 and stages == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[1] != stages:
            raise ValueError(f"{self.name}: labels must have shape (n, {stages})"
                             f"{' or (n,)' if stages == 1 else ''}, got {data.shape}")
        flat = label_indices(data.reshape(-1), self.config["n_clusters"], self.device)
        return flat.reshape(data.shape)

    # ------------------------------------------------------------ checkpoints
    def get_extra_state(self):
        """{"step", "tuples", "prior", "centroids", "feature_net/..."}: the clustering clock,
        the label tuples and pi, the centroids and the frozen feature layers; and G's running
        average of weights."""
        state = {"step": self.step, "tuples": self.tuples, "prior": self.prior,
                 **super().get_extra_state(),
                 **{f"feature_net/{key}": value
                    for key, value in self.feature_net.state_dict().items()}}
        if self.centroids is not None:
            state["centroids"] = self.centroids
        return state

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict."""
        self.step = int(state["step"])
        self.prior = numpy.asarray(state["prior"], dtype=numpy.float64)
        # checkpoints from before the stages: one stage, a prior over its k clusters
        tuples = state.get("tuples", numpy.arange(len(self.prior))[:, None])
        self.tuples = numpy.asarray(tuples, dtype=numpy.int64)
        centroids = state.get("centroids")
        self.centroids = None if centroids is None else numpy.asarray(centroids)
        if self.centroids is not None and self.centroids.ndim == 2:
            self.centroids = self.centroids[None]
        prefix = "feature_net/"
        self.feature_net.load_state_dict({key[len(prefix):]: value for key, value in state.items()
                                          if key.startswith(prefix)})
        super().set_extra_state(state)
