"""The benchmark workloads, written once for both engines.

tinygan copies PyTorch's names (nn.Conv2d, F.binary_cross_entropy_with_logits,
optim.Adam, ...), so each network and training step below is one function
that takes a ``Framework`` (the handful of calls that differ) and runs
unchanged on either engine.
"""
import time


class Framework:
    """The calls that differ between tinygan and PyTorch: tensor factories,
    autograd.grad, no_grad and device synchronisation."""

    def __init__(self, name, device):
        self.name, self.device = name, device
        if name == "tinygan":
            import tinygan as tg
            import tinygan.functional as F
            import tinygan.nn as nn
            import tinygan.optim as optim
            self.lib, self.nn, self.F, self.optim = tg, nn, F, optim
            self.grad, self.no_grad = tg.grad, tg.no_grad
        else:
            import torch
            import torch.nn.functional as F
            self.lib, self.nn, self.F, self.optim = torch, torch.nn, F, torch.optim
            self.grad, self.no_grad = torch.autograd.grad, torch.no_grad

    def randn(self, *shape):
        return self.lib.randn(*shape, device=self.device)

    def rand(self, *shape):
        return self.lib.rand(*shape, device=self.device)

    def full(self, shape, value):
        return self.lib.full(shape, value, device=self.device)

    def seed(self, seed):
        self.lib.manual_seed(seed)

    def to_device(self, module):
        return module.to(self.device)

    def synchronize(self):
        if self.device != "cuda":
            return
        if self.name == "tinygan":
            import cupy
            cupy.cuda.Device().synchronize()
        else:
            self.lib.cuda.synchronize()


# ------------------------------------------------------------ networks

def dcgan32_generator(nn, nz=100):
    """DCGAN generator for 1 x 32 x 32 images (bias-free convs, batch norm)."""
    return nn.Sequential(
        nn.ConvTranspose2d(nz, 256, 4, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
        nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())


def dcgan32_discriminator(nn, layer_norm=False):
    """DCGAN discriminator; with ``layer_norm`` the WGAN-GP critic (LayerNorm over
    [C, H, W] instead of batch norm, which would break the per-sample penalty)."""
    def norm(c, size):
        return nn.LayerNorm([c, size, size]) if layer_norm else nn.BatchNorm2d(c)
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), norm(128, 8), nn.LeakyReLU(0.2),
        nn.Conv2d(128, 256, 4, 2, 1, bias=False), norm(256, 4), nn.LeakyReLU(0.2),
        nn.Conv2d(256, 1, 4, 1, 0, bias=False))


def mlp(nn, n_in, n_out, hidden=512, depth=3):
    """ReLU MLP with ``depth`` hidden layers of ``hidden`` units."""
    layers, width = [], n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, n_out))


# ------------------------------------------------------------ training steps

class DCGANStep:
    """One D update on a real and a fake batch (BCE with logits), one G update;
    Adam(2e-4, betas=(0.5, 0.999))."""

    def __init__(self, fw, batch=64, nz=100):
        self.fw, self.batch, self.nz = fw, batch, nz
        self.G = fw.to_device(dcgan32_generator(fw.nn, nz))
        self.D = fw.to_device(dcgan32_discriminator(fw.nn))
        self.opt_g = fw.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = fw.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.real = fw.rand(batch, 1, 32, 32) * 2 - 1
        self.ones = fw.full((batch, 1, 1, 1), 1.0)
        self.zeros = fw.full((batch, 1, 1, 1), 0.0)

    def __call__(self):
        fw, F = self.fw, self.fw.F
        fake = self.G(fw.randn(self.batch, self.nz, 1, 1))
        self.opt_d.zero_grad()
        loss_d = F.binary_cross_entropy_with_logits(self.D(self.real), self.ones) + \
            F.binary_cross_entropy_with_logits(self.D(fake.detach()), self.zeros)
        loss_d.backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(self.D(fake), self.ones)
        loss_g.backward()
        self.opt_g.step()
        return float(loss_d.item()), float(loss_g.item())


