"""DCGAN-style convolutional networks for small images, shared by the image variants.

Following the DCGAN guidelines (Radford et al. 2016; seeds 000 §3): strided
convolutions instead of pooling, batch norm everywhere except the
generator's output and the discriminator's input, ReLU in G with tanh at
its output, LeakyReLU(0.2) in D, no fully connected hidden layers (the
first layer of G is a matrix product reshaped to a feature map; the last of
D flattens its last feature map into one output). Two stride-2 stages each
way suit MNIST-sized images, as in the MNIST networks of InfoGAN (Chen et
al. 2016, Table 1):

    G:      z -> linear -> (2w, H/4, W/4), BN, ReLU
              -> 4x4 stride-2 transposed conv -> (w, H/2, W/2), BN, ReLU
              -> 4x4 stride-2 transposed conv -> (C, H, W), tanh
    D body: x -> 4x4 stride-2 conv -> (w, H/2, W/2), LeakyReLU(0.2)
              -> 4x4 stride-2 conv -> (2w, H/4, W/4), BN, LeakyReLU(0.2) -> flatten

MNIST-like data is used at its own 28x28 (7 -> 14 -> 28), the size the
shipped digit classifier (``tinygan.metrics.classifier``) takes; the 8x8
``digits`` go 2 -> 4 -> 8.
"""
import numpy

from .. import autograd, backend, nn
from ..ops.shape import concatenate
from ..tensor import Tensor

IMAGE_DATA = ("mnist5k", "digits", "mnist", "fashion-mnist")


def check_image_shape(name, shape):
    """(C, H, W) with H and W divisible by 4 (two stride-2 stages), or a ValueError."""
    shape = tuple(shape)
    if len(shape) != 3 or shape[1] % 4 or shape[2] % 4:
        raise ValueError(f"{name}: needs images (C, H, W) with H and W divisible by 4 "
                         f"(28x28 MNIST, 8x8 digits), got {shape}")
    return shape


def generator_net(in_dim, shape, width, device="cpu", hidden=None):
    """G: (m, in_dim) -> images (m, C, H, W) in (-1, 1), the DCGAN generator above.

    ``hidden`` inserts one fully connected layer of that size (BN, ReLU)
    before the projection, as InfoGAN's MNIST generator has.
    """
    layers, size = [], in_dim
    if hidden:
        layers, size = dense_block(in_dim, hidden, nn.ReLU(), device), hidden
    return nn.Sequential(*layers, *projection(size, 2 * width, shape, device),
                         *upsampling(shape, width, device))


def dense_block(in_features, out_features, activation, device="cpu"):
    """The layers of one fully connected hidden layer: activation(BN(W h)), W without a bias
    (batch norm's shift takes its place)."""
    return [nn.Linear(in_features, out_features, bias=False, device=device),
            nn.BatchNorm1d(out_features, device=device), activation]


def projection(in_dim, channels, shape, device="cpu"):
    """The layers (m, in_dim) -> feature maps (m, channels, H/4, W/4): linear, reshape, BN, ReLU."""
    h, w = shape[1] // 4, shape[2] // 4
    return [nn.Linear(in_dim, channels * h * w, bias=False, device=device),
            nn.Unflatten(channels, h, w), nn.BatchNorm2d(channels, device=device), nn.ReLU()]


def upsampling(shape, width, device="cpu"):
    """The layers (m, 2w, H/4, W/4) -> images (m, C, H, W): two 4x4 stride-2 transposed
    convolutions (BN and ReLU between them), tanh."""
    return [nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False, device=device),
            nn.BatchNorm2d(width, device=device), nn.ReLU(),
            nn.ConvTranspose2d(width, shape[0], 4, 2, 1, device=device), nn.Tanh()]


def discriminator_body(shape, width, device="cpu", in_channels=None):
    """x (m, C, H, W) -> flattened features (m, 2w (H/4) (W/4)), the DCGAN discriminator body.

    ``in_channels`` overrides C (the CGAN discriminator sees a label channel too).
    """
    c = shape[0] if in_channels is None else in_channels
    return nn.Sequential(
        nn.Conv2d(c, width, 4, 2, 1, device=device), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False, device=device),
        nn.BatchNorm2d(2 * width, device=device), nn.LeakyReLU(0.2),
        nn.Flatten())


