"""The one place that decides where arrays live.

A device is ``"cpu"`` (NumPy arrays) or ``"cuda"`` (CuPy arrays). Everything
above this module asks it for the array module of a device or of an array
(``xp``) instead of importing NumPy or CuPy itself, so one op body serves both.
"""
import numpy

_DEVICES = ("cpu", "cuda")
_default_dtype = numpy.dtype(numpy.float32)
_cupy = None
_cupy_error = None
_generators = {}

CUDA_INSTALL_HINT = (
    "install CuPy for your CUDA version, e.g. `pip install tinygan[cuda12]` "
    "or `pip install tinygan[cuda13]`, on a machine with an NVIDIA GPU"
)


def _load_cupy():
    """Import CuPy once; remember why it failed if it did."""
    global _cupy, _cupy_error
    if _cupy is None and _cupy_error is None:
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device found")
            _cupy = cupy
        except Exception as exc:  # ImportError, CUDARuntimeError, ...
            _cupy_error = exc
    return _cupy


def cuda_available():
    """True when CuPy imports and sees at least one GPU."""
    return _load_cupy() is not None


def check_device(device):
    """Return the canonical device name, or raise a clear error."""
    if isinstance(device, str):
        name = device.split(":")[0].lower()
        if name in _DEVICES:
            if name == "cuda" and not cuda_available():
                raise RuntimeError(
                    f"device 'cuda' requested but CUDA is not usable here ({_cupy_error}); "
                    + CUDA_INSTALL_HINT)
            return name
    raise ValueError(f"unknown device {device!r}; expected one of {_DEVICES}")


def xp_for(device):
    """Array module (numpy or cupy) of a device name."""
    return numpy if device == "cpu" else _load_cupy()


def device_of(array):
    """Device name of a raw array."""
    if isinstance(array, numpy.ndarray) or numpy.isscalar(array):
        return "cpu"
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return "cuda"
    return "cpu"


def get_array_module(array):
    """Array module of a raw array (numpy for anything that is not a CuPy array)."""
    return xp_for(device_of(array))


def to_device(array, device):
    """Copy (if needed) a raw array onto ``device``."""
    device = check_device(device)
    if device_of(array) == device:
        return array
    if device == "cpu":
        return array.get()
    return _cupy.asarray(array)


def to_numpy(array):
    """A NumPy array holding ``array``'s values, whatever its device."""
    return array if isinstance(array, numpy.ndarray) else to_device(array, "cpu")


def default_dtype():
    """The dtype of new floating tensors (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype):
    """Set the dtype of new floating tensors (float32 or float64)."""
    global _default_dtype
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_dtype = dtype


def manual_seed(seed):
    """Seed the random generators of every device."""
    _generators.clear()
    _generators["seed"] = int(seed)


def generator(device="cpu"):
    """The random generator of ``device`` (created from the last manual_seed)."""
    if device not in _generators:
        seed = _generators.get("seed")
        xp = xp_for(device)
        _generators[device] = xp.random.default_rng(seed)
    return _generators[device]


def rng_state():
    """JSON-serialisable state of the CPU generator (for checkpoints)."""
    return generator("cpu").bit_generator.state


def set_rng_state(state):
    """Restore the CPU generator from ``rng_state()``'s output."""
    generator("cpu").bit_generator.state = state
