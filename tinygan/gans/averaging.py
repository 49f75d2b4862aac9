"""The running average of the generator's weights that ProGAN, BigGAN and StyleGAN2 sample from.

After every generator step the averaged weights move towards the current ones,

    theta_avg <- beta theta_avg + (1 - beta) theta,

and samples (and the metrics computed on them) are drawn from G with
theta_avg; training itself never sees the average. ProGAN uses beta = 0.999
(Karras et al. 2018, appendix A.1), BigGAN 0.9999 (Brock et al. 2019,
appendix), StyleGAN2 expresses beta through a half-life in images,

    beta = 0.5 ** (batch_size / half_life),

with the half-life capped at a fraction (the ramp-up, 0.05) of the images
seen so far, so that a short run does not average in its first, random
weights (the StyleGAN2-ADA code's convention, Karras et al. 2020). That is
the rule here: a fixed beta of 0.999 would still weigh the initial weights
by 0.999^700 = 0.5 after the 700 steps a few minutes on a CPU allow.
"""
import contextlib

from .. import backend


class WeightAverage:
    """theta_avg of one network's parameters, updated by ``update`` and swapped in by ``applied``.

    ``half_life`` is in images; ``rampup`` caps it at ``rampup * images seen``.
    """

    def __init__(self, network, half_life=10_000, rampup=0.05):
        if half_life <= 0 or rampup < 0:
            raise ValueError(f"WeightAverage: half_life must be > 0 and rampup >= 0, got "
                             f"half_life={half_life}, rampup={rampup}")
        self.half_life, self.rampup = float(half_life), float(rampup)
        self.images = 0
        self.averages = {name: backend.get_array_module(p.data).array(p.data, copy=True)
                         for name, p in network.named_parameters()}

    def decay(self, batch_size):
        """beta = 0.5 ** (batch_size / min(half_life, rampup * images seen))."""
        half_life = self.half_life
        if self.rampup:
            half_life = min(half_life, self.rampup * self.images)
        return 0.5 ** (batch_size / half_life) if half_life > 0 else 0.0

    def update(self, network, batch_size):
        """After a generator step on ``batch_size`` images: theta_avg <- beta theta_avg +
        (1 - beta) theta."""
        self.images += batch_size
        beta = self.decay(batch_size)
        for name, p in network.named_parameters():
            average = self.averages[name]
            average *= beta
            average += (1 - beta) * p.data

    @contextlib.contextmanager
    def applied(self, network):
        """Within the block, ``network`` computes with theta_avg; its own weights come back
        after it."""
        params = dict(network.named_parameters())
        current = {name: params[name].data for name in self.averages}
        try:
            for name, average in self.averages.items():
                params[name].data = average
            yield network
        finally:
            for name, data in current.items():
                params[name].data = data

    def state(self):
        """{"average/<parameter>": array, "average_images": int}, for a checkpoint's extra state."""
        return {"average_images": self.images,
                **{f"average/{name}": a for name, a in self.averages.items()}}

    def load_state(self, state):
        """Restore ``state()``'s dict (arrays copied onto this average's device)."""
        self.images = int(state["average_images"])
        for name, average in self.averages.items():
            saved = state[f"average/{name}"]
            if tuple(saved.shape) != average.shape:
                raise ValueError(f"WeightAverage: saved average of {name} has shape "
                                 f"{tuple(saved.shape)}, the network's is {average.shape}")
            average[...] = backend.get_array_module(average).asarray(saved)


def weight_average(network, half_life):
    """A WeightAverage of ``network`` with this half-life in images, or None if it is None/0."""
    return WeightAverage(network, half_life) if half_life else None


class KeepsAverage:
    """Mixin for a variant whose G has a running average (``self.average``, None when off):
    its checkpoints carry the average as extra state. A variant that saves more state adds
    its own keys around ``super().get_extra_state()`` / ``super().set_extra_state(state)``."""

    def get_extra_state(self):
        """G's running average of weights ({} when the variant keeps none)."""
        return {} if self.average is None else self.average.state()

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict (a checkpoint without an average leaves it as
        is)."""
        if self.average is not None and "average_images" in state:
            self.average.load_state(state)
