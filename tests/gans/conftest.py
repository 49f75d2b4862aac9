import numpy as np
import pytest

import tinygan as tg


@pytest.fixture
def float64():
    """Run a test with float64 as the default dtype (networks, noise, data)."""
    previous = tg.default_dtype()
    tg.set_default_dtype(np.float64)
    yield
    tg.set_default_dtype(previous)