def body_features(shape, width):
    """The size 2w (H/4) (W/4) of ``discriminator_body``'s output."""
    return 2 * width * (shape[1] // 4) * (shape[2] // 4)


def dcgan_init_(module, std=0.02):
    """DCGAN's initialisation: every convolution and linear weight ~ N(0, std^2), biases 0.

    Batch-norm scales and shifts keep their (1, 0); embeddings keep N(0, 1).
    Returns the module.
    """
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(layer.weight, 0.0, std)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return module


def label_indices(labels, n_classes, device="cpu"):
    """Class labels (a Tensor, array or list of ints in [0, n_classes)) as an int64 array
    on ``device``; a ValueError for anything else."""
    data = labels.data if isinstance(labels, Tensor) else labels
    data = backend.to_device(data if hasattr(data, "dtype") else numpy.asarray(data), device)
    if data.ndim != 1 or data.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D array of ints, got {data.dtype} {data.shape}")
    if data.size and (int(data.min()) < 0 or int(data.max()) >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got [{int(data.min())}, "
                         f"{int(data.max())}]")
    return data.astype("int64")


def random_labels(m, n_classes, device="cpu"):
    """m class labels drawn uniformly from [0, n_classes) with the engine's generator."""
    return backend.generator(device).integers(0, n_classes, m).astype("int64")


class ClassConditionalSampling:
    """Label sampling shared by the class-conditional variants (CGAN, AC-GAN):
    the variant has ``generator(z, labels)`` and ``config["n_classes"]``."""

    def sample_labels(self, m):
        """m class labels y ~ U{0, ..., n_classes - 1}."""
        return random_labels(m, self.config["n_classes"], self.device)

    def sample(self, n, labels=None):
        """n images G(z | y) for the given labels (random ones if None), without a graph.

        Chosen labels are generated in one batch with ``batch_size`` random
        companions (then dropped), so that G's batch norm normalises over a mix
        of labels as in training; in a batch of one label alone, batch norm
        would remove the label's contribution.
        """
        if labels is None:
            with autograd.no_grad():
                return self.generator(self.sample_z(n), self.sample_labels(n))
        labels = label_indices(labels, self.config["n_classes"], self.device)
        companions = self.sample_labels(self.config["batch_size"])
        all_labels = backend.xp_for(self.device).concatenate([labels, companions])
        with autograd.no_grad():
            return self.generator(self.sample_z(len(all_labels)), all_labels)[:n]


def one_hot(labels, n_classes, dtype=None, device="cpu"):
    """The one-hot rows (m, n_classes) of int labels, as a Tensor without a graph."""
    xp = backend.xp_for(device)
    dtype = backend.default_dtype() if dtype is None else dtype
    return Tensor(xp.eye(n_classes, dtype=dtype)[labels])


class LabelConditionedGenerator(nn.Module):
    """G(z, y): z and the class y each get their own path to w feature maps of size H/4 x W/4
    (z by a linear projection, y by an embedding, each with BN and ReLU), concatenated into
    DCGAN's 2w maps and upsampled as in ``generator_net``.

    Separate paths, as in Mirza & Osindero's generator (z and y first map to
    their own hidden layers), keep half of the first feature maps driven by
    z; with z and an embedding of y fed jointly to one projection, G learned
    to ignore z and drew one image per class.
    """

    def __init__(self, z_dim, n_classes, shape, width, device="cpu"):
        super().__init__()
        h, w = shape[1] // 4, shape[2] // 4
        self.z_path = nn.Sequential(*projection(z_dim, width, shape, device))
        self.embed = nn.Embedding(n_classes, width * h * w, device=device)
        self.y_path = nn.Sequential(nn.Unflatten(width, h, w), nn.BatchNorm2d(width, device=device),
                                    nn.ReLU())
        self.up = nn.Sequential(*upsampling(shape, width, device))

    def forward(self, z, labels):
        y = self.y_path(self.embed_labels(labels))
        return self.up(concatenate([self.z_path(z), y], axis=1))

    def embed_labels(self, labels):
        """The class embedding fed to the y path: row y of the table."""
        return self.embed(labels)
