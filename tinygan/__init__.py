"""tinygan: a small deep-learning engine for studying how GANs train.

    import tinygan as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad            # tensor([2., 4.])
"""
from .backend import (cuda_available, default_dtype, manual_seed, set_default_dtype)
from .autograd import (Function, detect_anomaly, enable_grad, grad, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .tensor import (Tensor, arange, as_tensor, full, ones, ones_like, rand, randn, tensor,
                     zeros, zeros_like)
from .ops.elementwise import (abs, add, clip, cos, div, exp, leaky_relu, log, maximum,
                              minimum, mul, neg, pow, relu, sigmoid, sin, softplus, sqrt,
                              sub, tanh, where)
from .ops.reduce import logsumexp, max, mean, min, sum, var
from .ops.shape import (broadcast_to, cat, concatenate, expand, flatten, getitem, pad,
                        permute, reshape, split, squeeze, stack, sum_to, swapaxes,
                        transpose, unsqueeze)
from .ops.linalg import matmul

__version__ = "0.1.0"

from . import functional, nn, optim, testing  # noqa: E402
