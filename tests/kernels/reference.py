"""Slow, obviously correct NumPy-loop versions of the convolution family and of
batch norm, used to check the kernels and the ops."""
import numpy


def conv_output_size(size, kernel, stride, padding, dilation):
    return tuple((h + 2 * p - d * (k - 1) - 1) // s + 1
                 for h, k, s, p, d in zip(size, kernel, stride, padding, dilation))


def _window(xpad, a, b, kernel, stride, dilation):
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    rows = slice(a * sh, a * sh + dh * (kh - 1) + 1, dh)
    cols = slice(b * sw, b * sw + dw * (kw - 1) + 1, dw)
    return xpad[:, :, rows, cols]


def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), out_size=None):
    """y[n, o, a, b] = sum_{c,i,j} w[o, c, i, j] x_pad[n, c, a s + i d, b s + j d] (+ b[o])."""
    kernel = w.shape[2:]
    out = out_size or conv_output_size(x.shape[2:], kernel, stride, padding, dilation)
    (ph, pw) = padding
    xpad = numpy.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    y = numpy.zeros((x.shape[0], w.shape[0]) + tuple(out), dtype=numpy.float64)
    for a in range(out[0]):
        for bb in range(out[1]):
            patch = _window(xpad, a, bb, kernel, stride, dilation)
            y[:, :, a, bb] = numpy.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        y += b[None, :, None, None]
    return y


def conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                     dilation=(1, 1)):
    """Scatter form: y_full[n, o, a s + i d, b s + j d] += x[n, c, a, b] w[c, o, i, j],
    then the padding is cropped from each side."""
    n, _, h, wd = x.shape
    kernel = w.shape[2:]
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    full = ((h - 1) * sh + dh * (kernel[0] - 1) + 1 + output_padding[0],
            (wd - 1) * sw + dw * (kernel[1] - 1) + 1 + output_padding[1])
    y_full = numpy.zeros((n, w.shape[1]) + full)
    for a in range(h):
        for bb in range(wd):
            contrib = numpy.tensordot(x[:, :, a, bb], w, axes=([1], [0]))  # (N, O, kh, kw)
            y_full[:, :, a * sh: a * sh + dh * (kernel[0] - 1) + 1: dh,
                   bb * sw: bb * sw + dw * (kernel[1] - 1) + 1: dw] += contrib
    out = (full[0] - 2 * ph, full[1] - 2 * pw)
    y = y_full[:, :, ph: ph + out[0], pw: pw + out[1]]
    if b is not None:
        y = y + b[None, :, None, None]
    return y


def conv2d_weight_grad(x, gy, kernel, stride, padding, dilation):
    """gw[o, c, i, j] = sum_{n,a,b} gy[n, o, a, b] x_pad[n, c, a s + i d, b s + j d]."""
    (ph, pw) = padding
    xpad = numpy.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    gw = numpy.zeros((gy.shape[1], x.shape[1]) + tuple(kernel))
    for a in range(gy.shape[2]):
        for bb in range(gy.shape[3]):
            patch = _window(xpad, a, bb, kernel, stride, dilation)
            gw += numpy.tensordot(gy[:, :, a, bb], patch, axes=([0], [0]))
    return gw


def batch_norm(x, gamma, beta, eps):
    """Per-channel loops: the batch mean, biased variance and normalised output."""
    y = numpy.empty(x.shape)
    c = x.shape[1]
    mean, var = numpy.empty(c), numpy.empty(c)
    for k in range(c):
        v = x[:, k].astype(numpy.float64)
        mean[k], var[k] = v.mean(), ((v - v.mean()) ** 2).mean()
        y[:, k] = (v - mean[k]) / numpy.sqrt(var[k] + eps) * gamma[k] + beta[k]
    return y, mean, var


def batch_norm_backward(gy, x, gamma, eps):
    """Per-channel loops: gradients of batch_norm from the textbook formula."""
    gx = numpy.empty(x.shape)
    c = x.shape[1]
    ggamma, gbeta = numpy.empty(c), numpy.empty(c)
    for k in range(c):
        v, g = x[:, k].astype(numpy.float64), gy[:, k].astype(numpy.float64)
        m = v.size
        inv = 1 / numpy.sqrt(v.var() + eps)
        xhat = (v - v.mean()) * inv
        ggamma[k], gbeta[k] = (g * xhat).sum(), g.sum()
        gx[:, k] = gamma[k] * inv / m * (m * g - g.sum() - xhat * (g * xhat).sum())
    return gx, ggamma, gbeta


def layer_norm(x, weight, bias, k, eps):
    """Per-sample loops over the leading indices: normalise the trailing k axes."""
    lead = x.shape[:x.ndim - k]
    y = numpy.empty(x.shape)
    for idx in numpy.ndindex(*lead):
        v = x[idx].astype(numpy.float64)
        y[idx] = (v - v.mean()) / numpy.sqrt(v.var() + eps) * weight + bias
    return y


def layer_norm_backward(gy, x, weight, k, eps):
    """Per-sample loops: gradients of layer_norm from the textbook formula."""
    lead = x.shape[:x.ndim - k]
    gx = numpy.empty(x.shape)
    gw, gb = numpy.zeros(weight.shape), numpy.zeros(weight.shape)
    for idx in numpy.ndindex(*lead):
        v, g = x[idx].astype(numpy.float64), gy[idx].astype(numpy.float64)
        rstd = 1 / numpy.sqrt(v.var() + eps)
        xhat = (v - v.mean()) * rstd
        gw += g * xhat
        gb += g
        h = g * weight
        gx[idx] = rstd * (h - h.mean() - xhat * (h * xhat).mean())
    return gx, gw, gb
