"""The one training loop every GAN variant runs in.

    import tinygan as tg, tinygan.gans as gans
    from tinygan.train import train
    tg.manual_seed(0)                                    # the networks' initial weights
    variant = gans.get("gan")((2,))
    history = train(variant, "ring8", steps=2000, seed=0)
    history[-1]["loss/D"], history.steps_per_second

A variant only performs its paper's algorithm (``train_step``); this module
does everything around it: seeding, drawing real minibatches, recording the
metrics of every step (including the gradient norm of every layer, to watch
gradients vanish or explode), timing, progress, and a callback hook for
checkpoints and pictures.
"""
import math
import time

import numpy

from . import backend
from .tensor import Tensor, tensor

DATA_STREAM = 1     # the data sampler's seed is (seed, DATA_STREAM): independent of z's stream


class History(list):
    """The list of per-step metric dicts, with the run's timing as attributes.

    ``seconds``: wall time of the loop; ``steps_per_second``: steps / seconds.
    Timing is kept out of the dicts so that one seed gives identical dicts.
    """

    seconds = 0.0
    steps_per_second = 0.0

    def series(self, key):
        """The values of one metric over the steps, as a NumPy array."""
        return numpy.array([record[key] for record in self])


def real_sampler(data, data_shape, device="cpu", rng=None, labels=False):
    """``sample_real(m)``: m samples of ``data`` as a Tensor of shape (m, *data_shape).

    ``data`` is an object with ``sample(n, rng)`` (returning an array or a
    Tensor) or the name of one in ``tinygan.data``; ``rng`` is the NumPy
    Generator the draws come from.

    The variants that take more than samples get tuples: with ``labels=True``
    (``needs_labels``) each call returns ``(images, labels)`` drawn together
    from ``data.images`` and ``data.labels``; data whose ``sample`` returns a
    tuple (the unpaired domains of ``paired_domains``, the captioned images of
    ``needs_captions``) give that tuple. Floating arrays in a tuple become
    Tensors of shape (m, *data_shape); integer arrays (labels, caption token
    ids) stay NumPy arrays.
    """
    data = resolve_data(data)
    rng = numpy.random.default_rng() if rng is None else rng
    if labels and not (hasattr(data, "images") and hasattr(data, "labels")):
        raise TypeError(f"train: this variant needs labelled data (with images and labels), got "
                        f"{type(data).__name__}")

    def as_batch(batch, m):
        batch = batch.data if isinstance(batch, Tensor) else numpy.asarray(batch)
        batch = batch.reshape((m,) + tuple(data_shape))
        if batch.dtype != backend.default_dtype():
            batch = batch.astype(backend.default_dtype())
        return tensor(batch, device=device)

    def sample_real(m):
        if labels:
            picks = rng.integers(0, len(data.labels), m)
            return as_batch(data.images[picks], m), numpy.asarray(data.labels)[picks]
        batch = data.sample(m, rng)
        if isinstance(batch, tuple):
            return tuple(numpy.asarray(part) if numpy.asarray(part).dtype.kind in "iub"
                         else as_batch(part, m) for part in batch)
        return as_batch(batch, m)
    return sample_real


def resolve_data(data):
    """A data-set object: ``data`` itself, or ``tinygan.data.get(data)`` for a name."""
    if isinstance(data, str):
        from . import data as datasets
        return datasets.get(data)
    if not hasattr(data, "sample"):
        raise TypeError(f"train: data must be a data-set name or have sample(n, rng), got "
                        f"{type(data).__name__}")
    return data


def layer_grad_norms(variant):
    """{"grad_norm/<network>/<layer>": ||grad||_2} from each parameter's current ``.grad``.

    A layer is the module that owns the parameters ("0" for the first Linear
    of a Sequential), so weight and bias are measured together.
    """
    squares = {}
    for net_name, network in variant.networks().items():
        for name, p in network.named_parameters():
            if p.grad is None:
                continue
            key = f"grad_norm/{net_name}/{name.rpartition('.')[0] or name}"
            squares[key] = squares.get(key, 0.0) + float((p.grad.data * p.grad.data).sum())
    return {key: math.sqrt(value) for key, value in squares.items()}


