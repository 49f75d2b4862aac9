"""XGAN: the shared embedding, the loss terms by hand, one iteration on shipped domains."""
import numpy as np
import pytest

import tinygan as tg
from tinygan.data import domains
from tinygan.gans.xgan import (XGAN, domain_classifier_loss, reconstruction_loss,
                               semantic_consistency_loss)

SMALL = {"batch_size": 4, "embed_dim": 3, "width": 2, "hidden": 4}
RNG = np.random.default_rng(0)


def test_loss_terms_by_hand(float64):
    a, b, c, d = (RNG.standard_normal((2, 1, 2, 2)) for _ in range(4))
    got = reconstruction_loss(*(tg.tensor(t) for t in (a, b, c, d))).item()
    assert got == pytest.approx(((a - b) ** 2).sum(axis=(1, 2, 3)).mean() +
                                ((c - d) ** 2).sum(axis=(1, 2, 3)).mean())
    z = [RNG.standard_normal((3, 2)) for _ in range(4)]
    got = semantic_consistency_loss(*(tg.tensor(t) for t in z)).item()
    l1 = [np.abs(a - b).sum(axis=1).mean() for a, b in ((z[0], z[1]), (z[2], z[3]))]
    assert got == pytest.approx(sum(l1))
    l1, l2 = np.array([0.3, -1.0]), np.array([2.0, 0.1])
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    expected = -np.log(sig(l1)).mean() - np.log(1 - sig(l2)).mean()
    assert domain_classifier_loss(tg.tensor(l1), tg.tensor(l2)).item() == pytest.approx(expected)


def test_encoders_share_their_last_layers_and_decoders_their_first():
    gan = XGAN((1, 8, 8), SMALL)
    ae = gan.autoencoders
    x = tg.randn(2, 1, 8, 8)
    ae.private_encoder2[0].weight.data[...] = ae.private_encoder1[0].weight.data
    ae.private_encoder2[0].bias.data[...] = ae.private_encoder1[0].bias.data
    np.testing.assert_allclose(ae.encode(x, 1).numpy(), ae.encode(x, 2).numpy())
    assert not np.allclose(ae.decode(tg.randn(2, 3), 1).numpy(), 0)
    assert gan.translate(x).shape == (2, 1, 8, 8)


def test_dann_term_is_minus_the_classifier_loss():
    gan = XGAN((1, 8, 8), SMALL)
    x1, x2 = tg.randn(2, 1, 8, 8), tg.randn(2, 1, 8, 8)
    terms = gan.autoencoder_losses(x1, x2)
    c = gan.classifier
    z1, z2 = gan.autoencoders.encode(x1, 1), gan.autoencoders.encode(x2, 2)
    assert terms["dann"].item() == pytest.approx(-domain_classifier_loss(c(z1), c(z2)).item(),
                                                 rel=1e-5)


def test_one_step_on_a_shipped_domain_pair_changes_every_network():
    pair = domains.get("digits-invert", seed=0)
    gan = XGAN(pair.shape, SMALL)
    before = {k: [p.numpy().copy() for p in net.parameters()] for k, net in gan.networks().items()}

    def sample_real(m):
        x, y = pair.sample(m, RNG)
        return tg.tensor(x, dtype=tg.default_dtype()), tg.tensor(y, dtype=tg.default_dtype())
    stats = gan.train_step(sample_real)
    assert all(np.isfinite(stats[f"loss/{k}"]) for k in ("rec", "dann", "sem", "gan"))
    for k, net in gan.networks().items():
        assert any(not np.allclose(a, p.numpy()) for a, p in zip(before[k], net.parameters())), k
