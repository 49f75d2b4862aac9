"""Layers and networks (``import tinygan.nn as nn``), named as in PyTorch."""
from . import init
from .module import Module, ModuleList, Parameter, Sequential
from .linear import Embedding, Flatten, Identity, Linear, Unflatten
from .activation import Dropout, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh
from . import utils
from .attention import SelfAttention2d
from .conv import Conv2d, ConvTranspose2d
from .fourier import FourierFeatures
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .pool import AvgPool2d, Upsample
from .progressive import EqualConv2d, EqualLinear, MinibatchStdDev, PixelNorm
from .style import MappingNetwork, ModulatedConv2d, NoiseInjection
from .conditional import ConditionalBatchNorm2d, ProjectionHead
