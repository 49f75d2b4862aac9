"""Compiled kernels: pure array functions (no Tensor, no autograd)."""
