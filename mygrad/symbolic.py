"""Symbolic differentiation on expression trees (lecture 3).

Python operators build the tree::

    >>> x = Symbol("x")
    >>> e = x * x + 3 * x
    >>> print(e)
    x * x + 3 * x
    >>> print(diff(e, x))
    1 * x + x * 1 + 0 * x + 3 * 1
    >>> print(simplify(diff(e, x)))
    x + x + 3

:func:`diff` applies the textbook rules mechanically and :func:`simplify` knows only the
trivial identities (``0 + a``, ``a * 1``, ``0 * a``, ``a ** 1``, ``a ** 0``, constant folding),
so the lectures can show *expression swell*: a formula has no names for intermediate results,
so every repeated subexpression is written out again, and derivatives of products and of
compositions grow quickly.  :func:`count_nodes` measures it.  :func:`to_dag` merges identical
subtrees into one shared node (hash-consing), which is what a program with variables (and a
computation graph) does; the same expression then stays small.

Nodes: every expression is an :class:`Expr` with ``op`` (``"add"``, ``"sub"``, ``"mul"``,
``"div"``, ``"pow"``, ``"neg"``, ``"sin"``, ``"cos"``, ``"exp"``, ``"log"``, ``"sqrt"``, and
``"symbol"`` / ``"const"`` for leaves) and ``children`` (a tuple), enough to draw it.
All traversals are iterative and visit a shared object once, so deep or heavily shared
expressions are fine (printing one out in full is, of course, as long as the tree).
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real

import numpy as np

__all__ = [
    "Expr",
    "Symbol",
    "Const",
    "sin",
    "cos",
    "exp",
    "log",
    "sqrt",
    "diff",
    "simplify",
    "evaluate",
    "to_latex",
    "count_nodes",
    "to_dag",
]

_BINARY = ("add", "sub", "mul", "div", "pow")
_FUNCTIONS = ("sin", "cos", "exp", "log", "sqrt")
_UNARY = ("neg",) + _FUNCTIONS


class Expr:
    """A node of an expression tree: an operation ``op`` applied to ``children``."""

    __slots__ = ("op", "children", "dag")

    def __init__(self, op, children):
        children = tuple(children)
        if op in _BINARY:
            arity = 2
        elif op in _UNARY:
            arity = 1
        else:
            raise ValueError(f"unknown operation {op!r}; expected one of {_BINARY + _UNARY}")
        if len(children) != arity:
            raise ValueError(f"{op} takes {arity} operand(s), got {len(children)}")
        for c in children:
            if not isinstance(c, Expr):
                raise TypeError(f"operands of {op} must be Expr, got {type(c).__name__}")
        self.op = op
        self.children = children
        self.dag = False

    # operators build new nodes; plain numbers become constants
    def __add__(self, other):
        return _binary("add", self, other)

    def __radd__(self, other):
        return _binary("add", other, self)

    def __sub__(self, other):
        return _binary("sub", self, other)

    def __rsub__(self, other):
        return _binary("sub", other, self)

    def __mul__(self, other):
        return _binary("mul", self, other)

    def __rmul__(self, other):
        return _binary("mul", other, self)

    def __truediv__(self, other):
        return _binary("div", self, other)

    def __rtruediv__(self, other):
        return _binary("div", other, self)

    def __pow__(self, other):
        return _binary("pow", self, other)

    def __rpow__(self, other):
        return _binary("pow", other, self)

    def __neg__(self):
        return Expr("neg", (self,))

    def __pos__(self):
        return self

    def evaluate(self, **env):
        """The numeric value with symbols bound by keyword: ``e.evaluate(x=2.0)``."""
        return evaluate(self, **env)

    def __str__(self):
        return _to_text(self)

    def __repr__(self):
        return str(self)

    def _repr_latex_(self):  # Jupyter shows expressions as formulas
        return f"${to_latex(self)}$"

    def __bool__(self):
        raise TypeError("the truth value of a symbolic expression is undefined")


class Symbol(Expr):
    """A variable: ``x = Symbol("x")``."""

    __slots__ = ("name",)

    def __init__(self, name):
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", name):
            raise ValueError(f"a Symbol name must be an identifier like 'x' or 'w1', got {name!r}")
        self.op = "symbol"
        self.children = ()
        self.dag = False
        self.name = name


class Const(Expr):
    """A number in an expression: ``Const(3)``.  Python numbers are wrapped automatically."""

    __slots__ = ("value",)

    def __init__(self, value):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"Const expects a real number, got {type(value).__name__}")
        self.op = "const"
        self.children = ()
        self.dag = False
        self.value = int(value) if isinstance(value, Integral) else float(value)


def _lift(x):
    if isinstance(x, Expr):
        return x
    if isinstance(x, Real) and not isinstance(x, bool):
        return Const(x)
    raise TypeError(
        f"cannot use {type(x).__name__} in a symbolic expression (use Symbol, Const or a number)"
    )


def _binary(op, a, b):
    try:
        return Expr(op, (_lift(a), _lift(b)))
    except TypeError:
        symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}[op]
        raise TypeError(
            f"unsupported operand type(s) for {symbol}: '{type(a).__name__}' and "
            f"'{type(b).__name__}' (an expression combines with Expr objects and real numbers)"
        ) from None


def _function(op):
    def fn(x):
        return Expr(op, (_lift(x),))

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"The expression ``{op}(x)``."
    return fn


sin = _function("sin")
cos = _function("cos")
exp = _function("exp")
log = _function("log")
sqrt = _function("sqrt")


# ---------------------------------------------------------------------------- traversal


def _postorder(root):
    """Every distinct node object under ``root``, children before parents (no recursion)."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.children):
            if id(child) not in seen:
                stack.append((child, False))
    return order


