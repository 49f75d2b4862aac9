"""Second-order regularisers of StyleGAN2 (Karras et al., CVPR 2020): both differentiate through
a gradient built with ``grad(create_graph=True)``.

R1 (Mescheder, Geiger, Nowozin, "Which Training Methods for GANs do actually Converge?",
ICML 2018, eq. 9), on real samples only:

    R1 = gamma / 2 * E_x ||grad_x D(x)||^2

Path-length regulariser (StyleGAN2 eq. 4), with y ~ N(0, I) / sqrt(H W) a random image
direction and a the running mean of the lengths:

    PL = E_{w, y} (||J_w^T y||_2 - a)^2,   J_w = dg(w)/dw.

"Lazy" regularisation (StyleGAN2 section 3.1): the penalties are added every
k-th minibatch only, multiplied by k to keep their overall weight.
"""
import math

from .. import autograd, backend
from ..tensor import Tensor


def r1_penalty(score, real, gamma):
    """gamma / 2 * mean_n ||d score(x_n) / d x_n||^2 on real samples x, as a differentiable Tensor.

    ``score`` maps a batch (m, ...) to D's outputs (m,); the gradient is built
    with create_graph=True, so the penalty can be descended.
    """
    if gamma < 0:
        raise ValueError(f"r1_penalty: gamma must be >= 0 (a negative weight would reward a "
                         f"steep D), got {gamma}")
    x = Tensor(real.data, requires_grad=True)
    (g,) = autograd.grad(score(x).sum(), [x], create_graph=True)
    squared = (g * g).reshape(g.shape[0], -1).sum(axis=1)
    return gamma / 2 * squared.mean()


def check_lazy_r1(variant, gamma, interval):
    """A ValueError naming ``variant`` unless gamma >= 0 and interval >= 1 (a variant's
    ``r1_gamma`` and ``r1_interval``)."""
    if gamma < 0 or int(interval) < 1:
        raise ValueError(f"{variant}: r1_gamma must be >= 0 and r1_interval >= 1, got "
                         f"r1_gamma={gamma}, r1_interval={interval}")


def lazy_r1(step, score, real, gamma, interval):
    """interval * R1 at every interval-th step (as a Tensor to add to D's loss) with R1 itself as
    a float for the log, or (None, None) at the other steps and when gamma is 0."""
    if not gamma or step % interval:
        return None, None
    r1 = r1_penalty(score, real, gamma)
    return interval * r1, float(r1.item())


def path_lengths(synthesis, ws, direction=None):
    """||J_w^T y|| per sample for images g(ws), ws (m, L, w_dim), y ~ N(0, I) / sqrt(H W).

    As in StyleGAN2's code the squared norm is summed over w_dim and averaged
    over the L layers' copies of w. Returns (lengths (m,), the direction y).
    """
    ws = ws if ws.requires_grad else Tensor(ws.data, requires_grad=True)
    images = synthesis(ws)
    if direction is None:
        h, w = images.shape[-2:]
        gen = backend.generator(images.device)
        noise = gen.standard_normal(images.shape).astype(images.dtype)
        direction = Tensor(noise / math.sqrt(h * w))
    (g,) = autograd.grad((images * direction).sum(), [ws], create_graph=True)
    return ((g * g).sum(axis=2).mean(axis=1) + 1e-12).sqrt(), direction


def path_length_penalty(synthesis, ws, mean_length, direction=None):
    """(mean_n (||J_w^T y||_n - a)^2 as a Tensor, the lengths' mean as a float); a: ``mean_length``.

    The caller keeps a as the exponential moving average a <- a + 0.01 (mean - a).
    """
    lengths, _ = path_lengths(synthesis, ws, direction)
    return ((lengths - mean_length) ** 2).mean(), float(lengths.data.mean())
