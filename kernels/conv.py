"""2-D convolution, its transposed convolution and its weight gradient on raw arrays.

With x of shape (N, C, H, W), W of shape (C_out, C, kh, kw) and the geometry
g (kernel, stride s, padding p, dilation d, input size (H, W), output size
(oh, ow)):

    conv2d:             y[n, o, a, b]  = sum_{c,i,j} W[o, c, i, j] x_pad[n, c, a s + i d, b s + j d]
    conv_transpose2d:   the adjoint of conv2d in x: <conv_transpose2d(u, W), x> = <u, conv2d(x, W)>
    conv2d_weight_grad: gW[o, c, i, j] = sum_{n,a,b} gy[n, o, a, b]
                                         x_pad[n, c, a s + i d, b s + j d]

Each is im2col (or col2im) plus one matrix product. The same geometry
describes all three: conv_transpose2d maps an (oh, ow) array to an (H, W)
one. NumPy arrays run on the Numba CPU kernels and NumPy's BLAS, CuPy
arrays on the CUDA kernels and cuBLAS. On the CPU, outputs may be
(N, C, H, W) views of channels-last memory (see cpu_conv).
"""
from typing import NamedTuple

import numpy

from . import cpu_conv


class ConvGeometry(NamedTuple):
    """Pairs (rows, columns) that fix a convolution's index map.

    ``in_size`` is the size of the convolution's input (the transposed
    convolution's output) and ``out_size`` that of its output; ``out_size``
    is at most the natural size, so a transposed convolution whose output
    was padded (output_padding) is described exactly.
    """
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    in_size: tuple
    out_size: tuple


def conv_output_size(in_size, kernel, stride, padding, dilation):
    """Natural conv output size per axis: floor((H + 2p - d (k - 1) - 1) / s) + 1."""
    return tuple((h + 2 * p - d * (k - 1) - 1) // s + 1
                 for h, k, s, p, d in zip(in_size, kernel, stride, padding, dilation))


def _on_gpu(array):
    return not isinstance(array, numpy.ndarray)


def _cuda():
    from . import cuda_conv
    return cuda_conv


def lower(x, geometry):
    """The patch matrix of x (im2col) in the layout ``conv2d`` and
    ``conv2d_weight_grad`` accept as ``cols`` (the layout depends on the device)."""
    if _on_gpu(x):
        return _cuda().im2col(x, geometry)
    return cpu_conv.im2col(cpu_conv.channels_last(x), geometry)


def _weight_matrix(w):
    """(O, C, kh, kw) -> (O, kh * kw * C), the (i, j, c) order of the CPU columns."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)


def conv2d(x, w, b, geometry, cols=None):
    """y = conv2d(x, W) + b[o]; returns (y, cols) so the caller can keep the patches."""
    if _on_gpu(x):
        return _cuda().conv2d(x, w, b, geometry, cols)
    if cols is None:
        cols = lower(x, geometry)
    out = cols @ _weight_matrix(w).T
    if b is not None:
        out += b
    return cpu_conv.channels_first_view(out, x.shape[0], *geometry.out_size), cols


def conv_transpose2d(x, w, b, geometry):
    """y = conv_transpose2d(x, W) + b[o] for x (N, C_in, oh, ow), W (C_in, C_out, kh, kw):
    the columns W^T x are summed back onto the (H, W) grid (col2im)."""
    if _on_gpu(x):
        return _cuda().conv_transpose2d(x, w, b, geometry)
    n, c_in = x.shape[:2]
    c_out = w.shape[1]
    x_rows = cpu_conv.channels_last(x).reshape(-1, c_in)
    cols = x_rows @ _weight_matrix(w)
    y = cpu_conv.col2im(cols, n, c_out, geometry)
    if b is not None:
        y += b
    return cpu_conv.channels_first_view(y, n, *geometry.in_size)


def conv2d_weight_grad(x, gy, geometry, cols=None):
    """gW = sum over batch and positions of gy x_patch, of shape (C_out, C, kh, kw)."""
    if _on_gpu(x):
        return _cuda().conv2d_weight_grad(x, gy, geometry, cols)
    if cols is None:
        cols = lower(x, geometry)
    c_out, c_in = gy.shape[1], x.shape[1]
    gy_rows = cpu_conv.channels_last(gy).reshape(-1, c_out)
    gw = cols.T @ gy_rows
    kh, kw = geometry.kernel
    return numpy.ascontiguousarray(gw.reshape(kh, kw, c_in, c_out).transpose(3, 2, 0, 1))
