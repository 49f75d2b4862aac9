"""Numba CPU kernels that lower a 2-D convolution to one matrix product.

The CPU path works channels-last: an (N, C, H, W) input is read as an
(N, H, W, C) array (a free view when its memory is already in that order,
otherwise one transposing copy), so that every patch row gathered by
``im2col`` is made of runs of C contiguous values (fast copies instead of
strided gathers). Outputs are produced channels-last too and handed back as
(N, C, H, W) views of that memory, so a chain of convolutions and
elementwise ops never transposes.

Geometry: output position (y, x) and kernel offset (i, j) read the input at
h = y * sh - ph + i * dh, w = x * sw - pw + j * dw; positions outside the
input are the zero padding.

Column layout: ``cols[(n * oh + y) * ow + x, (i * kw + j) * C + c]``, an
(N * oh * ow, kh * kw * C) matrix, so a convolution is ``cols @ Wm.T`` with
``Wm = W.transpose(0, 2, 3, 1).reshape(C_out, -1)``.

The kernels are serial on purpose: on a small machine NumPy's BLAS threads
keep spinning after each matrix product, and a parallel Numba region that
starts right after one waits several milliseconds for a free core. The
matrix products, which dominate, still use every core through BLAS.
Indices are unsigned so that Numba emits no negative-index checks and the
inner copies vectorise.
"""
import numpy
from numba import njit, uint64

_TILE = 16


@njit(cache=True)
def _to_channels_last(x, out):
    n_img, n_chan, plane = x.shape
    xf, of = x.ravel(), out.ravel()
    for n in range(n_img):
        for c0 in range(0, n_chan, _TILE):
            c1 = min(c0 + _TILE, n_chan)
            for p0 in range(0, plane, _TILE):
                p1 = min(p0 + _TILE, plane)
                for c in range(c0, c1):
                    src = uint64((n * n_chan + c) * plane)
                    dst = uint64(n * plane * n_chan + c)
                    for p in range(uint64(p0), uint64(p1)):
                        of[dst + p * uint64(n_chan)] = xf[src + p]


@njit(cache=True)
def _im2col(x, out, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n_img, height, width, n_chan = x.shape
    k = kh * kw * n_chan
    xf, of = x.ravel(), out.ravel()
    run = uint64(n_chan)
    for n in range(n_img):
        for y in range(oh):
            for xo in range(ow):
                row = ((n * oh + y) * ow + xo) * k
                w0 = xo * sw - pw
                whole_row = dw == 1 and w0 >= 0 and w0 + kw <= width
                for i in range(kh):
                    h = y * sh - ph + i * dh
                    dst = uint64(row + i * kw * n_chan)
                    if h < 0 or h >= height:
                        for t in range(uint64(kw) * run):
                            of[dst + t] = 0
                    elif whole_row:
                        src = uint64(((n * height + h) * width + w0) * n_chan)
                        for t in range(uint64(kw) * run):
                            of[dst + t] = xf[src + t]
                    else:
                        for j in range(kw):
                            w = w0 + j * dw
                            d = dst + uint64(j * n_chan)
                            if w < 0 or w >= width:
                                for t in range(run):
                                    of[d + t] = 0
                            else:
                                src = uint64(((n * height + h) * width + w) * n_chan)
                                for t in range(run):
                                    of[d + t] = xf[src + t]


@njit(cache=True)
def _col2im(cols, out, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n_img, height, width, n_chan = out.shape
    k = kh * kw * n_chan
    cf, of = cols.ravel(), out.ravel()
    run = uint64(n_chan)
    for t in range(of.size):
        of[t] = 0
    for n in range(n_img):
        for y in range(oh):
            for xo in range(ow):
                row = ((n * oh + y) * ow + xo) * k
                w0 = xo * sw - pw
                whole_row = dw == 1 and w0 >= 0 and w0 + kw <= width
                for i in range(kh):
                    h = y * sh - ph + i * dh
                    if h < 0 or h >= height:
                        continue
                    src = uint64(row + i * kw * n_chan)
                    if whole_row:
                        dst = uint64(((n * height + h) * width + w0) * n_chan)
                        for t in range(uint64(kw) * run):
                            of[dst + t] += cf[src + t]
                        continue
                    for j in range(kw):
                        w = w0 + j * dw
                        if 0 <= w < width:
                            dst = uint64(((n * height + h) * width + w) * n_chan)
                            s = src + uint64(j * n_chan)
                            for t in range(run):
                                of[dst + t] += cf[s + t]


def channels_last(x):
    """x (N, C, H, W) as a C-contiguous (N, H, W, C) array: out[n, h, w, c] = x[n, c, h, w].

    A view when x's memory is already channels-last, else a transposed copy.
    """
    view = x.transpose(0, 2, 3, 1)
    if view.flags.c_contiguous:
        return view
    n, c, h, w = x.shape
    out = numpy.empty((n, h, w, c), dtype=x.dtype)
    _to_channels_last(numpy.ascontiguousarray(x).reshape(n, c, h * w), out.reshape(n, h * w, c))
    return out


def channels_first_view(rows, n, h, w):
    """The (N, C, H, W) view of channels-last data: rows (N * H * W, C) or (N, H, W, C)."""
    return rows.reshape(n, h, w, -1).transpose(0, 3, 1, 2)


def im2col(x_nhwc, geometry):
    """Patches of a channels-last input as rows: cols[(n, y, x), (i, j, c)] = x_pad[n, h, w, c]."""
    g = geometry
    n, c = x_nhwc.shape[0], x_nhwc.shape[3]
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    out = numpy.empty((n * oh * ow, kh * kw * c), dtype=x_nhwc.dtype)
    _im2col(x_nhwc, out, kh, kw, *g.stride, *g.padding, *g.dilation, oh, ow)
    return out


def col2im(cols, n, c, geometry):
    """The adjoint of ``im2col``: each entry of cols is added back onto the input
    position it was read from; returns (N, H, W, C), entries in the padding dropped."""
    g = geometry
    out = numpy.empty((n, *g.in_size, c), dtype=cols.dtype)
    _col2im(numpy.ascontiguousarray(cols), out, *g.kernel, *g.stride, *g.padding,
            *g.dilation, *g.out_size)
    return out
