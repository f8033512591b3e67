"""Forward-mode automatic differentiation with dual numbers (lecture 8).

A dual number ``a + b ε`` with ``ε² = 0`` carries a value ``a`` and a tangent ``b``.  Taylor
expansion gives ``f(a + b ε) = f(a) + f'(a) b ε`` exactly, so running a program on
``Dual(x, 1)`` computes f(x) and f'(x) together, one operation at a time, alongside the program.

* one forward sweep gives a Jacobian-vector product J v (:func:`jvp`): seed the inputs with the
  tangent ``v`` and read the outputs' tangents;
* the full Jacobian of f: R^n -> R^m takes n sweeps, one column each (:func:`jacobian`);
  reverse mode takes m sweeps, one row each.  Forward mode wins when n is small.

``value`` and ``tangent`` may be Python floats or numpy arrays of one shape (a vectorised dual
number: element-wise functions then differentiate element by element).  Arrays *of* Duals
(``dtype=object``) also work, including ``W @ x``; numpy then applies the Dual operators to each
element.  Comparisons look at the value only, so ``if x > 0:`` inside a function still works:
forward mode differentiates the branch that was taken.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "Dual",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "derivative",
    "jvp",
    "jacobian",
]

_NUMBERS = (int, float, np.number)


def _is_number(x):
    return isinstance(x, _NUMBERS) or (isinstance(x, np.ndarray) and x.dtype != object)


class Dual:
    """A dual number ``value + tangent·ε`` with ``ε² = 0``.

    >>> x = Dual(3.0, 1.0)          # seed dx/dx = 1
    >>> y = x * x + 2 * x
    >>> y.value, y.tangent          # f(3) = 15, f'(3) = 2·3 + 2 = 8
    (15.0, 8.0)
    """

    __slots__ = ("value", "tangent")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Let numpy functions act on Duals: ``np.sin(x)`` is :func:`sin`, and
        ``np.float64(2) * x`` or ``array * x`` use the Dual operators."""
        if method != "__call__" or kwargs:
            return NotImplemented
        if any(isinstance(x, np.ndarray) and x.dtype == object for x in inputs):
            # an array of Duals on the other side: let numpy loop over its elements
            return ufunc(*(_object_scalar(x) if isinstance(x, Dual) else x for x in inputs))
        if ufunc in _UNARY_UFUNCS and len(inputs) == 1:
            return globals()[_UNARY_UFUNCS[ufunc]](inputs[0])
        if ufunc in _BINARY_UFUNCS and len(inputs) == 2:
            a, b = inputs
            name, rname = _BINARY_UFUNCS[ufunc]
            return getattr(a, name)(b) if isinstance(a, Dual) else getattr(b, rname)(a)
        return NotImplemented

    def __init__(self, value, tangent=0.0):
        if isinstance(value, Dual) or isinstance(tangent, Dual):
            raise TypeError("Dual(value, tangent) expects numbers or arrays, not Duals")
        if not (_is_number(value) and _is_number(tangent)):
            raise TypeError(
                "Dual(value, tangent) expects real numbers or numeric arrays, got "
                f"{type(value).__name__} and {type(tangent).__name__}"
            )
        if isinstance(value, np.ndarray) or isinstance(tangent, np.ndarray):
            value = np.asarray(value, dtype=np.float64)
            tangent = np.asarray(tangent, dtype=np.float64)
            if value.shape != tangent.shape:
                tangent = np.broadcast_to(tangent, value.shape).copy()
        else:
            value, tangent = float(value), float(tangent)
        self.value = value
        self.tangent = tangent

    # ------------------------------------------------------------------ arithmetic

    def __add__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.tangent + other.tangent)
        if _is_number(other):
            return Dual(self.value + other, self.tangent)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value - other.value, self.tangent - other.tangent)
        if _is_number(other):
            return Dual(self.value - other, self.tangent)
        return NotImplemented

    def __rsub__(self, other):
        if _is_number(other):
            return Dual(other - self.value, -self.tangent)
        return NotImplemented

    def __mul__(self, other):
        # (a + b ε)(c + d ε) = ac + (ad + bc) ε
        if isinstance(other, Dual):
            return Dual(self.value * other.value,
                        self.value * other.tangent + self.tangent * other.value)
        if _is_number(other):
            return Dual(self.value * other, self.tangent * other)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        # (a + b ε) / (c + d ε) = a/c + (b c - a d) / c² ε
        if isinstance(other, Dual):
            q = self.value / other.value
            return Dual(q, (self.tangent - q * other.tangent) / other.value)
        if _is_number(other):
            return Dual(self.value / other, self.tangent / other)
        return NotImplemented

    def __rtruediv__(self, other):
        if _is_number(other):
            q = other / self.value
            return Dual(q, -q * self.tangent / self.value)
        return NotImplemented

    def __pow__(self, other):
        if isinstance(other, Dual):
            # a^b with both varying: d = a^b (b' log a + b a'/a)
            y = self.value**other.value
            return Dual(y, y * (other.tangent * _log(self.value)
                                + other.value * self.tangent / self.value))
        if _is_number(other):
            if np.all(np.asarray(other) == 0):
                return Dual(self.value**other, self.tangent * 0.0)
            return Dual(self.value**other, other * self.value ** (other - 1) * self.tangent)
        return NotImplemented

    def __rpow__(self, other):
        if _is_number(other):
            y = other**self.value
            return Dual(y, y * _log(other) * self.tangent)
        return NotImplemented

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __pos__(self):
        return self

    def __abs__(self):
        return Dual(abs(self.value), np.sign(self.value) * self.tangent
                    if isinstance(self.value, np.ndarray)
                    else math.copysign(1.0, self.value) * self.tangent)

    # comparisons use the value: control flow follows the primal computation
    def __lt__(self, other):
        return self.value < _value(other)

    def __le__(self, other):
        return self.value <= _value(other)

    def __gt__(self, other):
        return self.value > _value(other)

    def __ge__(self, other):
        return self.value >= _value(other)

    # methods, so that numpy's object arrays can call np.sin(array_of_duals) etc.
    def sin(self):
        return sin(self)

    def cos(self):
        return cos(self)

    def tan(self):
        return tan(self)

    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def sqrt(self):
        return sqrt(self)

    def tanh(self):
        return tanh(self)

    def __repr__(self):
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    def __str__(self):
        if isinstance(self.value, np.ndarray):
            return f"{self.value} + {self.tangent}ε"
        sign = "-" if self.tangent < 0 else "+"
        return f"{self.value:g} {sign} {abs(self.tangent):g}ε"


