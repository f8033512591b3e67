"""Random tensors: manual_seed, rand, randn, randint, randperm, normal, *_like.

mygrad draws from one numpy ``Generator`` (PCG64). ``manual_seed(s)`` makes runs reproducible,
but the numbers are not torch's: the two libraries use different generators.
"""

import numpy as np

from .creation import _check_device, _make, _np_dtype
from .tensor import Tensor, _sizes

__all__ = ["manual_seed", "seed", "initial_seed", "rand", "randn", "randint", "randperm",
           "rand_like", "randn_like", "normal", "Generator", "default_generator"]


class Generator:
    """A seeded source of random numbers (``mygrad.Generator().manual_seed(0)``)."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed


default_generator = Generator()


def _rng(generator=None):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed mygrad's global generator; returns it (like torch.manual_seed)."""
    return default_generator.manual_seed(seed)


def seed():
    s = int(np.random.SeedSequence().entropy % (2**63))
    default_generator.manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    _check_device(device)
    npd = _np_dtype(dtype)
    return _make(_rng(generator).random(_sizes(size), dtype=np.float64).astype(npd),
                 requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    _check_device(device)
    npd = _np_dtype(dtype)
    return _make(_rng(generator).standard_normal(_sizes(size)).astype(npd), requires_grad)


def randint(low=0, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):
    """``randint(high, size)`` or ``randint(low, high, size)``: int64 in [low, high)."""
    if size is None:
        low, high, size = 0, low, high
    elif high is None:
        raise TypeError("randint() missing required argument 'high'")
    return _make(_rng(generator).integers(low, high, _sizes((size,))).astype(
        _np_dtype(dtype, np.dtype(np.int64))), requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    return _make(_rng(generator).permutation(int(n)).astype(_np_dtype(dtype, np.dtype(
        np.int64))), requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def normal(mean, std, size=None, generator=None):
    """``normal(mean, std, size)`` with float mean/std, or tensor mean/std (elementwise)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = _sizes((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    dt = (mean if isinstance(mean, Tensor) else std)._data.dtype if isinstance(
        mean, Tensor) or isinstance(std, Tensor) else np.dtype(np.float32)
    return Tensor._wrap((m + s * _rng(generator).standard_normal(shape)).astype(dt))
