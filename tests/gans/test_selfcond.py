"""Self-conditioned GAN: the projection discriminator, clusters of D's features, the sampling of
cluster labels at the real images' shares, and one iteration replayed."""
import copy

import numpy as np
import pytest

import tinygan as tg
from tinygan.checkpoint import load_checkpoint, save_checkpoint
from tinygan.gans import get, selfcond
from tinygan.gans.clustering import nearest_centroid
from tinygan.gans.dcgan import discriminator_loss, generator_loss
from tinygan.gans.penalties import r1_penalty
from tinygan.gans.selfcond import SelfConditionedGAN
from tinygan.testing import gradcheck, gradgradcheck

from tests.gans.helpers import queue

SHAPE = (1, 8, 8)
SMALL = {"batch_size": 4, "z_dim": 3, "width": 2, "n_clusters": 3, "cluster_images": 12,
         "recluster_every": 5}


def images(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n,) + SHAPE)


def test_is_registered_with_its_paper():
    assert get("selfcond") is SelfConditionedGAN
    assert "Self-Conditioned GANs" in SelfConditionedGAN.paper


def test_projection_discriminator_is_w_phi_plus_b_plus_e_c_phi(float64):
    gan = SelfConditionedGAN(SHAPE, SMALL)
    d = gan.discriminator
    x, labels = tg.tensor(images(3)), np.array([[2], [0], [2]])
    with tg.no_grad():
        phi = d.upper(d.lower(x)).numpy()
        got = d(x, labels).numpy()
    w, b, e = d.out.weight.numpy(), d.out.bias.numpy(), d.embed.weight.numpy()
    expected = phi @ w.T[:, 0] + b[0] + (e[labels[:, 0]] * phi).sum(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_with_stages_the_class_embedding_is_the_sum_of_one_per_stage(float64):
    """e_c = e_{1,c_1} + e_{2,c_2}: D's projection and G's y path both use the sum."""
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "cluster_stages": 2})
    d, g = gan.discriminator, gan.generator
    assert d.embed.weight.shape[0] == 6 and g.embed.weight.shape[0] == 6
    x, labels = tg.tensor(images(3)), np.array([[2, 0], [0, 1], [2, 2]])
    with tg.no_grad():
        phi = d.upper(d.lower(x)).numpy()
        got = d(x, labels).numpy()
    w, b, e = d.out.weight.numpy(), d.out.bias.numpy(), d.embed.weight.numpy()
    summed = e[labels[:, 0]] + e[3 + labels[:, 1]]
    np.testing.assert_allclose(got, phi @ w.T[:, 0] + b[0] + (summed * phi).sum(axis=1),
                               rtol=1e-12)
    table = g.embed.weight.numpy()
    np.testing.assert_allclose(g.embed_labels(labels).numpy(),
                               table[labels[:, 0]] + table[3 + labels[:, 1]], rtol=1e-12)


def test_stage_embeddings_gradients_match_finite_differences(float64):
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "cluster_stages": 2})
    d, g, labels = gan.discriminator, gan.generator, np.array([[1, 1], [1, 2]])
    d.eval()
    x = tg.tensor(images(2), requires_grad=True)
    assert gradcheck(lambda x: d(x, labels), [x])
    assert gradgradcheck(lambda x: d(x, labels), [x])
    assert gradcheck(lambda table: summed_embedding_of(g, table, labels), [g.embed.weight])
    assert gradgradcheck(lambda table: summed_embedding_of(g, table, labels) ** 2,
                         [g.embed.weight])


def summed_embedding_of(generator, table, labels):
    """G's stage embedding as a function of its table, for the finite differences."""
    generator.embed.weight = table
    return generator.embed_labels(labels)


def test_projection_discriminator_gradients_match_finite_differences(float64):
    """First and second order in x (R1 differentiates D's input gradient)."""
    gan = SelfConditionedGAN(SHAPE, SMALL)
    d, labels = gan.discriminator, np.array([[1], [2]])
    d.eval()                                # batch statistics would couple the two samples
    x = tg.tensor(images(2), requires_grad=True)
    assert gradcheck(lambda x: d(x, labels), [x])
    assert gradgradcheck(lambda x: d(x, labels), [x])


def test_cluster_features_come_before_batch_norm_so_each_image_has_its_own():
    gan = SelfConditionedGAN(SHAPE, SMALL)
    x = tg.tensor(images(4), dtype=tg.default_dtype())
    together = gan.features_of(x)
    alone = np.concatenate([gan.features_of(x[i:i + 1]) for i in range(4)])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-7)
    assert together.shape == (4, 2 * SMALL["width"] * 2 * 2)