_UNARY_UFUNCS = {
    np.sin: "sin", np.cos: "cos", np.tan: "tan", np.exp: "exp", np.log: "log",
    np.sqrt: "sqrt", np.tanh: "tanh", np.negative: "_neg", np.absolute: "_abs",
}
_BINARY_UFUNCS = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.true_divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
}


def _object_scalar(x):
    holder = np.empty((), dtype=object)
    holder[()] = x
    return holder


def _neg(x):
    return -x


def _abs(x):
    return abs(x)


def _value(x):
    return x.value if isinstance(x, Dual) else x


def _log(x):
    return np.log(x) if isinstance(x, np.ndarray) else math.log(x)


# ---------------------------------------------------------------------- elementary functions
# Each takes a Dual or a plain number/array: f(a + b ε) = f(a) + f'(a) b ε.


def _unary(name, scalar_fn, array_fn, slope):
    """Build an elementary function from its value and its derivative (``slope(x, y)``)."""

    def fn(x):
        if isinstance(x, Dual):
            v = x.value
            y = array_fn(v) if isinstance(v, np.ndarray) else scalar_fn(v)
            return Dual(y, slope(v, y) * x.tangent)
        if isinstance(x, np.ndarray) and x.dtype == object:
            return np.vectorize(fn, otypes=[object])(x)
        if isinstance(x, (np.ndarray, np.number)):
            return array_fn(x)
        if isinstance(x, (int, float)):
            return scalar_fn(x)
        raise TypeError(f"{name}() expects a Dual, a real number or an array, "
                        f"got {type(x).__name__}")

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}`` of a Dual (value and tangent), a number or an array."
    return fn


def _np_sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _math_sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _relu_slope(x, y):
    return (np.asarray(x) > 0).astype(np.float64) if isinstance(x, np.ndarray) else float(x > 0)


sin = _unary("sin", math.sin, np.sin, lambda x, y: np.cos(x) if isinstance(x, np.ndarray)
             else math.cos(x))
cos = _unary("cos", math.cos, np.cos, lambda x, y: -np.sin(x) if isinstance(x, np.ndarray)
             else -math.sin(x))
