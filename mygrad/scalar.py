"""A scalar autograd engine: :class:`Value`, the finished form of what lecture 5 builds.

A ``Value`` wraps one Python float (``.data``) and, after ``backward()``, holds
d(output)/d(self) in ``.grad``.  Every operation returns a new ``Value`` that remembers its
inputs (``._prev``), the name of the operation (``._op``) and a function ``._backward``;
``backward()`` calls ``node._backward(node)`` once per node, from the output back to the
leaves.  Lecture 5 writes that function as a closure per node::

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(out):
            self.grad += other.data * out.grad   # d(ab)/da = b
            other.grad += self.data * out.grad   # d(ab)/db = a

        out._backward = _backward
        return out

Nodes written like that work with :meth:`Value.backward` unchanged.

What the finished form does differently, and why
------------------------------------------------
**Local gradients are numbers on the node.**  Each operation computes its output and, on the
next line, the local gradient d(out)/d(input) for each input, and keeps them in
``out._local_grads`` (in the order of ``out._prev``)::

    def __mul__(self, other):
        if isinstance(other, Value):
            return _output(self.data * other.data, (self, other), "*",
                           (other.data, self.data))       # d(ab)/da = b, d(ab)/db = a

Every built-in node then shares one backward function, :func:`_chain_rule`, which does what
each closure did: ``a.grad += da * out.grad`` for each input ``a`` and its local gradient
``da``.  The reason is Python's garbage collector: it walks every live container object from
time to time, and a closure per node costs four of them (the function, its tuple of cells and
two cells).  On a graph of 10^5 nodes those walks took most of the time.

**A number is part of the operation, not a leaf.**  In ``x * 2`` the 2 is kept by the node:
``_prev`` is ``(x,)`` and ``_local_grads`` is ``(2,)``, as torch does for ``x * 2`` and as
lecture 5 already does for the exponent of ``x**2``.  A leaf per number would be one more
object per operation for the garbage collector.

**Creation order is a topological order.**  Every Value gets a serial number ``_stamp`` when
it is created, and a node's inputs exist before the node does, so ``backward()`` sorts the
nodes newest first instead of searching depth first (DeZero keeps a "generation" for the same
purpose).  It collects the nodes with a work list, not recursion, so graphs of any depth work.

Gradient semantics (torch's, for leaves): ``backward()`` computes the gradient of every
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

_next_stamp = count(1).__next__  # creation order; see backward()
_stamp_of = attrgetter("_stamp")


class Value:
    """A scalar that records how it was computed, so that gradients can flow back to it.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)
    """

    # __slots__: no per-node dict (one object less for the garbage collector, and less memory)
    __slots__ = ("data", "grad", "_prev", "_op", "label", "_backward", "_local_grads", "_stamp")

    def __init__(self, data, _children=(), _op="", label=""):
        if type(data) is not float:
            data = _as_float(data)
        self.data = data
        self.grad = 0.0  # d(output)/d(self); 0 until backward() runs
        self._prev = tuple(_children)  # the inputs this value was computed from
        self._op = _op  # the name of the operation that made it ("" for a leaf)
        self.label = label  # a name to draw
        self._backward = None  # a leaf has nothing to pass on
        self._local_grads = ()  # d(self)/d(input) for each input; set by the operations
        self._stamp = _next_stamp()

    # ------------------------------------------------------------------ arithmetic
    # Each operation: the output, its inputs, its name, and d(out)/d(input) for each input.

    def __add__(self, other):
        if isinstance(other, Value):  # d(a+b)/da = 1, d(a+b)/db = 1
            return _output(self.data + other.data, (self, other), "+", (1.0, 1.0))
        k = _number(other, self, "+")
        return _output(self.data + k, (self,), "+", (1.0,))

    def __radd__(self, other):  # k + a
        k = _number(other, self, "+", reflected=True)
        return _output(k + self.data, (self,), "+", (1.0,))

    def __sub__(self, other):
        if isinstance(other, Value):  # d(a-b)/da = 1, d(a-b)/db = -1
            return _output(self.data - other.data, (self, other), "-", (1.0, -1.0))
        k = _number(other, self, "-")
        return _output(self.data - k, (self,), "-", (1.0,))

    def __rsub__(self, other):  # k - a
        k = _number(other, self, "-", reflected=True)
        return _output(k - self.data, (self,), "-", (-1.0,))

    def __mul__(self, other):
        if isinstance(other, Value):  # d(ab)/da = b, d(ab)/db = a
            return _output(self.data * other.data, (self, other), "*", (other.data, self.data))
        k = _number(other, self, "*")
        return _output(self.data * k, (self,), "*", (k,))

    def __rmul__(self, other):  # k * a
        k = _number(other, self, "*", reflected=True)
        return _output(k * self.data, (self,), "*", (k,))

    def __truediv__(self, other):
        if isinstance(other, Value):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
            b = _nonzero(other.data, self, other)
            out = self.data / b
            return _output(out, (self, other), "/", (1.0 / b, -out / b))
        k = _nonzero(_number(other, self, "/"), self, other)
        return _output(self.data / k, (self,), "/", (1.0 / k,))

    def __rtruediv__(self, other):  # k / a:  d(k/a)/da = -k/a^2 = -(k/a)/a
        k = _number(other, self, "/", reflected=True)
        a = _nonzero(self.data, other, self)
        out = k / a
        return _output(out, (self,), "/", (-out / a,))

    def __pow__(self, other):
        if isinstance(other, Value):
            return self._pow_value(other)
        k = _number(other, self, "**")  # as in lecture 5, a number exponent: "**2"
        a = self.data
        if a == 0.0 and k < 0:
            raise ZeroDivisionError(f"Value: 0.0 cannot be raised to a negative power ({k})")
        out = _real_power(a, k)
        try:
            local = k * _real_power(a, k - 1)  # d(a^k)/da = k a^(k-1)
        except ZeroDivisionError:  # at a = 0 with k < 1: infinite (torch: inf too), or 0 for k = 0
            local = math.copysign(math.inf, k) if k else 0.0
        return _output(out, (self,), f"**{k}", (local,))

    def __rpow__(self, other):  # k ** a:  d(k^a)/da = k^a log k
        k = _number(other, self, "**", reflected=True)
        if k <= 0.0:
            raise ValueError(f"Value: k ** a with a Value exponent needs k > 0, got k = {k}")
        out = _real_power(k, self.data)
        return _output(out, (self,), "**", (out * math.log(k),))

    def _pow_value(self, other):
        """``self ** other`` where the exponent is itself a Value (needs ``self.data > 0``)."""
        a, b = self.data, other.data
        if a <= 0.0:
            raise ValueError(
                f"Value: a ** b with a Value exponent needs a positive base, got a = {a}"
            )
        out = _real_power(a, b)  # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
        return _output(out, (self, other), "**", (b * _real_power(a, b - 1.0), out * math.log(a)))

    def __neg__(self):  # d(-a)/da = -1
        return _output(-self.data, (self,), "neg", (-1.0,))

    def __pos__(self):
        return self

    # ------------------------------------------------------------------ functions

    def exp(self):  # (e^a)' = e^a: the output itself
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _output(out, (self,), "exp", (out,))

    def log(self):  # (log a)' = 1/a
        a = self.data
        if a <= 0.0:
            raise ValueError(f"Value.log: the argument must be positive, got {a}")
        return _output(math.log(a), (self,), "log", (1.0 / a,))

    def tanh(self):  # tanh' = 1 - tanh^2
        t = math.tanh(self.data)
        return _output(t, (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self):  # sigmoid' = sigmoid (1 - sigmoid)
        a = self.data
        if a >= 0.0:  # two forms of the same function, so that exp never overflows
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            z = math.exp(a)
            s = z / (1.0 + z)
        return _output(s, (self,), "sigmoid", (s * (1.0 - s),))

    def relu(self):  # relu' = 1 for a > 0, else 0 (torch: 0 at a = 0 too)
        a = self.data
        return _output(a if a > 0.0 else 0.0, (self,), "ReLU", (1.0 if a > 0.0 else 0.0,))

    # ------------------------------------------------------------------ backward

    def backward(self):
        """Fill ``.grad`` of every node this value depends on with d(self)/d(node).

        Intermediate nodes get fresh gradients; leaves accumulate (see the module docstring).
        No recursion, so graphs of any depth work.
        """
        if self._backward is None:  # a leaf: d(self)/d(self) = 1
            self.grad += 1.0
            return
        # 1. Collect the nodes that have a backward step (leaves only receive gradients),
        #    resetting their gradients on the way.  The list grows while we walk it.
        nodes, seen = [self], {self}
        try:
            for node in nodes:
                for child in node._prev:
                    if child._backward is not None and child not in seen:
                        seen.add(child)
                        child.grad = 0.0
                        nodes.append(child)
        except AttributeError:
            raise _not_a_value_error(node) from None
        # 2. Newest first: a topological order, since every node is newer than its inputs.
        nodes.sort(key=_stamp_of, reverse=True)
        # 3. The chain rule, once per node, from the output back to the leaves.
        self.grad = 1.0
        for node in nodes:
            node._backward(node)

    # ------------------------------------------------------------------ conveniences

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def __float__(self):
        return self.data


def _chain_rule(out):
    """The backward step of every built-in node: each input receives its local gradient times
    the gradient that reached ``out``, added to what it already has (a node used twice, as in
    ``x * x``, receives both).  Built-in operations have one input or two; written out rather
    than as a loop over ``zip(out._prev, out._local_grads)``, which would create a zip object
    per node for the garbage collector to count."""
    if len(out._prev) == 1:
        (a,), (da,) = out._prev, out._local_grads
        a.grad += da * out.grad
    else:
        (a, b), (da, db) = out._prev, out._local_grads
        a.grad += da * out.grad
        b.grad += db * out.grad


def _output(data, inputs, op, local_grads):
    """The output node of a built-in operation; ``local_grads[i]`` is d(data)/d(inputs[i])."""
    out = Value(data, inputs, op)
    out._local_grads = local_grads
    out._backward = _chain_rule
    return out


# ---------------------------------------------------------------------- checks


def _as_float(data):
    """``data`` as a float, or a TypeError that says what Value expects."""
    if not isinstance(data, (str, bytes, complex, Value)):
        try:
            return float(data)
        except (TypeError, ValueError):
            pass
    raise TypeError(
        f"Value(data) expects a real number (int or float), got {type(data).__name__}: {data!r}"
    )


def _number(other, value, op, reflected=False):
    """``other`` (the 2 in ``x * 2``) as an int or a float, or a TypeError naming both operands."""
    if type(other) is float or type(other) is int:
        return other
    if isinstance(other, Real):  # bool, numpy's scalars, ...
        return float(other)
    left, right = (other, value) if reflected else (value, other)
    raise TypeError(
        f"unsupported operand type(s) for {op}: '{type(left).__name__}' and "
        f"'{type(right).__name__}' (a Value combines with another Value or a real number)"
    )


def _nonzero(divisor, left, right):
    if divisor == 0.0:
        raise ZeroDivisionError(f"Value division by zero: {left!r} / {right!r}")
    return divisor


def _real_power(a, b):
    """``a ** b`` for floats: inf on overflow, a ValueError where the result is complex."""
    try:
        out = a**b
    except OverflowError:  # |a^b| too large for a float
        return math.inf if a > 0.0 or b % 2 == 0 else -math.inf
    if isinstance(out, complex):
        raise ValueError(
            f"Value: {a} ** {b} is not a real number (a negative base needs an integer exponent)"
        )
    return out


def _not_a_value_error(node):
    bad = next(c for c in node._prev if not isinstance(c, Value))
    return TypeError(
        f"Value(_children=...) must hold Values, got {type(bad).__name__} among the inputs "
        f"of {node!r} (op {node._op!r})"
    )