def test_features_are_d_lower_layers_frozen_at_the_last_clustering():
    """An image keeps its cluster between clusterings: training D does not move phi(x)."""
    gan = SelfConditionedGAN(SHAPE, SMALL)
    rng = np.random.default_rng(6)

    def sample_real(m):
        return tg.tensor(rng.uniform(-1, 1, (m,) + SHAPE), dtype=tg.default_dtype())
    x = sample_real(4)
    gan.train_step(sample_real)                                  # clusters, then trains D
    with tg.no_grad():
        live = gan.discriminator.lower(x).numpy().reshape(4, -1)
    snapshot = gan.features_of(x)
    assert not np.allclose(snapshot, live)
    assert not any(p.requires_grad for p in gan.feature_net.parameters())
    for _ in range(3):
        gan.train_step(sample_real)
    np.testing.assert_array_equal(gan.features_of(x), snapshot)
    gan.recluster(sample_real(12))
    np.testing.assert_allclose(gan.features_of(x), gan.discriminator.lower(x).numpy()
                               .reshape(4, -1), rtol=1e-6)


def test_first_step_clusters_the_real_images_and_labels_the_minibatch_by_nearest_centroid():
    gan = SelfConditionedGAN(SHAPE, SMALL)
    asked = []
    pool = images(12, seed=1)

    def sample_real(m):
        asked.append(m)
        return tg.tensor(pool[:m], dtype=tg.default_dtype())
    gan.train_step(sample_real)
    assert asked == [12, 4]
    assert gan.centroids.shape == (1, 3, 16) and np.isclose(gan.prior.sum(), 1.0)
    x = tg.tensor(pool[:4], dtype=tg.default_dtype())
    expected = nearest_centroid(gan.features_of(x), gan.centroids[0])
    assert gan.clusters_of(x).tolist() == expected[:, None].tolist()


def test_reclusters_every_recluster_every_steps_from_the_previous_centroids():
    gan = SelfConditionedGAN(SHAPE, SMALL)
    rng = np.random.default_rng(2)
    sizes = []

    def sample_real(m):
        sizes.append(m)
        return tg.tensor(rng.uniform(-1, 1, (m,) + SHAPE), dtype=tg.default_dtype())
    for _ in range(11):
        gan.train_step(sample_real)
    assert [i for i, m in enumerate(sizes) if m == 12] == [0, 6, 12]   # before steps 1, 6, 11
    assert gan.step == 11


def test_each_stage_clusters_what_the_stages_before_it_leave():
    """r_1 = f, c_s = the centroid of stage s nearest to r_s, r_{s+1} = r_s - mu_{s,c_s}; and
    each stage's centroids are the means of their members' residuals (k-means converged)."""
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "cluster_stages": 2, "kmeans_iterations": 100})
    x = tg.tensor(images(12, seed=10), dtype=tg.default_dtype())
    gan.recluster(x)
    f = gan.features_of(x)
    assert gan.centroids.shape == (2, 3, 16)
    first = nearest_centroid(f, gan.centroids[0])
    residual = f - gan.centroids[0][first]
    second = nearest_centroid(residual, gan.centroids[1])
    np.testing.assert_array_equal(gan.clusters_of(x), np.stack([first, second], axis=1))
    for j in set(second.tolist()):
        np.testing.assert_allclose(gan.centroids[1][j], residual[second == j].mean(axis=0),
                                   rtol=1e-5, atol=1e-6)
    pairs, counts = np.unique(np.stack([first, second], axis=1), axis=0, return_counts=True)
    np.testing.assert_array_equal(gan.tuples, pairs)
    np.testing.assert_allclose(gan.prior, counts / 12)


def test_a_checkpoint_from_before_the_stages_loads_as_one_stage():
    gan = SelfConditionedGAN(SHAPE, SMALL)
    x = tg.tensor(images(12, seed=11), dtype=tg.default_dtype())
    gan.recluster(x)
    state = gan.get_extra_state()
    del state["tuples"]
    state["centroids"], state["prior"] = state["centroids"][0], np.array([0.5, 0.25, 0.25])
    restored = SelfConditionedGAN(SHAPE, SMALL)
    restored.set_extra_state(state)
    np.testing.assert_array_equal(restored.centroids, gan.centroids)
    assert restored.tuples.tolist() == [[0], [1], [2]]
    np.testing.assert_array_equal(restored.clusters_of(x), gan.clusters_of(x))


