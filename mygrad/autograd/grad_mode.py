"""Gradient mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``.

One module-level flag, read by ``Function.apply`` on every operation: when it is off,
results are plain tensors with no ``grad_fn`` (nothing is recorded, nothing is saved).
"""

import functools


class _State:
    __slots__ = ()
    enabled = True        # record operations?
    create_graph = False  # inside a backward pass with create_graph=True?
    epoch = 0             # in-place modifications so far (autograd/versions.py)


state = _State


def is_grad_enabled():
    """True when operations are being recorded for backward."""
    return _State.enabled


class _GradMode:
    """Base for the context managers; they also work as decorators, like torch's."""

    _mode = True

    def __enter__(self):
        self._prev = _State.enabled
        _State.enabled = self._mode

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Context manager (and decorator) that turns off recording of operations."""

    _mode = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns recording back on inside ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` as a function call, a context manager or a decorator."""

    def __init__(self, mode):
        self._prev = _State.enabled
        self._mode = bool(mode)
        _State.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, func):
        _State.enabled = self._prev
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper
