"""Hypothesis strategy for small convolution geometries (tiny, since gradient
checks cost a forward pass per element)."""
from hypothesis import strategies as st


@st.composite
def conv_cases(draw, max_side=6, max_channels=3, max_batch=2, transposed=False):
    """dict(n, c_in, c_out, size, kernel, stride, padding, dilation, output_padding) with a
    valid (positive) output size; output_padding is non-zero only when ``transposed``."""
    n = draw(st.integers(1, max_batch))
    c_in, c_out = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 1)))
    size, output_padding = [], []
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        if transposed:
            limit = max(s, d) - 1
            op = draw(st.integers(0, limit))
            low = 1
            while (low - 1) * s - 2 * p + span + op < 1:
                low += 1
            size.append(draw(st.integers(low, max(low, max_side - 2))))
            output_padding.append(op)
        else:
            low = max(1, span - 2 * p)
            size.append(draw(st.integers(low, max(low, max_side))))
            output_padding.append(0)
    return dict(n=n, c_in=c_in, c_out=c_out, size=tuple(size), kernel=kernel, stride=stride,
                padding=padding, dilation=dilation, output_padding=tuple(output_padding))
