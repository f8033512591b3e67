"""Random tensors: manual_seed, rand, randn, randint, randperm, normal, *_like.

mygrad draws from one numpy ``Generator`` (PCG64). ``manual_seed(s)`` makes runs reproducible,
but the numbers are not torch's: the two libraries use different generators.
"""

import numpy as np

from ._dispatch import _sizes
from .creation import _check_device, _finish, _no_extra, _np_dtype, _size_of
from .tensor import Tensor

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


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """Uniform on [0, 1)."""
    _check_device(device)
    shape = _size_of(size, kw.pop("size", None), "rand")
    _no_extra(kw, "rand")
    return _finish(_rng(generator).random(shape, dtype=np.float64).astype(_np_dtype(dtype)),
                   requires_grad, out, "rand")


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """Standard normal."""
    _check_device(device)
    shape = _size_of(size, kw.pop("size", None), "randn")
    _no_extra(kw, "randn")
    return _finish(_rng(generator).standard_normal(shape).astype(_np_dtype(dtype)),
                   requires_grad, out, "randn")


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """``randint(high, size)`` or ``randint(low, high, size)``: int64 in [low, high)."""
    _check_device(device)
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    return _finish(_rng(generator).integers(low, high, _sizes((size,))).astype(
        _np_dtype(dtype, np.dtype(np.int64))), requires_grad, out, "randint")


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    _check_device(device)
    return _finish(_rng(generator).permutation(int(n)).astype(_np_dtype(dtype, np.dtype(
        np.int64))), requires_grad, out, "randperm")


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None):
    return rand(input.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None):
    return randn(input.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """``normal(mean, std, size)`` with float mean/std, or tensor mean/std (elementwise)."""
    _check_device(device)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = _sizes((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    if dtype is not None:
        dt = _np_dtype(dtype)
    elif isinstance(mean, Tensor) or isinstance(std, Tensor):
        dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
    else:
        dt = np.dtype(np.float32)
    return _finish((m + s * _rng(generator).standard_normal(shape)).astype(dt), requires_grad,
                   out, "normal")