class WGANGPStep:
    """Five critic updates with the gradient penalty lambda E[(||grad D(x_hat)|| - 1)^2]
    on random interpolates (double backward), then one generator update."""

    def __init__(self, fw, G, D, real, sample_z, lr, betas, n_critic=5, lam=10.0):
        self.fw, self.G, self.D, self.real, self.sample_z = fw, G, D, real, sample_z
        self.n_critic, self.lam = n_critic, lam
        self.opt_g = fw.optim.Adam(G.parameters(), lr=lr, betas=betas)
        self.opt_d = fw.optim.Adam(D.parameters(), lr=lr, betas=betas)

    def penalty(self, real, fake):
        fw = self.fw
        n = real.shape[0]
        eps = fw.rand(n, *([1] * (real.ndim - 1)))
        x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
        (g,) = fw.grad(self.D(x_hat).sum(), [x_hat], create_graph=True)
        norms = (g.reshape(n, -1) ** 2).sum(axis=1).sqrt()
        return ((norms - 1) ** 2).mean()

    def __call__(self):
        fw = self.fw
        for _ in range(self.n_critic):
            with fw.no_grad():
                fake = self.G(self.sample_z())
            self.opt_d.zero_grad()
            loss_d = self.D(fake).mean() - self.D(self.real).mean() + \
                self.lam * self.penalty(self.real, fake)
            loss_d.backward()
            self.opt_d.step()
        self.opt_g.zero_grad()
        loss_g = -self.D(self.G(self.sample_z())).mean()
        loss_g.backward()
        self.opt_g.step()
        return float(loss_d.item()), float(loss_g.item())


def wgan_gp32_step(fw, batch=64, nz=100):
    """WGAN-GP on 32 x 32 images: DCGAN generator, layer-norm critic, Adam(1e-4, (0.5, 0.9))."""
    G = fw.to_device(dcgan32_generator(fw.nn, nz))
    D = fw.to_device(dcgan32_discriminator(fw.nn, layer_norm=True))
    real = fw.rand(batch, 1, 32, 32) * 2 - 1
    return WGANGPStep(fw, G, D, real, lambda: fw.randn(batch, nz, 1, 1), 1e-4, (0.5, 0.9))


def wgan_gp_toy_step(fw, batch=256, nz=2):
    """WGAN-GP on 2-D points with ReLU MLPs (3 hidden layers of 512)."""
    G = fw.to_device(mlp(fw.nn, nz, 2))
    D = fw.to_device(mlp(fw.nn, 2, 1))
    real = fw.randn(batch, 2)
    return WGANGPStep(fw, G, D, real, lambda: fw.randn(batch, nz), 1e-4, (0.5, 0.9))


# ------------------------------------------------------------ single layers

DCGAN32_CONVS = [
    # (kind, c_in, c_out, input size, kernel, stride, padding)
    ("conv2d", 1, 64, 32, 4, 2, 1),
    ("conv2d", 64, 128, 16, 4, 2, 1),
    ("conv2d", 128, 256, 8, 4, 2, 1),
    ("conv2d", 256, 1, 4, 4, 1, 0),
    ("conv_transpose2d", 100, 256, 1, 4, 1, 0),
    ("conv_transpose2d", 256, 128, 4, 4, 2, 1),
    ("conv_transpose2d", 128, 64, 8, 4, 2, 1),
    ("conv_transpose2d", 64, 1, 16, 4, 2, 1),
]


class ConvLayerStep:
    """Forward and backward (input and weight gradients) of one conv layer."""

    def __init__(self, fw, spec, batch=64):
        kind, c_in, c_out, size, k, s, p = spec
        self.fw, self.kind, self.s, self.p = fw, kind, s, p
        w_shape = (c_out, c_in, k, k) if kind == "conv2d" else (c_in, c_out, k, k)
        self.x = fw.randn(batch, c_in, size, size).requires_grad_(True)
        self.w = fw.randn(*w_shape).requires_grad_(True)
        out = (size + 2 * p - k) // s + 1 if kind == "conv2d" else (size - 1) * s - 2 * p + k
        self.gy = fw.randn(batch, c_out, out, out)
        # multiply-adds of the forward, times 2 flops, times 3 (forward, d input, d weight)
        spatial = out * out if kind == "conv2d" else size * size
        self.flops = 3 * 2 * batch * spatial * c_in * c_out * k * k

    def __call__(self):
        conv = getattr(self.fw.F, self.kind)
        y = conv(self.x, self.w, None, self.s, self.p)
        y.backward(self.gy)
        self.x.grad = self.w.grad = None


def timed(fn, fw, repeats, warmup=2, clock=time.perf_counter):
    """Median time of ``fn()`` in seconds over ``repeats`` calls (after ``warmup``);
    ``clock`` is wall time by default (time.process_time gives this process's CPU time)."""
    for _ in range(warmup):
        fn()
    fw.synchronize()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        fw.synchronize()
        times.append(clock() - start)
    times.sort()
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] + times[mid])
