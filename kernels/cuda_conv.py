"""CUDA (CuPy) versions of the convolution lowering: im2col and col2im as
elementwise kernels, the matrix product on cuBLAS (cupy.matmul).

The CUDA path stays channels-first. Column layout:
``cols[(c * kh + i) * kw + j, (n * oh + y) * ow + x]``, a (C kh kw, N oh ow)
matrix, so conv2d is ``W.reshape(C_out, -1) @ cols``. col2im gathers (each
thread owns one input element and sums the entries that read it), so no
atomics are needed.
"""
import functools

import cupy

_GEOMETRY_PARAMS = ("int32 c_in, int32 h, int32 w, int32 kh, int32 kw, int32 sh, int32 sw, "
                    "int32 ph, int32 pw, int32 dh, int32 dw, int32 oh, int32 ow, int32 n_img")


@functools.lru_cache(maxsize=None)
def _im2col_kernel():
    return cupy.ElementwiseKernel(
        "raw T x, " + _GEOMETRY_PARAMS,
        "T col",
        """
        const long long per_image = (long long)oh * ow;
        const long long n_cols = per_image * n_img;
        const long long row = i / n_cols;
        const long long pos = i % n_cols;
        const int c = (int)(row / (kh * kw));
        const int ki = (int)((row / kw) % kh);
        const int kj = (int)(row % kw);
        const long long n = pos / per_image;
        const int y = (int)((pos / ow) % oh);
        const int xo = (int)(pos % ow);
        const int hh = y * sh - ph + ki * dh;
        const int ww = xo * sw - pw + kj * dw;
        if (hh >= 0 && hh < h && ww >= 0 && ww < w) {
            col = x[((n * c_in + c) * h + hh) * w + ww];
        } else {
            col = (T)0;
        }
        """,
        "tinygan_im2col")


@functools.lru_cache(maxsize=None)
def _col2im_kernel():
    return cupy.ElementwiseKernel(
        "raw T cols, " + _GEOMETRY_PARAMS,
        "T out",
        """
        const long long per_image = (long long)oh * ow;
        const long long n_cols = per_image * n_img;
        const int ww = (int)(i % w);
        const int hh = (int)((i / w) % h);
        const int c = (int)((i / ((long long)w * h)) % c_in);
        const long long n = i / ((long long)w * h * c_in);
        T acc = 0;
        for (int ki = 0; ki < kh; ++ki) {
            const int hp = hh + ph - ki * dh;
            if (hp < 0 || hp % sh != 0) continue;
            const int y = hp / sh;
            if (y >= oh) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int wp = ww + pw - kj * dw;
                if (wp < 0 || wp % sw != 0) continue;
                const int xo = wp / sw;
                if (xo >= ow) continue;
                const long long row = ((long long)c * kh + ki) * kw + kj;
                acc += cols[row * n_cols + (n * oh + y) * ow + xo];
            }
        }
        out = acc;
        """,
        "tinygan_col2im")


def _params(n, c, g):
    (h, w), (kh, kw), (oh, ow) = g.in_size, g.kernel, g.out_size
    return (c, h, w, kh, kw, *g.stride, *g.padding, *g.dilation, oh, ow, n)


def im2col(x, g):
    """cols[(c, i, j), (n, y, x)] = x_pad[n, c, y s + i d, x s + j d] for x (N, C, H, W)."""
    x = cupy.ascontiguousarray(x)
    n, c = x.shape[:2]
    (kh, kw), (oh, ow) = g.kernel, g.out_size
    cols = cupy.empty((c * kh * kw, n * oh * ow), dtype=x.dtype)
    _im2col_kernel()(x, *_params(n, c, g), cols)
    return cols


def col2im(cols, n, c, g):
    """The adjoint of im2col: (N, C, H, W) with every column entry summed back in place."""
    out = cupy.empty((n, c) + tuple(g.in_size), dtype=cols.dtype)
    _col2im_kernel()(cupy.ascontiguousarray(cols), *_params(n, c, g), out)
    return out


def _channels_first(y2, n, size, b):
    """(C, N * H * W) -> (N, C, H, W), plus the bias."""
    c = y2.shape[0]
    y = y2.reshape(c, n, *size).transpose(1, 0, 2, 3)
    if b is not None:
        y = y + b.reshape(1, c, 1, 1)
    return cupy.ascontiguousarray(y)


def conv2d(x, w, b, g, cols=None):
    """y = conv2d(x, W) + b; returns (y, cols)."""
    if cols is None:
        cols = im2col(x, g)
    y2 = cupy.matmul(w.reshape(w.shape[0], -1), cols)
    return _channels_first(y2, x.shape[0], g.out_size, b), cols


def conv_transpose2d(x, w, b, g):
    """y = col2im(W^T x) + b for x (N, C_in, oh, ow), W (C_in, C_out, kh, kw)."""
    n, c_in = x.shape[:2]
    x2 = cupy.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(c_in, -1)
    cols = cupy.matmul(w.reshape(c_in, -1).T, x2)
    y = col2im(cols, n, w.shape[1], g)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def conv2d_weight_grad(x, gy, g, cols=None):
    """gW = gy (C_out, N oh ow) @ cols^T, reshaped to (C_out, C, kh, kw)."""
    if cols is None:
        cols = im2col(x, g)
    c_out = gy.shape[1]
    gy2 = cupy.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(c_out, -1)
    gw = cupy.matmul(gy2, cols.T)
    return gw.reshape(c_out, x.shape[1], *g.kernel)
