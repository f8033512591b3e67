"""Resolve a ``generator=`` argument to the numpy Generator that draws the numbers."""

import numpy as np


def numpy_generator(generator=None):
    """mygrad's global generator (seeded by ``mygrad.manual_seed``) when ``generator`` is None;
    otherwise the numpy Generator inside a ``mygrad.Generator``, or a numpy Generator itself."""
    if generator is None:
        from ..random import _rng

        return _rng()
    if isinstance(generator, np.random.Generator):
        return generator
    inner = getattr(generator, "_rng", None)
    if isinstance(inner, np.random.Generator):
        return inner
    raise TypeError(
        "generator must be a mygrad.Generator or a numpy.random.Generator, "
        f"got {type(generator).__name__}"
    )
