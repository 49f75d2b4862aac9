"""Shared test configuration: hypothesis profile and the devices to test on."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygan as tg

settings.register_profile(
    "tinygan", deadline=None, max_examples=int(os.environ.get("TINYGAN_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large])
settings.load_profile("tinygan")

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not tg.cuda_available(), reason="CUDA needs CuPy and an NVIDIA GPU"))]


@pytest.fixture(params=DEVICES)
def device(request):
    """Each backend-generic test runs on every available device."""
    return request.param


@pytest.fixture(autouse=True)
def _seeded():
    tg.manual_seed(0)
    yield


@pytest.fixture
def float64():
    """Tensors default to float64 within the test (finite-difference checks need it)."""
    previous = tg.default_dtype()
    tg.set_default_dtype(np.float64)
    yield
    tg.set_default_dtype(previous)
