"""mygrad: a small, readable autograd library that mirrors a subset of PyTorch.

``import mygrad as torch`` runs torch code that stays inside the subset and prints the same
numbers. Submodules (``nn``, ``optim``, ``autograd``, ``utils``, and the teaching toolbox
``numerical``, ``forward``, ``symbolic``, ``viz``, ``testing``) are imported on first use, like
``torch.nn`` after ``import torch``.
"""

import importlib

__version__ = "0.1.0"

# --- tensor engine exports (mygrad/tensor.py and friends) are added below by the engine ---

_SUBMODULES = {
    "autograd", "nn", "optim", "utils", "numerical", "forward", "symbolic", "viz", "testing",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "Value":
        from .scalar import Value

        return Value
    raise AttributeError(f"module 'mygrad' has no attribute '{name}'")
