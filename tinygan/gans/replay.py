"""Experience replay for the discriminator (seeds 001, "Mode collapse ... Solutions").

D is shown, besides G's current samples, samples that G produced in the
past, so it keeps penalising the modes G visited before and G cannot escape
D simply by hopping back to them (Pfau & Vinyals 2016; Shrivastava et al.
2017 replace half of D's fake batch from such a history buffer).
"""
from .. import backend
from ..ops.shape import concatenate
from ..tensor import Tensor


class ReplayBuffer:
    """A fixed-size store of past generated samples, overwritten oldest first."""

    def __init__(self, capacity, fraction=0.5):
        if capacity < 1 or not 0 <= fraction <= 1:
            raise ValueError(f"ReplayBuffer: need capacity >= 1 and 0 <= fraction <= 1, got "
                             f"{capacity} and {fraction}")
        self.capacity, self.fraction = int(capacity), float(fraction)
        self.store = None       # array (capacity, *sample_shape)
        self.size = 0           # how many slots hold samples
        self.next = 0           # the slot written next

    def push(self, samples):
        """Remember a batch of generated samples (their values, no graph)."""
        data = samples.data[-self.capacity:]
        xp = backend.get_array_module(data)
        if self.store is None:
            self.store = xp.zeros((self.capacity,) + data.shape[1:], dtype=data.dtype)
        slots = (self.next + xp.arange(len(data))) % self.capacity
        self.store[slots] = data
        self.next = int((self.next + len(data)) % self.capacity)
        self.size = min(self.capacity, self.size + len(data))

    def mix(self, fake):
        """``fake`` with its first ``fraction`` of rows replaced by random past samples.

        Returns ``fake`` unchanged while the buffer is empty. The replayed rows
        are constants (G is not trained through them).
        """
        n_old = int(round(self.fraction * len(fake))) if self.size else 0
        if n_old == 0:
            return fake
        picks = backend.generator(fake.device).integers(0, self.size, n_old)
        old = Tensor(self.store[picks])
        return concatenate([old, fake[n_old:]], axis=0)
