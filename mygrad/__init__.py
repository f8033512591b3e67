"""mygrad: a small, readable autograd library that mirrors a subset of PyTorch.

``import mygrad as torch`` runs torch code that stays inside the subset and prints the same
numbers. Submodules (``nn``, ``optim``, ``autograd``, ``utils``, and the teaching toolbox
``numerical``, ``forward``, ``symbolic``, ``viz``, ``testing``) are imported on first use, like
``torch.nn`` after ``import torch``.
"""

import importlib
import math as _math

__version__ = "0.1.0"

# --- tensor engine exports (mygrad/tensor.py and friends) ---
# Tensor first: the operations, the dispatch helpers and autograd all build on the class
from .tensor import Tensor  # isort: skip

from . import dtypes as _dtypes
from ._ops.functions import (
    abs,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    cat,
    clamp,
    clip,
    clone,
    concat,
    concatenate,
    cos,
    detach,
    div,
    divide,
    dot,
    equal,
    exp,
    flatten,
    is_tensor,
    isfinite,
    isnan,
    log,
    log_softmax,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    multiply,
    narrow,
    neg,
    negative,
    norm,
    numel,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    subtract,
    sum,
    t,
    tanh,
    transpose,
    true_divide,
    unsqueeze,
    var,
    where,
)
from ._types import Size, device
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .dtypes import dtype as dtype
from .random import (
    Generator,
    initial_seed,
    manual_seed,
    normal,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
)

pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan  # torch.pi, torch.e, ...

_SUBMODULES = {
    "autograd", "nn", "optim", "utils", "numerical", "forward", "symbolic", "viz", "testing",
    "cuda", "backends", "accelerator",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "Value":
        from .scalar import Value

        return Value
    raise AttributeError(f"module 'mygrad' has no attribute '{name}'")
