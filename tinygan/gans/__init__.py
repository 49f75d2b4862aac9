"""The GAN variants, one file each, registered by their command-line names.

    import tinygan.gans as gans
    variant = gans.get("wgan-gp")(data_shape=(2,), config={"n_critic": 5})
    metrics = variant.train_step(sample_real)      # one iteration of the paper's algorithm

Every variant follows the protocol of ``base.Variant``: ``name``, ``paper``,
``defaults``, ``supported_data``; ``train_step(sample_real)``, ``sample(n)``,
``networks()``, ``optimizers()``.
"""
from .base import Variant
from .gan import GAN
from .lsgan import LSGAN
from .pacgan import PacDCGAN, PacGAN
from .unrolled import UnrolledGAN
from .wgan import WGAN
from .wgan_gp import WGANGP
from .bigan import BiGAN
from .cyclegan import CycleGAN
from .gan_cls import GANCLS
from .vaegan import VAEGAN
from .dcgan import DCGAN
from .sagan import SAGAN
from .cgan import CGAN
from .acgan import ACGAN
from .infogan import InfoGAN
from .progan import ProGAN
from .biggan import BigGAN
from .stylegan2 import StyleGAN2
from .bigbigan import BigBiGAN
from .xgan import XGAN
from .selfcond import SelfConditionedGAN

VARIANTS = {cls.name: cls for cls in (GAN, WGAN, WGANGP, UnrolledGAN, PacGAN, LSGAN,
                                      BiGAN, VAEGAN, CycleGAN, GANCLS,
                                      DCGAN, PacDCGAN, SAGAN, CGAN, ACGAN, InfoGAN,
                                      ProGAN, BigGAN, StyleGAN2, BigBiGAN, XGAN,
                                      SelfConditionedGAN)}


def register(cls):
    """Add a Variant subclass to VARIANTS under ``cls.name`` (usable as a class decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Variant)) or not cls.name:
        raise TypeError(f"register: expected a Variant subclass with a name, got {cls!r}")
    if cls.name in VARIANTS and VARIANTS[cls.name] is not cls:
        raise ValueError(f"register: the name {cls.name!r} is taken by "
                         f"{VARIANTS[cls.name].__name__}")
    VARIANTS[cls.name] = cls
    return cls


def get(name):
    """The Variant class called ``name``; a ValueError lists the known names."""
    if name not in VARIANTS:
        raise ValueError(f"unknown GAN variant {name!r}; known variants: "
                         f"{', '.join(sorted(VARIANTS))}")
    return VARIANTS[name]


__all__ = ["VARIANTS", "Variant", "GAN", "WGAN", "WGANGP", "UnrolledGAN", "PacGAN", "LSGAN",
           "BiGAN", "VAEGAN", "CycleGAN", "GANCLS", "DCGAN", "PacDCGAN", "SAGAN", "CGAN", "ACGAN",
           "InfoGAN", "ProGAN", "BigGAN", "StyleGAN2", "BigBiGAN", "XGAN", "SelfConditionedGAN",
           "get", "register"]
