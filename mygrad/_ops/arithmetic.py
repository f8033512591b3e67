"""Arithmetic: + - * / ** and negation (torch's grad_fn names)."""


from ..tensor import Tensor
from . import _common as C
from ._common import Op


class Add(Op):
    __slots__ = ()
    _torch_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class AddScalar(Op):
    """``tensor + number`` (a separate class only for speed; torch's name is the same)."""

    __slots__ = ()
    _torch_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, c):
        return a + c

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class MulScalar(Op):
    """``tensor * number``: the number is kept on the node, nothing else is saved."""

    __slots__ = ("c",)
    _torch_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, c):
        ctx.c = c
        ctx._saved = (c,)  # torch saves the number: a second backward without retain_graph raises
        return a * c

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.c, None


class DivScalar(Op):
    """``tensor / number`` where torch's C++ divides by a Scalar (DivBackward1): the mean of
    ``cross_entropy`` with probability targets."""

    __slots__ = ("c",)
    _torch_name = "DivBackward1"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, a, c):
        ctx.c = c
        ctx._saved = (c,)
        return a / c

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.c, None


class Sub(Op):
    __slots__ = ()
    _torch_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if C.needs(ctx, 1) else None)


class RSub(Op):
    """``number - tensor`` (the tensor comes first: ``RSub.apply(tensor, number)``)."""

    __slots__ = ()
    _torch_name = "RsubBackward1"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, a, b):
        return b - a

    @staticmethod
    def backward(ctx, grad):
        return -grad, None


class Neg(Op):
    __slots__ = ()
    _torch_name = "NegBackward0"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Op):
    __slots__ = ()
    _torch_name = "MulBackward0"
    _cross = True  # each input's array is needed only for the other's gradient (versions.py)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ta, tb = ctx.inputs
        return (grad * b if ta is not None and ta._rg else None,
                grad * a if tb is not None and tb._rg else None)


class Div(Op):
    __slots__ = ()
    _torch_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad / b if C.needs(ctx, 0) else None
        gb = -grad * a / (b * b) if C.needs(ctx, 1) else None
        return ga, gb


class Reciprocal(Op):
    __slots__ = ()
    _torch_name = "ReciprocalBackward0"

    @staticmethod
    def forward(ctx, x):
        y = 1.0 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * y * y


class Pow(Op):
    """``tensor ** number``."""

    __slots__ = ()
    _torch_name = "PowBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x, p)
        return x ** p

    @staticmethod
    def backward(ctx, grad):
        x, p = ctx.saved_tensors
        if isinstance(grad, Tensor):  # create_graph: torch's formula, node for node
            if p == 0:
                return x.detach() * 0, None  # zeros_like(x): no graph
            return grad * (p * x ** (p - 1)), None  # for p == 2 too: x ** 1 stays in the graph
        if p == 0:
            return grad * 0, None
        if p == 2:
            return grad * 2 * x, None
        return grad * p * x ** (p - 1), None


class PowTensor(Op):
    """``tensor ** tensor``."""

    __slots__ = ()
    _torch_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        ga = grad * b * a ** (b - 1) if C.needs(ctx, 0) else None
        gb = None
        if C.needs(ctx, 1):
            ra, rb = C.raw(a), C.raw(b)
            zero = (ra == 0) & (rb >= 0)  # torch: d(0**b)/db = 0 for b >= 0
            safe_a = a * (~zero) + zero if zero.any() else a
            gb = grad * y * C.log(safe_a)
            if zero.any():
                gb = gb * (~zero)
        return ga, gb
