"""A scalar autograd engine: :class:`Value`.

This is the finished form of what lecture 5 builds cell by cell.  A ``Value`` wraps one Python
float (``.data``) and, after ``backward()``, holds d(output)/d(self) in ``.grad``.  Every
operation creates a new ``Value`` that remembers its inputs (``._prev``), the name of the
operation (``._op``) and a function ``._backward`` that applies the chain rule locally.

The backward protocol is: ``node._backward(node)``.  The function receives the node it belongs
to as an argument, so in the lecture students write it as a closure over the *inputs* only::

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(out):                  # out is passed in, not captured
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

Such hand-written nodes work with :meth:`Value.backward` unchanged.  Passing ``out`` in rather
than capturing it matters: a closure that captures ``out`` and is stored on ``out`` is a
reference cycle, which only Python's cycle collector can free.

Why the finished library does not create a closure per node
------------------------------------------------------------
Python's garbage collector periodically walks every container object that is still alive, and
how often it does a *full* walk grows with the number of objects created.  A closure per node
costs four such objects (the function, its cell tuple and two cells), the tuple in ``_prev`` a
fifth, and the leaf made for a number (the ``2`` in ``x * 2``) a sixth; on a 10^5-node graph
those walks took most of the time.  So, measured against torch on 10^5-node graphs:

* the operations share one module-level backward function per operation
  (``_mul_backward(out)`` reads the inputs from ``out``) instead of a closure per node;
* a node keeps its inputs in two slots, ``_a`` and ``_b``, instead of a tuple;
* a plain int or float operand stays inside the node (``_k``, with its own small backward rule
  such as ``_mul_k_backward``) instead of becoming a leaf.  The first time anyone reads
  ``node._prev`` (to draw the graph, say) the number is turned into a real leaf with the
  gradient it would have had, and from then on the node behaves exactly like ``x * Value(2)``.

The result: one garbage-collected object per operation.  ``_prev`` is still there, as a
property, and what it shows is what micrograd shows.

Two more details are about scale.  ``backward()`` finds the graph with an explicit work list
instead of recursion, so graphs of any depth work (a recursive topological sort stops near 1000
nodes), and it orders the nodes by creation time, which is always a topological order because a
node's inputs exist before the node does.

Gradient semantics (the same as torch's for leaves): ``backward()`` sets the gradient of every
*intermediate* node afresh, while *leaves* (values you created yourself) accumulate: call
``backward()`` twice and a leaf's ``.grad`` doubles.  Reset leaves with ``v.grad = 0.0``
between optimisation steps.
"""

from __future__ import annotations

import math
from itertools import count
from numbers import Real
from operator import attrgetter

__all__ = ["Value"]

# A global creation counter.  Sorting by this stamp gives a topological order for free.
_next_stamp = count(1).__next__
_stamp_of = attrgetter("_stamp")
_new = object.__new__
_NUMBERS = (int, float)


def _number_error(data):
    return TypeError(
        f"Value(data) expects a real number (int or float), got {type(data).__name__}: {data!r}"
    )


