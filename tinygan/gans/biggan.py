"""BigGAN in miniature: Brock, Donahue, Simonyan, "Large Scale GAN Training for High Fidelity
Natural Image Synthesis", ICLR 2019 (seeds 004, "BigGAN", and its residual blocks figure).

G is a stack of residual up blocks (Figure 15 (b)):

    main path  cBN(., c), ReLU, upsample, 3x3 conv, cBN(., c), ReLU, 3x3 conv
    skip       upsample, 1x1 conv;            out = main + skip

whose class-conditional batch norms take their gains and biases from a
condition c = [shared class embedding, one chunk of z] ("hierarchical
latent": z is split, one chunk feeds the first linear layer and one each
block). D is a stack of residual down blocks (ReLU, 3x3 conv, ReLU, 3x3
conv, 2x2 average pool; skip: 1x1 conv, pool), a ReLU, global sum pooling
and the projection head D(x, y) = psi(phi(x)) + <embed(y), phi(x)>
(Miyato & Koyama 2018). Spectral norm on every layer of both networks,
orthogonal initialisation with zero biases, the hinge loss

    L_D = E max(0, 1 - D(x, y)) + E max(0, 1 + D(G(z, y), y)),   L_G = -E D(G(z, y), y),

two D steps per G step, Adam (beta1 = 0, beta2 = 0.999), lr 2e-4 for D and
5e-5 for G. At sampling, the truncation trick (section 3.1): z ~ N(0, I)
with every entry of magnitude above a threshold resampled, trading variety
for quality as the threshold falls. Samples come from a running average of
G's weights (``tinygan.gans.averaging``), updated after every G step.
"""
from .. import autograd, backend, nn
from .. import functional as F
from ..nn.conditional import ConditionalBatchNorm2d, ProjectionHead, embed
from ..ops.shape import concatenate
from ..tensor import Tensor
from .averaging import KeepsAverage, weight_average
from .base import Variant, descend, frozen, mean_of
from .image_networks import IMAGE_DATA, check_image_shape, label_indices, random_labels
from .losses import discriminator_hinge, generator_hinge

spectral_norm = nn.utils.spectral_norm


def orthogonal_layer(layer):
    """``layer`` with an orthogonal weight, a zero bias and spectral norm.

    The zero bias matters for G's first linear layer: its 1/3 of z reaches
    each of the (2w, H/4, W/4) outputs with a standard deviation of about
    sqrt(chunk / outputs) = 0.1 (the weight's columns are orthonormal), while
    the default uniform bias has a standard deviation of 1/sqrt(3 * chunk)
    = 0.14 at chunk = 16. Batch norm then sees mostly one fixed pattern, every
    sample starts nearly alike, and on digits G collapsed onto a single image
    within 100 steps; with zero biases it did not (measured at width 16, z_dim 48).
    """
    nn.init.orthogonal_(layer.weight)
    if layer.bias is not None:
        layer.bias.data[...] = 0
    return spectral_norm(layer)


def sn_conv(c_in, c_out, k, device):
    """A k x k 'same' convolution, orthogonal init, zero bias, spectral norm."""
    return orthogonal_layer(nn.Conv2d(c_in, c_out, k, padding=k // 2, device=device))


def sn_linear(n_in, n_out, device):
    """A linear layer, orthogonal init, zero bias, spectral norm."""
    return orthogonal_layer(nn.Linear(n_in, n_out, device=device))


# ------------------------------------------------------------------ networks

class UpBlock(nn.Module):
    """Residual up block: cBN, ReLU, upsample, conv3x3, cBN, ReLU, conv3x3; skip: upsample, 1x1."""

    def __init__(self, c_in, c_out, condition_dim, device="cpu"):
        super().__init__()
        self.bn1 = ConditionalBatchNorm2d(c_in, condition_dim, device=device)
        self.conv1 = sn_conv(c_in, c_out, 3, device)
        self.bn2 = ConditionalBatchNorm2d(c_out, condition_dim, device=device)
        self.conv2 = sn_conv(c_out, c_out, 3, device)
        self.skip = sn_conv(c_in, c_out, 1, device)

    def forward(self, x, condition):
        h = F.interpolate(F.relu(self.bn1(x, condition)), scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), condition)))
        return h + self.skip(F.interpolate(x, scale_factor=2))


class DownBlock(nn.Module):
    """Residual down block: (ReLU), conv3x3, ReLU, conv3x3, avgpool; skip conv1x1, avgpool."""

    def __init__(self, c_in, c_out, first=False, device="cpu"):
        super().__init__()
        self.first = first
        self.conv1, self.conv2 = sn_conv(c_in, c_out, 3, device), sn_conv(c_out, c_out, 3, device)
        self.skip = sn_conv(c_in, c_out, 1, device)

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        return F.avg_pool2d(h, 2) + F.avg_pool2d(self.skip(x), 2)