def decay_learning_rate(steps, final_factor, start_fraction=0.5):
    """A ``train`` callback: every optimizer's lr stays at the config's ``lr`` until
    ``start_fraction * steps``, then falls geometrically to ``final_factor * lr`` at ``steps``:

        lr(step) = lr * final_factor ** max(0, (step/steps - start_fraction) / (1 - start_fraction)).
    """
    def callback(step, variant, metrics):
        progress = max(0.0, (step / steps - start_fraction) / (1 - start_fraction))
        for optimizer in variant.optimizers().values():
            for group in optimizer.param_groups:
                group["lr"] = variant.config["lr"] * final_factor ** progress
    return callback


def train(variant, data, steps, batch_size=None, seed=0, log_every=100, callback=None,
          progress=True, data_rng=None, start_step=0, max_seconds=None):
    """Run ``steps`` iterations of ``variant.train_step`` on ``data``; return the History.

    Seeds the model's generator (``tg.manual_seed(seed)``: z, interpolation
    eps, replay picks) and a NumPy Generator for the real data, so one seed
    gives one run exactly (build the variant after ``tg.manual_seed`` too,
    for its initial weights). ``batch_size`` overrides the variant's m.
    Each record holds "step", the variant's metrics and the per-layer
    gradient norms. ``callback(step, variant, metrics)`` runs after every
    step (checkpoints, pictures); ``progress`` prints every ``log_every``
    steps (a tqdm bar when tqdm is installed).

    To resume a run: restore the variant and the random states, pass
    ``seed=None`` (the engine's generator is left as restored), the restored
    data Generator as ``data_rng``, and the steps already done as ``start_step``.

    ``max_seconds`` is a wall-clock budget: training stops after the first
    step that ends past it, even if fewer than ``steps`` were done
    (``len(history)`` says how many), so that variants of different speeds
    can be compared at equal cost.
    """
    if int(log_every) < 1:
        raise ValueError(f"train: log_every must be a positive number of steps (progress=False "
                         f"turns the output off), got {log_every}")
    if batch_size is not None:
        variant.config["batch_size"] = int(batch_size)
    if seed is not None:
        backend.manual_seed(seed)
    if data_rng is None:
        data_rng = numpy.random.default_rng([0 if seed is None else seed, DATA_STREAM])
    sample_real = real_sampler(data, variant.data_shape, variant.device, data_rng,
                               labels=getattr(variant, "needs_labels", False))
    history = History()
    bar = _progress_bar(steps) if progress else None
    start = time.perf_counter()
    for step in range(start_step + 1, start_step + steps + 1):
        metrics = {"step": step, **variant.train_step(sample_real), **layer_grad_norms(variant)}
        history.append(metrics)
        if callback is not None:
            callback(step, variant, metrics)
        out_of_time = max_seconds is not None and time.perf_counter() - start >= max_seconds
        if progress and (step % log_every == 0 or step == start_step + steps or out_of_time):
            _show(bar, step - start_step, steps, metrics)
        if out_of_time:
            break
    history.seconds = time.perf_counter() - start
    history.steps_per_second = len(history) / history.seconds if history.seconds > 0 else float("inf")
    if bar is not None:
        bar.close()
    return history


def _progress_bar(steps):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=steps, unit="step", leave=False)


def _show(bar, step, steps, metrics):
    shown = {k: v for k, v in metrics.items() if k.startswith(("loss", "D(")) or k == "wasserstein"}
    text = "  ".join(f"{k} {v:.4g}" for k, v in shown.items())
    if bar is None:
        print(f"step {step}/{steps}  {text}", flush=True)
    else:
        bar.update(step - bar.n)
        bar.set_postfix_str(text, refresh=False)