def _bottom_up(root, visit):
    """Apply ``visit(node, results_of_children)`` to each distinct node, children first."""
    root = _lift(root)
    done = {}
    for node in _postorder(root):
        done[id(node)] = visit(node, [done[id(c)] for c in node.children])
    return done[id(root)]


# ---------------------------------------------------------------------------- differentiation


def diff(expr, x):
    """The derivative d expr / d x by the textbook rules, *without* simplification.

    ``x`` is a :class:`Symbol` (or its name).  Subexpressions are differentiated once each,
    but the result is a tree: see :func:`count_nodes` for how large it is written out.
    """
    name = x.name if isinstance(x, Symbol) else x
    if not isinstance(name, str):
        raise TypeError(f"diff(expr, x): x must be a Symbol or a name, got {type(x).__name__}")

    def rule(node, d):
        op, c = node.op, node.children
        if op == "const":
            return Const(0)
        if op == "symbol":
            return Const(1 if node.name == name else 0)
        if op == "add":
            return d[0] + d[1]
        if op == "sub":
            return d[0] - d[1]
        if op == "mul":  # (uv)' = u'v + uv'
            return d[0] * c[1] + c[0] * d[1]
        if op == "div":  # (u/v)' = (u'v - uv') / v^2
            return (d[0] * c[1] - c[0] * d[1]) / c[1] ** 2
        if op == "pow":
            base, power = c
            if power.op == "const":  # (u^n)' = n u^(n-1) u'
                return power.value * base ** Const(power.value - 1) * d[0]
            # (u^v)' = u^v (v' log u + v u' / u)
            return node * (d[1] * log(base) + power * d[0] / base)
        if op == "neg":
            return -d[0]
        if op == "sin":
            return cos(c[0]) * d[0]
        if op == "cos":
            return -sin(c[0]) * d[0]
        if op == "exp":
            return exp(c[0]) * d[0]
        if op == "log":
            return d[0] / c[0]
        if op == "sqrt":
            return d[0] / (2 * sqrt(c[0]))
        raise ValueError(f"diff: unknown operation {op!r}")  # pragma: no cover

    return _bottom_up(expr, rule)


# ---------------------------------------------------------------------------- simplification


