"""GAN-CLS: Reed, Akata, Yan, Logeswaran, Schiele, Lee, "Generative Adversarial Text to
Image Synthesis", ICML 2016.

Text-to-image synthesis as a conditional GAN whose condition is a sentence
embedding h = phi(t) (seeds 001, "Text-to-Image Synthesis"). The
discriminator is matching-aware: besides real and fake images it sees real
images with the *wrong* text, so it must judge whether image and text
match, not only whether the image is real. The paper's Algorithm 1 (seeds
001, the three scores and L_D):

    h <- phi(t), h_hat <- phi(t_hat)           matching and mismatching text
    z ~ N(0, I),  x_hat <- G(z, h)
    s_r <- D(x, h)        {real image, right text}
    s_w <- D(x, h_hat)    {real image, wrong text}
    s_f <- D(x_hat, h)    {fake image, right text}
    L_D <- log(s_r) + (log(1 - s_w) + log(1 - s_f)) / 2,   D ascends L_D
    L_G <- log(s_f),                                       G ascends L_G

so D descends -L_D and G descends -log s_f; both are computed from D's
logits (log s = -softplus(-l), log(1 - s) = -softplus(l)). The
mismatching text of image i is the text of image (i + k) mod m for one
random shift k in [1, m): a few of those may happen to say the same thing.

Text: ``needs_captions = True``. ``sample_real(m)`` must return
``(images, text)``: images (m, C, H, W) and, for each, either its caption's
token ids (m, L) int (``tinygan.data.captions``; phi is then the fixed
bag-of-words encoder, as the paper's pre-trained encoder is fixed) or its
text embedding (m, text_dim) float. In G and D the embedding is first
compressed by a fully connected layer and leaky ReLU (to ``embed_dim``);
G concatenates it to z, D replicates it spatially over its last feature
map, concatenates it depth-wise, then a 1x1 convolution with leaky ReLU
and a convolution covering the whole map give the score.

Defaults are the paper's: z ~ N(0, I)^100, text compressed to 128, Adam
with lr 2e-4 and beta1 = 0.5, minibatch 64. The convolutional parts are
the two-stage DCGAN networks of ``image_networks``.
"""
from .. import autograd, backend, nn
from .. import functional as F
from ..data import captions
from ..ops.shape import broadcast_to, concatenate
from ..tensor import Tensor, tensor
from .base import Variant, descend, frozen, mean_of
from .image_networks import IMAGE_DATA, check_image_shape, discriminator_body, generator_net
from .losses import generator_non_saturating


# ------------------------------------------------------------------ networks

def text_compression(text_dim, embed_dim, device):
    """phi(t) -> LeakyReLU(W phi(t) + b): the fully connected compression of the text embedding."""
    return nn.Sequential(nn.Linear(text_dim, embed_dim, device=device), nn.LeakyReLU(0.2))


class TextConditionedGenerator(nn.Module):
    """G(z, h): a DCGAN-style generator of [z, compress(h)]."""

    def __init__(self, z_dim, text_dim, embed_dim, shape, width, device="cpu"):
        super().__init__()
        self.text = text_compression(text_dim, embed_dim, device)
        self.body = generator_net(z_dim + embed_dim, shape, width, device)

    def forward(self, z, h):
        return self.body(concatenate([z, self.text(h)], axis=1))


class MatchingDiscriminator(nn.Module):
    """D(x, h): the logit that x is a real image matching the text embedding h."""

    def __init__(self, shape, text_dim, embed_dim, width, device="cpu"):
        super().__init__()
        self.map_shape = (2 * width, shape[1] // 4, shape[2] // 4)
        self.image = discriminator_body(shape, width, device)
        self.text = text_compression(text_dim, embed_dim, device)
        self.joint = nn.Sequential(
            nn.Conv2d(2 * width + embed_dim, 2 * width, 1, device=device), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 1, self.map_shape[1:], device=device))

    def forward(self, x, h):
        m, (_, height, width) = x.shape[0], self.map_shape
        features = self.image(x).reshape((m,) + self.map_shape)
        text = self.text(h).reshape(m, -1, 1, 1)
        text = broadcast_to(text, (m, text.shape[1], height, width))
        return self.joint(concatenate([features, text], axis=1)).reshape(-1)


# ------------------------------------------------------------------ losses

def discriminator_loss(s_r, s_w, s_f):
    """-L_D = -[log s_r + (log(1 - s_w) + log(1 - s_f)) / 2] (batch means), from the logits."""
    return F.softplus(-s_r).mean() + (F.softplus(s_w).mean() + F.softplus(s_f).mean()) / 2