class Value:
    """A scalar that records how it was computed, so that gradients can flow back to it.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)
    """

    __slots__ = ("data", "grad", "_op", "label", "_backward", "_a", "_b", "_rest", "_stamp",
                 "_mark", "_k")

    def __init__(self, data, _children=(), _op="", label=""):
        if isinstance(data, (str, bytes, complex, Value)):
            raise _number_error(data)
        try:
            data = float(data)
        except (TypeError, ValueError):
            raise _number_error(data) from None
        children = tuple(_children)
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(
                    f"Value(_children=...) must hold Values, got {type(child).__name__}"
                )
        self.data = data
        self.grad = 0.0
        self._op = _op
        self.label = label
        self._backward = None  # leaves have nothing to propagate
        self._a = children[0] if children else None
        self._b = children[1] if len(children) > 1 else None
        self._rest = children[2:]
        self._stamp = _next_stamp()
        self._mark = 0

    @property
    def _prev(self):
        """The inputs this value was computed from (a tuple, empty for a leaf)."""
        if self._a is None:
            return ()
        if self._b is None:
            if self._backward in _FOLDED:
                _materialize_constant(self)
                return (self._a, self._b)
            return (self._a,)
        return (self._a, self._b, *self._rest)

    # ------------------------------------------------------------------ arithmetic
    # Each operation computes its value now and attaches the rule for its backward step.
    # ``x + 2`` with a plain int or float takes a fast path: the number is kept in the node
    # (``_k``) instead of becoming a leaf node of its own; see ``_materialize_constant``.

    def __add__(self, other):
        if type(other) is Value:
            return _make(self.data + other.data, self, other, "+", _add_backward)
        if type(other) is float or type(other) is int:
            return _make_k(self.data + other, self, other, "+", _add_k_backward)
        other = _lift(other, self, "+")
        if other is NotImplemented:
            return NotImplemented
        return _make(self.data + other.data, self, other, "+", _add_backward)

    def __mul__(self, other):
        if type(other) is Value:
            return _make(self.data * other.data, self, other, "*", _mul_backward)
        if type(other) is float or type(other) is int:
            return _make_k(self.data * other, self, other, "*", _mul_k_backward)
        other = _lift(other, self, "*")
        if other is NotImplemented:
            return NotImplemented
        return _make(self.data * other.data, self, other, "*", _mul_backward)

    def __sub__(self, other):
        if type(other) is Value:
            return _make(self.data - other.data, self, other, "-", _sub_backward)
        if type(other) is float or type(other) is int:
            return _make_k(self.data - other, self, other, "-", _sub_k_backward)
        other = _lift(other, self, "-")
        if other is NotImplemented:
            return NotImplemented
        return _make(self.data - other.data, self, other, "-", _sub_backward)

    def __truediv__(self, other):
        if type(other) is not Value:
            if type(other) is float or type(other) is int:
                if other == 0:
                    raise ZeroDivisionError(f"Value division by zero: {self!r} / {other!r}")
                return _make_k(self.data / other, self, other, "/", _div_k_backward)
            other = _lift(other, self, "/")
            if other is NotImplemented:
                return NotImplemented
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self!r} / {other!r}")
        return _make(self.data / other.data, self, other, "/", _div_backward)

    def __pow__(self, other):
        if isinstance(other, Value):
            return self._pow_value(other)
        if not isinstance(other, _NUMBERS):
            other = _lift(other, self, "**")
            if other is NotImplemented:
                return NotImplemented
            other = other.data
        base = self.data
        if base == 0.0 and other < 0:
            raise ZeroDivisionError(f"Value: 0.0 cannot be raised to a negative power ({other})")
        try:
            data = base**other
        except OverflowError:
            data = math.inf
        if isinstance(data, complex):
            raise ValueError(
                f"Value: {base} ** {other} is not a real number "
                "(a negative base needs an integer exponent)"
            )
        # as in micrograd, a number exponent is part of the operation ("**2"), not an input
        return _make_k(float(data), self, float(other), f"**{other}", _pow_k_backward)

    def _pow_value(self, other):
        """``self ** other`` where the exponent is itself a Value (needs ``self.data > 0``)."""
        if self.data <= 0.0:
            raise ValueError(
                f"Value: a ** b with a Value exponent needs a positive base, got a = {self.data}"
            )
        try:
            data = self.data**other.data
        except OverflowError:
            data = math.inf
        return _make(data, self, other, "**", _pow_value_backward)

    def __neg__(self):
        return _make(-self.data, self, None, "neg", _neg_backward)

    def __pos__(self):
        return self

    # reflected forms: number (op) Value
    def __radd__(self, other):
        if type(other) is float or type(other) is int:
            return _make_k(other + self.data, self, other, "+", _add_k_backward)
        other = _lift(other, self, "+", reflected=True)
        if other is NotImplemented:
            return NotImplemented
        return self + other

    def __rmul__(self, other):
        if type(other) is float or type(other) is int:
            return _make_k(other * self.data, self, other, "*", _mul_k_backward)
        other = _lift(other, self, "*", reflected=True)
        if other is NotImplemented:
            return NotImplemented
        return self * other

    def __rsub__(self, other):
        if type(other) is float or type(other) is int:
            return _make_k(other - self.data, self, other, "-", _rsub_k_backward)
        other = _lift(other, self, "-", reflected=True)
        if other is NotImplemented:
            return NotImplemented
        return other - self

    def __rtruediv__(self, other):
        if type(other) is float or type(other) is int:
            if self.data == 0.0:
                raise ZeroDivisionError(f"Value division by zero: {other!r} / {self!r}")
            return _make_k(other / self.data, self, other, "/", _rdiv_k_backward)
        other = _lift(other, self, "/", reflected=True)
        if other is NotImplemented:
            return NotImplemented
        return other / self

    def __rpow__(self, other):
        other = _lift(other, self, "**", reflected=True)
        if other is NotImplemented:
            return NotImplemented
        return other ** self

    # ------------------------------------------------------------------ functions

    def exp(self):
        try:
            data = math.exp(self.data)
        except OverflowError:
            data = math.inf
        return _make(data, self, None, "exp", _exp_backward)

    def log(self):
        if self.data <= 0.0:
            raise ValueError(f"Value.log: the argument must be positive, got {self.data}")
        return _make(math.log(self.data), self, None, "log", _log_backward)

    def tanh(self):
        return _make(math.tanh(self.data), self, None, "tanh", _tanh_backward)

    def sigmoid(self):
        x = self.data
        # two branches so that exp never overflows
        if x >= 0.0:
            data = 1.0 / (1.0 + math.exp(-x))
        else:
            z = math.exp(x)
            data = z / (1.0 + z)
        return _make(data, self, None, "sigmoid", _sigmoid_backward)

    def relu(self):
        x = self.data
        return _make(x if x > 0.0 else 0.0, self, None, "ReLU", _relu_backward)

    # ------------------------------------------------------------------ backward

    def backward(self):
        """Fill ``.grad`` of every node this value depends on with d(self)/d(node).

        Intermediate nodes get fresh gradients; leaves accumulate (see the module docstring).
        Iterative, so graphs of any depth work.
        """
        if self._backward is None:  # a leaf: d(self)/d(self) = 1
            self.grad += 1.0
            return
        # 1. Find every node between self and the leaves that has a backward rule: a plain
        #    graph search with a work list.  ``token`` marks the nodes found in this call
        #    (cheaper than a set), and their gradients are reset on the way.  Leaves are not
        #    collected: they have nothing to propagate, and they accumulate.
        token = _next_stamp()
        self._mark = token
        nodes = [self]
        for node in nodes:  # ``nodes`` grows while we walk it
            a = node._a
            if a is None:
                continue
            if a._backward is not None and a._mark is not token:
                a._mark = token
                a.grad = 0.0
                nodes.append(a)
            b = node._b
            if b is None:
                continue
            if b._backward is not None and b._mark is not token:
                b._mark = token
                b.grad = 0.0
                nodes.append(b)
            for c in node._rest:
                if c._backward is not None and c._mark is not token:
                    c._mark = token
                    c.grad = 0.0
                    nodes.append(c)
        # 2. Newest first: every node comes before the nodes it was computed from.
        nodes.sort(key=_stamp_of, reverse=True)
        # 3. Apply the chain rule once per node, from the output back to the leaves.
        self.grad = 1.0
        for node in nodes:
            node._backward(node)

    # ------------------------------------------------------------------ conveniences

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def __float__(self):
        return self.data


