"""Experience replay for the discriminator (seeds 001, "Mode collapse ... Solutions").

D is shown, besides G's current samples, samples that G produced in the
past, so it keeps penalising the modes G visited before and G cannot escape
D simply by hopping back to them (Pfau & Vinyals 2016; Shrivastava et al.
2017 replace half of D's fake batch from such a history buffer).
"""
import numpy

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
            self._allocate(xp, data.shape[1:], data.dtype)
        slots = (self.next + xp.arange(len(data))) % self.capacity
        self.store[slots] = data
        self.next = int((self.next + len(data)) % self.capacity)
        self.size = min(self.capacity, self.size + len(data))

    def _allocate(self, xp, sample_shape, dtype):
        """An empty store of ``capacity`` samples of ``sample_shape`` in the array module xp."""
        self.store = xp.zeros((self.capacity,) + tuple(sample_shape), dtype=dtype)

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

    def state(self):
        """{"replay/store": the stored samples (size, ...), "replay/next": the slot written
        next}, for a checkpoint's extra state (an empty buffer stores an empty array)."""
        store = self.store[:self.size] if self.store is not None else numpy.zeros((0,))
        return {"replay/store": store, "replay/next": self.next}

    def load_state(self, state, device="cpu"):
        """Restore ``state()``'s dict, the samples copied onto ``device``."""
        saved = backend.to_numpy(state["replay/store"])
        if len(saved) > self.capacity:
            raise ValueError(f"ReplayBuffer: a saved buffer of {len(saved)} samples does not fit "
                             f"the capacity {self.capacity}")
        self.size, self.next = len(saved), int(state["replay/next"])
        if self.size == 0:
            self.store = None
            return
        xp = backend.xp_for(device)
        self._allocate(xp, saved.shape[1:], saved.dtype)
        self.store[:self.size] = xp.asarray(saved)


def replay_buffer(size, fraction):
    """A ReplayBuffer of ``size`` samples mixing in ``fraction``, or None if size is 0 (off)."""
    return ReplayBuffer(size, fraction) if size else None


class KeepsReplay:
    """Mixin for a variant with an optional replay buffer (``self.replay``, None when off):
    its checkpoints carry the buffer, so a resumed run replays what the uninterrupted run
    would have. Put it before ``KeepsAverage`` among the bases."""

    def replayed(self, fake):
        """D's fake batch: ``fake`` remembered in the buffer and part of it replaced by past
        samples (``ReplayBuffer.mix``); ``fake`` itself when replay is off."""
        if self.replay is None:
            return fake
        self.replay.push(fake)
        return self.replay.mix(fake)

    def get_extra_state(self):
        """The state of the bases after this one, with the replay buffer's added."""
        state = super().get_extra_state()
        return state if self.replay is None else {**state, **self.replay.state()}

    def set_extra_state(self, state):
        """Restore ``get_extra_state()``'s dict (a checkpoint without a buffer leaves it as
        is)."""
        super().set_extra_state(state)
        if self.replay is not None and "replay/store" in state:
            self.replay.load_state(state, self.device)
