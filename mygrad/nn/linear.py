"""``Linear``: y = x Wᵀ + b, initialised like torch."""

import math

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear"]


class Linear(Module):
    """``Linear(in_features, out_features, bias=True)``: weight of shape ``(out, in)``, bias of
    shape ``(out,)``. Initialisation as in torch: ``kaiming_uniform_(weight, a=√5)`` (that is
    U(-1/√in, 1/√in)) and bias U(-1/√in, 1/√in)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        np_dtype = np.float32 if dtype is None else dtypes.to_numpy_dtype(dtype)
        self.weight = Parameter(Tensor._wrap(np.empty((out_features, in_features), np_dtype)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.empty(out_features, np_dtype)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