def _lift(number, value, op, reflected=False):
    """A leaf for a plain number that takes part in an operation (``x * 2``).

    Anything that is not a real number is a TypeError, except arrays (which get the chance to
    apply the operation element by element, as numpy does for Python objects).
    """
    if isinstance(number, Value):  # a subclass of Value
        return number
    if isinstance(number, (int, float, Real)):  # Real: numpy scalars too
        return _make(float(number), None, None, "", None)
    if hasattr(number, "__array_ufunc__"):
        return NotImplemented
    left, right = (number, value) if reflected else (value, number)
    raise TypeError(
        f"unsupported operand type(s) for {op}: '{type(left).__name__}' and "
        f"'{type(right).__name__}' (a Value combines with another Value or a real number)"
    )


def _make(data, a, b, op, backward):
    """The output node of an operation: a fast ``Value(data, (a, b), op)`` for trusted input."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._op = op
    out.label = ""
    out._backward = backward
    out._a = a
    out._b = b
    out._rest = ()
    out._stamp = _next_stamp()
    out._mark = 0
    return out


def _make_k(data, a, k, op, backward):
    """The output of ``a (op) k`` for a plain number ``k``, kept in the node, not as a leaf."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._op = op
    out.label = ""
    out._backward = backward
    out._a = a
    out._b = None
    out._rest = ()
    out._stamp = _next_stamp()
    out._mark = 0
    out._k = k
    return out