def _number(value):
    """Keep integers as ints (so that ``2 * 3`` prints as ``6``, not ``6.0``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _fold(op, values):
    """Evaluate an operation on constants, or return None when it is not a plain number."""
    try:
        if op == "add":
            result = values[0] + values[1]
        elif op == "sub":
            result = values[0] - values[1]
        elif op == "mul":
            result = values[0] * values[1]
        elif op == "div":
            result = values[0] / values[1]
        elif op == "pow":
            result = values[0] ** values[1]
        elif op == "neg":
            result = -values[0]
        else:
            # functions of constants are folded only when the result is an exact integer
            # (exp(0) = 1, log(1) = 0, sqrt(4) = 2), so that sin(2) stays sin(2)
            result = _MATH[op](values[0])
            if not float(result).is_integer():
                return None
        if isinstance(result, complex) or not math.isfinite(result):
            return None
        return _number(result)
    except (ArithmeticError, ValueError):  # 1 / 0, log(-1), overflow
        return None


def _simplify_node(op, c):
    """One node with already simplified children ``c``: the trivial rules."""
    if c and all(k.op == "const" for k in c):
        folded = _fold(op, [k.value for k in c])
        if folded is not None:
            return Const(folded)

    def is_const(k, v):
        return k.op == "const" and k.value == v

    if op == "add":
        if is_const(c[0], 0):
            return c[1]
        if is_const(c[1], 0):
            return c[0]
    elif op == "sub":
        if is_const(c[1], 0):
            return c[0]
        if is_const(c[0], 0):
            return _simplify_node("neg", (c[1],))
    elif op == "mul":
        if is_const(c[0], 0) or is_const(c[1], 0):
            return Const(0)
        if is_const(c[0], 1):
            return c[1]
        if is_const(c[1], 1):
            return c[0]
    elif op == "div":
        if is_const(c[1], 1):
            return c[0]
        if is_const(c[0], 0):
            return Const(0)
    elif op == "pow":
        if is_const(c[1], 1):
            return c[0]
        if is_const(c[1], 0) or is_const(c[0], 1):
            return Const(1)
    elif op == "neg" and c[0].op == "neg":
        return c[0].children[0]
    return Expr(op, c)


def simplify(expr):
    """Apply the trivial identities bottom-up: ``0 + a = a``, ``a + 0 = a``, ``a - 0 = a``,
    ``0 - a = -a``, ``1 * a = a * 1 = a``, ``0 * a = a * 0 = 0``, ``a / 1 = a``, ``0 / a = 0``,
    ``a ** 1 = a``, ``a ** 0 = 1``, ``1 ** a = 1``, ``-(-a) = a``, and constant folding.

    Deliberately nothing cleverer (no ``x + x = 2 * x``): deciding in general whether two
    expressions are equal is impossible (Richardson's theorem), and the lecture is about
    what the simple rules can and cannot do.
    """

    def visit(node, kids):
        if not node.children:
            return node
        return _simplify_node(node.op, tuple(kids))

    return _bottom_up(expr, visit)


# ---------------------------------------------------------------------------- evaluation

_MATH = {"sin": math.sin, "cos": math.cos, "exp": math.exp, "log": math.log, "sqrt": math.sqrt}
_NUMPY = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log, "sqrt": np.sqrt}


def evaluate(expr, **env):
    """The value of ``expr`` with each symbol bound by keyword (numbers or numpy arrays)."""

    def visit(node, v):
        op = node.op
        if op == "const":
            return node.value
        if op == "symbol":
            if node.name not in env:
                raise NameError(
                    f"evaluate: no value for the symbol {node.name!r} (pass {node.name}=...)"
                )
            return env[node.name]
        if op == "add":
            return v[0] + v[1]
        if op == "sub":
            return v[0] - v[1]
        if op == "mul":
            return v[0] * v[1]
        if op == "div":
            return v[0] / v[1]
        if op == "pow":
            return v[0] ** v[1]
        if op == "neg":
            return -v[0]
        if isinstance(v[0], (int, float)):
            try:
                return _MATH[op](v[0])
            except (ValueError, OverflowError) as err:
                raise ValueError(f"evaluate: {op}({v[0]!r}) is undefined: {err}") from None
        return _NUMPY[op](v[0])

    return _bottom_up(expr, visit)


# ---------------------------------------------------------------------------- printing

# precedence: how tightly a printed form binds (higher = tighter)
_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_ATOM = 5
_INFIX = {"add": " + ", "sub": " - ", "mul": " * ", "div": " / ", "pow": "**"}


def _const_text(value):
    return repr(value)


def _to_text(expr):
    """Infix text with the parentheses that precedence requires (and around a leading minus
    on the right of an operator, for readability)."""

    def visit(node, kids):
        op = node.op
        if op == "symbol":
            return node.name, _ATOM
        if op == "const":
            return _const_text(node.value), (_PREC["neg"] if node.value < 0 else _ATOM)
        if op in _FUNCTIONS:
            return f"{op}({kids[0][0]})", _ATOM
        if op == "neg":
            text, prec = kids[0]
            if prec <= _PREC["mul"] or text.startswith("-"):
                text = f"({text})"
            return f"-{text}", _PREC["neg"]
        p = _PREC[op]
        (lt, lp), (rt, rp) = kids
        if op == "pow":
            left_paren, right_paren = lp <= p, rp < p
        else:
            left_paren = lp < p
            right_paren = rp < p or (rp == p and op in ("sub", "div"))
        if left_paren:
            lt = f"({lt})"
        if right_paren or rt.startswith("-"):
            rt = f"({rt})"
        return f"{lt}{_INFIX[op]}{rt}", p

    return _bottom_up(expr, visit)[0]


_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
}


def _latex_symbol(name):
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    base, sub = (m.group(1), m.group(2)) if m else (name, None)
    if base in _GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = r"\mathrm{" + base.replace("_", r"\_") + "}"
    return f"{base}_{{{sub}}}" if sub else base


def _latex_const(value):
    if isinstance(value, float) and ("e" in repr(value) or not math.isfinite(value)):
        if not math.isfinite(value):
            return r"\infty" if value > 0 else r"-\infty"
        mantissa, exponent = f"{value:.6g}".split("e") if "e" in f"{value:.6g}" else (
            f"{value:.6g}", "0")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return repr(value)


_LATEX_INFIX = {"add": "+", "sub": "-", "mul": r"\cdot"}


def to_latex(expr):
    """LaTeX for ``expr`` (for ``IPython.display.Math`` or a Markdown cell)."""

    def visit(node, kids):
        op = node.op
        if op == "symbol":
            return _latex_symbol(node.name), _ATOM
        if op == "const":
            return _latex_const(node.value), (_PREC["neg"] if node.value < 0 else _ATOM)
        if op == "exp":
            return f"e^{{{kids[0][0]}}}", _PREC["pow"]
        if op == "sqrt":
            return rf"\sqrt{{{kids[0][0]}}}", _ATOM
        if op in _FUNCTIONS:
            return rf"\{op}\left({kids[0][0]}\right)", _ATOM
        if op == "neg":
            text, prec = kids[0]
            if prec <= _PREC["sub"] or text.startswith("-"):
                text = rf"\left({text}\right)"
            return f"-{text}", _PREC["neg"]
        (lt, lp), (rt, rp) = kids
        if op == "div":
            return rf"\frac{{{lt}}}{{{rt}}}", _ATOM
        if op == "pow":
            if lp < _ATOM:
                lt = rf"\left({lt}\right)"
            return f"{{{lt}}}^{{{rt}}}", _PREC["pow"]
        p = _PREC[op]
        if lp < p:
            lt = rf"\left({lt}\right)"
        if rp < p or (rp == p and op == "sub") or rt.startswith("-"):
            rt = rf"\left({rt}\right)"
        return f"{lt} {_LATEX_INFIX[op]} {rt}", p

    return _bottom_up(expr, visit)[0]


# ---------------------------------------------------------------------------- size and sharing


def count_nodes(expr, unique=None):
    """The number of nodes of ``expr``.

    As a tree (``unique=False``): every occurrence counts, as when the formula is written
    out.  As a DAG (``unique=True``): each distinct node object counts once.  By default an
    expression made by :func:`to_dag` is counted as a DAG and anything else as a tree.
    """
    expr = _lift(expr)
    if unique is None:
        unique = expr.dag
    if unique:
        return len(_postorder(expr))
    return _bottom_up(expr, lambda node, sizes: 1 + sum(sizes))


def to_dag(expr):
    """The same expression with every repeated subexpression stored once (hash-consing).

    Two subtrees become one node when they have the same operation and the same (already
    merged) children; equal symbols and equal constants merge too.  The result is made of new
    nodes marked ``dag=True``, so ``count_nodes(to_dag(e))`` counts distinct nodes.
    """
    table = {}

    def visit(node, kids):
        if node.op == "symbol":
            key = ("symbol", node.name)
        elif node.op == "const":
            key = ("const", type(node.value).__name__, node.value)
        else:
            key = (node.op,) + tuple(id(k) for k in kids)
        shared = table.get(key)
        if shared is None:
            if node.op == "symbol":
                shared = Symbol(node.name)
            elif node.op == "const":
                shared = Const(node.value)
            else:
                shared = Expr(node.op, kids)
            shared.dag = True
            table[key] = shared
        return shared

    return _bottom_up(expr, visit)