def generator_loss(s_f):
    """-L_G = -log s_f (batch mean) from the logits of s_f."""
    return generator_non_saturating(s_f)


def mismatched(h, shift):
    """h_hat: row i is row (i + shift) mod m of h, so each image gets another image's text."""
    m = h.shape[0]
    if not 0 < shift < m:
        raise ValueError(f"gan-cls: the shift must lie in [1, {m}), got {shift}")
    order = [(i + shift) % m for i in range(m)]
    return h[order]


# ------------------------------------------------------------------ the variant

class GANCLS(Variant):
    """Reed et al. 2016, Algorithm 1: a matching-aware discriminator on (image, text)."""

    name = "gan-cls"
    paper = ("S. Reed, Z. Akata, X. Yan, L. Logeswaran, B. Schiele, H. Lee. Generative "
             "Adversarial Text to Image Synthesis. ICML 2016.")
    needs_captions = True   # sample_real(m) returns (images, caption token ids or embeddings)
    defaults = dict(
        batch_size=64,
        z_dim=100,
        noise="normal",
        text_dim=len(captions.VOCABULARY),  # size of phi(t) (bag of words over the vocabulary)
        embed_dim=128,              # the compressed text embedding
        lr=2e-4,
        betas=(0.5, 0.999),
        width=32,                   # channels of the first convolution (ours)
    )
    supported_data = IMAGE_DATA

    def __init__(self, data_shape, config=None, device="cpu"):
        super().__init__(data_shape, config, device)
        cfg, shape = self.config, check_image_shape(self.name, self.data_shape)
        self.generator = TextConditionedGenerator(cfg["z_dim"], cfg["text_dim"], cfg["embed_dim"],
                                                  shape, cfg["width"], device)
        self.discriminator = MatchingDiscriminator(shape, cfg["text_dim"], cfg["embed_dim"],
                                                   cfg["width"], device)
        self.opt_g = self.make_optimizer(self.generator)
        self.opt_d = self.make_optimizer(self.discriminator)

    def embed(self, text):
        """phi(t): bag of words of token ids (int), or the given embeddings (float), as a Tensor."""
        if isinstance(text, (list, tuple)) and text and isinstance(text[0], str):
            text = captions.encode(text)
        data = text.data if isinstance(text, Tensor) else text
        if data.dtype.kind in "iu":
            data = captions.bag_of_words(data)
        if data.shape[-1] != self.config["text_dim"]:
            raise ValueError(f"gan-cls: text embeddings have {data.shape[-1]} features but "
                             f"text_dim is {self.config['text_dim']}")
        return tensor(data, dtype=self.generator.text[0].weight.dtype, device=self.device)

    def train_step(self, sample_real):
        m = self.config["batch_size"]
        x, text = sample_real(m)
        h = self.embed(text)
        shift = int(self.rng().integers(1, m))
        h_hat = mismatched(h, shift)
        x_hat = self.generator(self.sample_z(m), h)
        s_r, s_w, s_f = (self.discriminator(x, h), self.discriminator(x, h_hat),
                         self.discriminator(x_hat.detach(), h))
        d_loss = discriminator_loss(s_r, s_w, s_f)
        d_norm = descend(d_loss, self.discriminator, self.opt_d)

        with frozen(self.discriminator):
            g_loss = generator_loss(self.discriminator(x_hat, h))
        g_norm = descend(g_loss, self.generator, self.opt_g)
        return {"loss/D": float(d_loss.item()), "loss/G": float(g_loss.item()),
                "s_r": mean_of(s_r.sigmoid()), "s_w": mean_of(s_w.sigmoid()),
                "s_f": mean_of(s_f.sigmoid()), "grad_norm/D": d_norm, "grad_norm/G": g_norm}

    def rng(self):
        """The engine's random generator on the CPU (for the mismatch shift and random captions)."""
        return backend.generator("cpu")

    def sample(self, n, text=None):
        """n images G(z, phi(t)) for ``text`` (captions, token ids or embeddings), without a graph;
        random captions when ``text`` is None.

        G's batch norm normalises with the batch's own statistics, so an
        attribute shared by the whole batch (every caption "thick") is
        partly normalised away: mix captions within one call.
        """
        if text is None:
            text = captions.random_captions(n, self.rng())
        with autograd.no_grad():
            return self.generator(self.sample_z(n), self.embed(text))
