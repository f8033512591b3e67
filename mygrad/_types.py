"""The small value types around a Tensor, in torch's words: ``Size``, ``device``, the
``(values, indices)`` pairs that ``max(dim)`` / ``min(dim)`` return, and dtype names as torch
prints them in messages (``Float``, ``LongTensor``)."""

import math
from collections import namedtuple

__all__ = ["Size", "device"]


class device:
    """``device(type='cpu')``. Like torch, ``device("cuda")`` can be named; mygrad runs on the
    CPU (numpy) only, so putting a tensor there raises (see ``check``)."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - torch's name
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type)
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta, xpu device type at start "
                               f"of device string: {type}")
        self.type = type
        self.index = index

    def check(self):
        """Raise unless this is the CPU (the only device mygrad computes on)."""
        if self.type != "cpu":
            raise RuntimeError(f"mygrad runs on the CPU only (numpy): device '{self}' is not "
                               "available (mygrad.cuda.is_available() is False). Use "
                               "device='cpu', or torch itself for GPUs.")
        return self

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return str(other) == str(self)

    def __hash__(self):
        return hash(self.type)


_CPU = device("cpu")


max_return = namedtuple("max", ["values", "indices"])


min_return = namedtuple("min", ["values", "indices"])


for _nt in (max_return, min_return):
    _nt.__repr__ = lambda self: (f"mygrad.return_types.{type(self).__name__}(\n"
                                 f"values={self.values!r},\nindices={self.indices!r})")


class Size(tuple):
    """``torch.Size([2, 3])``: a tuple that prints like torch's."""

    __slots__ = ()

    def __repr__(self):
        return f"mygrad.Size([{', '.join(map(str, self))}])"

    def numel(self):
        return math.prod(self)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


_SCALAR_NAME = {"f": "Float", "c": "ComplexFloat", "i": "Long", "u": "Long", "b": "Bool"}


def _scalar_name(npd):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(npd.name, npd.name)
