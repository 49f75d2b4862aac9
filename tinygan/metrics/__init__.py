"""GAN metrics in plain NumPy: mode coverage, exact 1-D divergences, FD, KID and IS.

    from tinygan import metrics
    metrics.mode_metrics(samples, tinygan.data.ring8())     # (modes, high_quality, reverse_kl)
    metrics.js_divergence(p.pdf, q.pdf, grid)              # exact on a grid
    metrics.frechet_distance(features_real, features_fake)
    metrics.kernel_inception_distance(features_real, features_fake)
    metrics.inception_score(class_probabilities)

The image metrics work on feature arrays (n, d) or class probabilities
(n, K) from any network; no network ships here.
"""
from .divergences import (gan_criterion, integrate, js_divergence, kl_divergence,
                          optimal_discriminator, value_function, wasserstein1)
from .estimate import Estimate
from .fid import (feature_statistics, frechet_distance, frechet_distance_from_statistics,
                  sqrtm_psd, trace_sqrt_product)
from .inception_score import inception_score
from .information import discrete_mutual_information
from .kid import kernel_inception_distance, mmd2_unbiased, polynomial_kernel
from .modes import (ModeSummary, high_quality_fraction, mode_counts, mode_metrics,
                    modes_captured, nearest_modes, reverse_kl)

__all__ = [
    "Estimate", "ModeSummary", "discrete_mutual_information", "feature_statistics", "frechet_distance",
    "frechet_distance_from_statistics", "gan_criterion", "high_quality_fraction",
    "inception_score", "integrate", "js_divergence", "kernel_inception_distance",
    "kl_divergence", "mmd2_unbiased", "mode_counts", "mode_metrics", "modes_captured",
    "nearest_modes", "optimal_discriminator", "polynomial_kernel", "reverse_kl", "sqrtm_psd",
    "trace_sqrt_product", "value_function", "wasserstein1",
]