# ---------------------------------------------------------------------- backward rules
# One function per operation; ``out`` is the node, ``out._a`` / ``out._b`` its inputs.


def _add_backward(out):
    g = out.grad
    out._a.grad += g
    out._b.grad += g


def _sub_backward(out):
    g = out.grad
    out._a.grad += g
    out._b.grad -= g


def _mul_backward(out):
    a = out._a
    b = out._b
    g = out.grad
    a.grad += b.data * g
    b.grad += a.data * g


def _div_backward(out):
    # out = a / b:  d out/da = 1/b,  d out/db = -a/b^2 = -out/b
    b = out._b
    g = out.grad / b.data
    out._a.grad += g
    b.grad -= g * out.data


def _pow_k_backward(out):
    # out = a ** p for a number p:  d out/da = p a^(p-1)
    a = out._a
    p = out._k
    try:
        local = p * a.data ** (p - 1.0)
    except ZeroDivisionError:  # 0.0 ** negative: the slope is infinite
        local = math.copysign(math.inf, p)
    a.grad += local * out.grad


def _pow_value_backward(out):
    # out = a ** b:  d out/da = b a^(b-1),  d out/db = a^b log a
    a = out._a
    b = out._b
    g = out.grad
    a.grad += b.data * a.data ** (b.data - 1.0) * g
    b.grad += out.data * math.log(a.data) * g


def _neg_backward(out):
    out._a.grad -= out.grad


def _exp_backward(out):
    out._a.grad += out.data * out.grad


def _log_backward(out):
    x = out._a
    x.grad += out.grad / x.data


def _tanh_backward(out):
    y = out.data
    out._a.grad += (1.0 - y * y) * out.grad


def _sigmoid_backward(out):
    y = out.data
    out._a.grad += y * (1.0 - y) * out.grad


def _relu_backward(out):
    if out.data > 0.0:
        out._a.grad += out.grad


# Rules for an operation with a plain number k kept in the node (``out._k``).


def _add_k_backward(out):  # a + k, k + a
    out._a.grad += out.grad


def _sub_k_backward(out):  # a - k
    out._a.grad += out.grad


def _rsub_k_backward(out):  # k - a
    out._a.grad -= out.grad


def _mul_k_backward(out):  # a * k, k * a
    out._a.grad += out._k * out.grad


def _div_k_backward(out):  # a / k
    out._a.grad += out.grad / out._k


def _rdiv_k_backward(out):  # k / a:  d out/da = -k/a^2 = -out/a
    a = out._a
    a.grad -= out.grad * out.data / a.data


# For each rule above: the two-input rule it stands for, whether k is the first input, and
# d out/dk (what a leaf holding k would have received as its gradient, per unit of out.grad).
_FOLDED = {
    _add_k_backward: (_add_backward, False, lambda out: 1.0),
    _sub_k_backward: (_sub_backward, False, lambda out: -1.0),
    _rsub_k_backward: (_sub_backward, True, lambda out: 1.0),
    _mul_k_backward: (_mul_backward, False, lambda out: out._a.data),
    _div_k_backward: (_div_backward, False, lambda out: -out.data / out._k),
    _rdiv_k_backward: (_div_backward, True, lambda out: 1.0 / out._a.data),
}


def _materialize_constant(node):
    """Turn the number kept in ``node`` into a real leaf, as ``x + Value(2)`` would have.

    Called the first time someone looks at ``node._prev`` (to draw the graph, say).  The new
    leaf gets the gradient the last ``backward()`` would have given it, and the node switches
    to the ordinary two-input rule, so later backward passes keep the leaf's gradient up to
    date exactly as for any other leaf.
    """
    rule, k_first, dout_dk = _FOLDED[node._backward]
    const = _make(float(node._k), None, None, "", None)
    const.grad = dout_dk(node) * node.grad
    if k_first:
        node._a, node._b = const, node._a
    else:
        node._b = const
    node._backward = rule