@pytest.mark.parametrize("stages", [1, 2])
def test_reclustering_keeps_each_cluster_s_index(stages):
    """Cluster j of the next clustering starts from the mean new feature of the images the
    last one put in j: with D unchanged and a converged k-means, nothing moves."""
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "kmeans_iterations": 100, "cluster_stages": stages})
    x = tg.tensor(images(12, seed=7), dtype=tg.default_dtype())
    gan.recluster(x)
    labels, centroids = gan.clusters_of(x).tolist(), gan.centroids.copy()
    gan.recluster(x)
    assert gan.clusters_of(x).tolist() == labels
    np.testing.assert_allclose(gan.centroids, centroids, rtol=1e-6)
    pairs, counts = np.unique(np.array(labels), axis=0, return_counts=True)
    np.testing.assert_allclose(gan.prior, counts / 12)
    assert gan.tuples.tolist() == pairs.tolist()


def test_a_new_clustering_starts_from_the_old_clusters_means_in_the_new_features(monkeypatch):
    gan = SelfConditionedGAN(SHAPE, SMALL)
    rng = np.random.default_rng(8)

    def sample_real(m):
        return tg.tensor(rng.uniform(-1, 1, (m,) + SHAPE), dtype=tg.default_dtype())
    for _ in range(3):
        gan.train_step(sample_real)                              # D moves on from the clustering
    x = sample_real(12)
    old_labels = gan.clusters_of(x)
    with tg.no_grad():
        new_features = gan.discriminator.lower(x).numpy().reshape(12, -1)
    starts, kmeans = [], selfcond.kmeans

    def recording_kmeans(features, start, iterations):
        starts.append(start.copy())
        return kmeans(features, start, iterations)
    monkeypatch.setattr(selfcond, "kmeans", recording_kmeans)
    gan.recluster(x)
    old_labels = old_labels[:, 0]
    for j in set(old_labels.tolist()):
        np.testing.assert_allclose(starts[0][j], new_features[old_labels == j].mean(axis=0),
                                   rtol=1e-5, atol=1e-7)


def test_cluster_labels_are_drawn_at_the_real_images_shares():
    gan = SelfConditionedGAN(SHAPE, SMALL)
    gan.prior = np.array([0.0, 1.0, 0.0])
    assert set(gan.sample_labels(50)[:, 0].tolist()) == {1}
    gan.prior = np.array([0.2, 0.5, 0.3])
    counts = np.bincount(gan.sample_labels(20000)[:, 0], minlength=3) / 20000
    np.testing.assert_allclose(counts, [0.2, 0.5, 0.3], atol=0.015)


def test_label_tuples_are_drawn_whole_at_the_real_images_shares():
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "cluster_stages": 2})
    gan.tuples, gan.prior = np.array([[0, 2], [1, 0], [2, 2]]), np.array([0.6, 0.0, 0.4])
    drawn = gan.sample_labels(20000)
    assert drawn.shape == (20000, 2) and drawn.dtype == np.int64
    pairs, counts = np.unique(drawn, axis=0, return_counts=True)
    assert pairs.tolist() == [[0, 2], [2, 2]]
    np.testing.assert_allclose(counts / 20000, [0.6, 0.4], atol=0.015)


@pytest.mark.parametrize("r1_gamma", [0.0, 2.0])
def test_train_step_is_one_d_step_then_one_g_step(float64, r1_gamma):
    """Replays the iteration on a copy: D on real images with their clusters' labels and on
    G(z, c ~ pi), then G, every gradient compared (with R1 through its double backward)."""
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "r1_gamma": r1_gamma})
    pool = images(12, seed=3)
    gan.train_step(lambda m: tg.tensor(pool[:m]))              # the first clustering
    x = images(4, seed=4)
    c_real = gan.clusters_of(tg.tensor(x))
    z_d, z_g = gan.sample_z(4), gan.sample_z(4)
    c_d, c_g = np.array([[0], [1], [2], [2]]), np.array([[1], [1], [0], [2]])
    replay = copy.deepcopy(gan)
    gan.sample_z, gan.sample_labels = queue(z_d, z_g), queue(c_d, c_g)
    metrics = gan.train_step(lambda m: tg.tensor(x))

    with tg.no_grad():
        fake = replay.generator(z_d, c_d)
    d_loss = discriminator_loss(replay.discriminator(tg.tensor(x), c_real),
                                replay.discriminator(fake, c_d))
    if r1_gamma:
        r1 = r1_penalty(lambda v: replay.discriminator(v, c_real), tg.tensor(x), r1_gamma)
        np.testing.assert_allclose(metrics["r1"], r1.item(), rtol=1e-10)
        d_loss = d_loss + r1
    np.testing.assert_allclose(metrics["loss/D"], d_loss.item(), rtol=1e-10)
    d_params = list(replay.discriminator.parameters())
    for p, g, done in zip(d_params, tg.grad(d_loss, d_params), gan.discriminator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)
        p.grad = g
    replay.opt_d.step()
    g_loss = generator_loss(replay.discriminator(replay.generator(z_g, c_g), c_g))
    np.testing.assert_allclose(metrics["loss/G"], g_loss.item(), rtol=1e-10)
    g_params = list(replay.generator.parameters())
    for g, done in zip(tg.grad(g_loss, g_params), gan.generator.parameters()):
        np.testing.assert_allclose(done.grad.numpy(), g.numpy(), rtol=1e-8, atol=1e-12)


def test_sample_draws_chosen_or_random_clusters():
    gan = SelfConditionedGAN(SHAPE, {**SMALL, "ema_half_life": 100})
    assert gan.sample(5).shape == (5,) + SHAPE
    assert gan.sample(2, labels=[0, 2]).shape == (2,) + SHAPE
    with pytest.raises(ValueError, match="lie in"):
        gan.sample(1, labels=[3])
    staged = SelfConditionedGAN(SHAPE, {**SMALL, "cluster_stages": 2})
    assert staged.sample(2, labels=[[0, 2], [1, 1]]).shape == (2,) + SHAPE
    with pytest.raises(ValueError, match=r"selfcond: labels must have shape \(n, 2\), got \(2,\)"):
        staged.sample(2, labels=[0, 2])


def test_checkpoint_keeps_the_clusters(tmp_path):
    gan = SelfConditionedGAN(SHAPE, SMALL)
    gan.train_step(lambda m: tg.tensor(images(m, seed=5), dtype=tg.default_dtype()))
    path = save_checkpoint(str(tmp_path / "selfcond.npz"), gan, 1, SMALL)
    restored = SelfConditionedGAN(SHAPE, SMALL)
    load_checkpoint(path, restored)
    np.testing.assert_array_equal(restored.centroids, gan.centroids)
    np.testing.assert_array_equal(restored.prior, gan.prior)
    np.testing.assert_array_equal(restored.tuples, gan.tuples)
    x = tg.tensor(images(3, seed=6), dtype=tg.default_dtype())
    np.testing.assert_array_equal(restored.features_of(x), gan.features_of(x))
    assert restored.step == 1


def test_a_run_resumed_from_its_checkpoint_matches_the_uninterrupted_run(tmp_path):
    """Across a clustering (steps 1 and 6 cluster with recluster_every 5), bit for bit."""
    def sampler():
        rng = np.random.default_rng(9)
        return lambda m: tg.tensor(rng.uniform(-1, 1, (m,) + SHAPE), dtype=tg.default_dtype())

    def weights(gan):
        return [p.numpy().copy() for net in gan.networks().values() for p in net.parameters()]
    tg.manual_seed(3)
    straight, sample_real = SelfConditionedGAN(SHAPE, SMALL), sampler()
    for _ in range(8):
        straight.train_step(sample_real)
    tg.manual_seed(3)
    first, sample_real = SelfConditionedGAN(SHAPE, SMALL), sampler()
    for _ in range(4):
        first.train_step(sample_real)
    path = save_checkpoint(str(tmp_path / "run.npz"), first, 4, SMALL)
    resumed = SelfConditionedGAN(SHAPE, SMALL)
    load_checkpoint(path, resumed)
    for _ in range(4):
        resumed.train_step(sample_real)
    for a, b in zip(weights(straight), weights(resumed)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(straight.centroids, resumed.centroids)


@pytest.mark.parametrize("bad", [{"n_clusters": 0}, {"cluster_images": 2},
                                 {"recluster_every": 0}, {"cluster_stages": 0}])
def test_bad_clustering_settings_are_refused(bad):
    with pytest.raises(ValueError, match="selfcond: needs n_clusters >= 1"):
        SelfConditionedGAN(SHAPE, {**SMALL, **bad})
