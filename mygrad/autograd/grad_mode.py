"""Gradient mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``.

One module-level flag, read by ``Function.apply`` on every operation: when it is off,
results are plain tensors with no ``grad_fn`` (nothing is recorded, nothing is saved).
"""

import functools


class _GradState:
    """The flags every operation reads. One instance (``_State``), not class attributes:
    writing a class attribute invalidates Python's attribute caches for the class, and the
    flags change often (every ``no_grad`` block, every in-place update)."""

    __slots__ = ("enabled", "create_graph", "epoch", "history_epoch")

    def __init__(self):
        self.enabled = True         # record operations?
        self.create_graph = False   # inside a backward pass with create_graph=True?
        self.epoch = 0              # in-place modifications so far (autograd/versions.py)
        self.history_epoch = 0      # the latest recorded in-place change of a tensor's history


_State = _GradState()
state = _State


def is_grad_enabled():
    """True when operations are being recorded for backward."""
    return _State.enabled


class _GradMode:
    """Base for the grad-mode objects. Like torch's, each works as a context manager
    (``with no_grad():``), as a decorator with or without parentheses (``@no_grad()``,
    ``@no_grad``), and is itself a callable object."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None or cls is set_grad_enabled or cls is inference_mode:
            return object.__new__(cls)
        return cls()(orig_func)  # @no_grad without parentheses

    def __enter__(self):
        self._prev = _State.enabled
        _State.enabled = self._mode

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def clone(self):
        return self.__class__()

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Context manager (and decorator) that turns off recording of operations."""

    _mode = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns recording back on inside ``no_grad``."""

    _mode = True


class inference_mode(_GradMode):
    """``inference_mode(mode=True)``: in mygrad the same as ``no_grad`` (torch additionally
    skips version counting; mygrad's tensors made inside still work outside)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode without parentheses
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self._mode = not bool(mode)

    def clone(self):
        return self.__class__(not self._mode)


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` as a function call, a context manager or a decorator."""

    def __init__(self, mode):
        self._prev = _State.enabled
        self._mode = bool(mode)
        _State.enabled = self._mode

    def __enter__(self):
        pass

    def clone(self):
        prev = _State.enabled
        new = self.__class__(self._mode)
        new._prev = prev
        _State.enabled = prev
        return new

    def __call__(self, func):
        _State.enabled = self._prev
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled():
    return False