class BigGenerator(nn.Module):
    """G(z, y): z split in 3 chunks; chunk 0 -> linear -> (2w, H/4, W/4); chunks 1, 2 with the
    shared embedding of y condition the two up blocks; BN, ReLU, conv3x3, tanh."""

    def __init__(self, z_dim, n_classes, embed_dim, shape, width, device="cpu"):
        super().__init__()
        if z_dim % 3:
            raise ValueError(f"biggan: z_dim must split into 3 equal chunks, got {z_dim}")
        c, h, w = shape
        self.chunk, self.start = z_dim // 3, (2 * width, h // 4, w // 4)
        self.shared = nn.Embedding(n_classes, embed_dim, device=device)
        self.linear = sn_linear(self.chunk, 2 * width * (h // 4) * (w // 4), device)
        cond = embed_dim + self.chunk
        self.block1 = UpBlock(2 * width, width, cond, device)
        self.block2 = UpBlock(width, width, cond, device)
        self.out_bn = nn.BatchNorm2d(width, device=device)
        self.out_conv = sn_conv(width, c, 3, device)

    def forward(self, z, labels):
        k = self.chunk
        shared = embed(self.shared, labels)
        h = self.linear(z[:, :k]).reshape(z.shape[0], *self.start)
        h = self.block1(h, concatenate([shared, z[:, k:2 * k]], axis=1))
        h = self.block2(h, concatenate([shared, z[:, 2 * k:]], axis=1))
        return self.out_conv(F.relu(self.out_bn(h))).tanh()


class ProjectionDiscriminator(nn.Module):
    """D(x, y): two residual down blocks, ReLU, global sum pooling, projection head."""

    def __init__(self, n_classes, shape, width, device="cpu"):
        super().__init__()
        self.block1 = DownBlock(shape[0], width, first=True, device=device)
        self.block2 = DownBlock(width, 2 * width, device=device)
        self.head = ProjectionHead(2 * width, n_classes, device=device)
        orthogonal_layer(self.head.linear)
        spectral_norm(self.head.embed)

    def forward(self, x, labels):
        phi = F.relu(self.block2(self.block1(x))).sum(axis=(2, 3))
        return self.head(phi, labels)


# ------------------------------------------------------------------ truncation and losses

def truncated_normal(m, dim, threshold, device="cpu", dtype=None):
    """m draws of z ~ N(0, I)^dim, every entry with |z_i| > threshold resampled until inside."""
    gen, xp = backend.generator(device), backend.xp_for(device)
    z = gen.standard_normal((m, dim))
    outside = xp.abs(z) > threshold
    while bool(outside.any()):
        z[outside] = gen.standard_normal(int(outside.sum()))
        outside = xp.abs(z) > threshold
    return Tensor(z.astype(dtype or backend.default_dtype()))


def discriminator_loss(real_scores, fake_scores):
    """E max(0, 1 - D(x, y)) + E max(0, 1 + D(G(z, y), y))."""
    return discriminator_hinge(real_scores, fake_scores)


def generator_loss(fake_scores):
    """-E D(G(z, y), y)."""
    return generator_hinge(fake_scores)


# ------------------------------------------------------------------ the variant

class BigGAN(KeepsAverage, Variant):
    """Brock et al. 2019: residual class-conditional G, projection D, hinge loss, truncation."""

    name = "biggan"
    paper = ("A. Brock, J. Donahue, K. Simonyan. Large Scale GAN Training for High Fidelity "
             "Natural Image Synthesis. ICLR 2019.")
    needs_labels = True     # sample_real(m) returns (images, integer labels)
    defaults = dict(
        batch_size=64,
        z_dim=120,              # 3 chunks of 40 (the paper: 120 at 128x128)
        n_classes=10,
        embed_dim=32,           # the shared class embedding (the paper: 128)
        width=32,
        n_d_steps=2,
        lr_d=2e-4,
        lr_g=5e-5,
        betas=(0.0, 0.999),
        ema_half_life=10_000,       # images; samples come from G's running average (None: off)
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        self.generator = BigGenerator(cfg["z_dim"], cfg["n_classes"], cfg["embed_dim"], shape,
                                      cfg["width"], device)
        self.discriminator = ProjectionDiscriminator(cfg["n_classes"], shape, cfg["width"], device)
        self.opt_g = self.make_optimizer(self.generator, cfg["lr_g"])
        self.opt_d = self.make_optimizer(self.discriminator, cfg["lr_d"])
        self.average = weight_average(self.generator, cfg["ema_half_life"])

    def sample_labels(self, m):
        """m classes y ~ U{0, ..., n_classes - 1}."""
        return random_labels(m, self.config["n_classes"], self.device)

    def train_step(self, sample_real):
        cfg, m = self.config, self.config["batch_size"]
        for _ in range(cfg["n_d_steps"]):
            x, y = sample_real(m)
            y = label_indices(y, cfg["n_classes"], self.device)
            y_fake = self.sample_labels(m)
            with autograd.no_grad():
                fake = self.generator(self.sample_z(m), y_fake)
            real_scores = self.discriminator(x, y)
            fake_scores = self.discriminator(fake, y_fake)
            d_loss = discriminator_loss(real_scores, fake_scores)
            d_norm = descend(d_loss, self.discriminator, self.opt_d)

        y_fake = self.sample_labels(m)
        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminator(self.generator(self.sample_z(m), y_fake),
                                                       y_fake))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        self.update_average(m)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "D(x)": mean_of(real_scores), "D(G(z))": mean_of(fake_scores),
                "grad_norm/D": d_norm, "grad_norm/G": g_norm}

    def sample(self, n, labels=None, truncation=None):
        """n images G(z, y) of the given classes (random if None); z truncated at ``truncation``.

        Sampling uses G's running average of weights (when it keeps one) and its batch
        norms in evaluation mode (running statistics).
        """
        labels = (self.sample_labels(n) if labels is None
                  else label_indices(labels, self.config["n_classes"], self.device))
        z = (self.sample_z(n) if truncation is None
             else truncated_normal(n, self.config["z_dim"], truncation, self.device))
        was_training = self.generator.training
        self.generator.eval()
        try:
            with autograd.no_grad(), self.averaged_generator() as generator:
                return generator(z, labels)
        finally:
            self.generator.train(was_training)
