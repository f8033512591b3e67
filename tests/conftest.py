"""Shared pytest configuration."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")

try:  # Small ops gain nothing from several threads; on 2 shared cores they lose a lot.
    import torch

    torch.set_num_threads(1)
except ImportError:  # mygrad's own tests run without torch's extras too
    pass