tan = _unary("tan", math.tan, np.tan, lambda x, y: 1.0 + y * y)
exp = _unary("exp", math.exp, np.exp, lambda x, y: y)
log = _unary("log", math.log, np.log, lambda x, y: 1.0 / x)
sqrt = _unary("sqrt", math.sqrt, np.sqrt, lambda x, y: 0.5 / y)
tanh = _unary("tanh", math.tanh, np.tanh, lambda x, y: 1.0 - y * y)
sigmoid = _unary("sigmoid", _math_sigmoid, _np_sigmoid, lambda x, y: y * (1.0 - y))
relu = _unary("relu", lambda x: x if x > 0 else 0.0, lambda x: np.maximum(x, 0.0), _relu_slope)


# ---------------------------------------------------------------------- derivatives


def _tangent_of(out, like=None):
    """Tangent of a function result: a Dual, a number (constant: tangent 0) or a container."""
    if isinstance(out, Dual):
        return out.tangent
    if isinstance(out, (list, tuple)) or (isinstance(out, np.ndarray) and out.dtype == object):
        return np.array([_tangent_of(o) for o in np.asarray(out, dtype=object).reshape(-1)],
                        dtype=np.float64).reshape(np.shape(np.asarray(out, dtype=object)))
    if _is_number(out):
        return np.zeros_like(np.asarray(out, dtype=np.float64)) if np.ndim(out) else 0.0
    raise TypeError(f"the function returned {type(out).__name__}; expected Duals or numbers")


def _value_of(out):
    if isinstance(out, Dual):
        return out.value
    if isinstance(out, (list, tuple)) or (isinstance(out, np.ndarray) and out.dtype == object):
        flat = [_value_of(o) for o in np.asarray(out, dtype=object).reshape(-1)]
        return np.array(flat, dtype=np.float64).reshape(np.shape(np.asarray(out, dtype=object)))
    return np.asarray(out, dtype=np.float64) if np.ndim(out) else float(out)


def derivative(f, x):
    """f'(x) by one forward sweep: ``f(Dual(x, 1)).tangent``.

    ``x`` may be a number or a numeric array (then ``f`` is applied to one vectorised dual
    number, and for an element-wise ``f`` the result is f' at every element).
    """
    if isinstance(x, Dual):
        raise TypeError("derivative(f, x) expects a number or an array for x, not a Dual")
    if isinstance(x, (np.ndarray, list, tuple)):
        x = np.asarray(x, dtype=np.float64)
        return _tangent_of(f(Dual(x, np.ones_like(x))))
    return _tangent_of(f(Dual(float(x), 1.0)))


def _seeded(x, v):
    """An object array of Duals shaped like ``x`` with tangents ``v``."""
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if v.shape != x.shape:
        raise ValueError(f"jvp: the tangent v has shape {v.shape} but x has shape {x.shape}")
    duals = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(x.shape):
        duals[idx] = Dual(float(x[idx]), float(v[idx]))
    return duals


def jvp(f, x, v):
    """The Jacobian-vector product J_f(x) v in one forward sweep.

    ``f`` maps an array of ``x.shape`` (given as a numpy object array of Duals, which supports
    indexing, iteration, arithmetic and ``@``) to a Dual, a number, or a list / array of them.
    Returns ``(f(x), J v)`` as float arrays, in the order ``torch.autograd.functional.jvp``
    uses.  A 0-d ``x`` is passed as a single Dual.
    """
    x_arr = np.asarray(x, dtype=np.float64)
    duals = _seeded(x_arr, v)
    arg = duals[()] if x_arr.ndim == 0 else duals
    out = f(arg)
    return _value_of(out), _tangent_of(out)


def jacobian(f, x):
    """The Jacobian of ``f`` at ``x`` by forward mode: one sweep per input element (a column).

    Shapes follow ``torch.autograd.functional.jacobian``: ``J.shape == out.shape + x.shape``.
    """
    x_arr = np.asarray(x, dtype=np.float64)
    columns = []
    for idx in np.ndindex(x_arr.shape):
        e = np.zeros(x_arr.shape)
        e[idx] = 1.0
        columns.append(np.asarray(jvp(f, x_arr, e)[1], dtype=np.float64))
    if not columns:
        raise ValueError("jacobian: x has no elements")
    out_shape = columns[0].shape
    J = np.stack(columns, axis=-1) if columns[0].ndim else np.array(columns)
    return J.reshape(out_shape + x_arr.shape)
