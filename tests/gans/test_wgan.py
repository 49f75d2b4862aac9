"""WGAN (Algorithm 2): n_critic critic steps, weights clipped into [-c, c], RMSProp."""
import numpy as np

import tinygan as tg
from tinygan.gans import WGAN
from tinygan.optim import RMSprop

from tests.gans.helpers import counting_sampler


def test_critic_weights_stay_in_the_clipping_box():
    tg.manual_seed(0)
    c = 0.01
    wgan = WGAN((2,), {"clip": c, "lr": 1e-2, "batch_size": 32})   # big steps push against the box
    sampler = counting_sampler()
    for _ in range(5):
        metrics = wgan.train_step(sampler)
        weights = np.concatenate([p.numpy().ravel() for p in wgan.discriminator.parameters()])
        assert np.abs(weights).max() <= c
    assert np.isclose(np.abs(weights), c).mean() > 0.5     # most weights pile up at +-c
    assert sampler.calls == 5 * wgan.config["n_critic"]
    assert metrics["wasserstein"] == -metrics["loss/D"]


def test_paper_defaults():
    wgan = WGAN((2,))
    assert (wgan.config["lr"], wgan.config["clip"], wgan.config["n_critic"],
            wgan.config["batch_size"]) == (5e-5, 0.01, 5, 64)
    assert isinstance(wgan.opt_d, RMSprop) and isinstance(wgan.opt_g, RMSprop)
