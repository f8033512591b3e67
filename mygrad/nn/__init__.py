"""``mygrad.nn``: modules, parameters, losses, ``functional`` and ``init`` (``torch.nn``)."""

from . import functional, init, utils
from .activation import Flatten, Identity, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "Module", "Parameter", "Linear", "Sequential", "ModuleList", "ModuleDict", "ReLU", "Tanh",
    "Sigmoid", "Softmax", "LogSoftmax", "Identity", "Flatten", "MSELoss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "functional", "init", "utils",
]
