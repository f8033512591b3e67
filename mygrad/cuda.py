"""``mygrad.cuda``: the questions seed and tutorial code asks, answered truthfully for a
library that runs on the CPU only (numpy). ``is_available()`` is False, so the usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU; seeding is a no-op
(as in torch without a GPU). Anything that needs a GPU raises."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "is_initialized", "empty_cache", "synchronize", "current_device", "get_device_name"]

_NO_GPU = ("mygrad runs on the CPU only (numpy): CUDA is not available "
           "(mygrad.cuda.is_available() is False)")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """A no-op without a GPU, as in torch (seed the CPU with ``mygrad.manual_seed``)."""


def manual_seed_all(seed):
    """A no-op without a GPU, as in torch."""


def seed():
    """A no-op without a GPU, as in torch."""


def seed_all():
    """A no-op without a GPU, as in torch."""


def empty_cache():
    """Nothing to free without a GPU."""


def synchronize(device=None):
    raise RuntimeError(_NO_GPU)


def current_device():
    raise RuntimeError(_NO_GPU)


def get_device_name(device=None):
    raise RuntimeError(_NO_GPU)
