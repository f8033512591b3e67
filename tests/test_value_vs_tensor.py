"""The two engines of mygrad agree: ``mygrad.Value`` against 0-d ``mygrad.Tensor`` (float64),
and both against torch (float64), on random expression DAGs.

A program is a list of operations over a pool of nodes (leaves first); each operation reads
earlier nodes, often the same node twice (``x * x``, ``x + x + x``), and the output adds up
the last node and some earlier ones, so gradients flow along several paths.  Values and the
gradients of every leaf and every intermediate node are compared:

* Value vs Tensor: 1e-12 relative (absolute 1e-12 times the size of the numbers involved,
  for sums that cancel);
* each vs torch: 1e-9 relative, as in the rest of the suite.

The check is shown able to fail: the tests at the end put known bugs into Value (a wrong local
gradient, gradients assigned instead of added up) and assert that Hypothesis finds a program
that exposes each.
"""

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, find, given, settings
from hypothesis import strategies as st

import mygrad
from mygrad import scalar
from mygrad.scalar import Value
from tests.fuzz.programs import SCALAR_OPS

torch = pytest.importorskip("torch")

# name -> (number of inputs, function): the differential fuzzer's scalar ops (written with
# operators and methods that Value, Tensor and torch.Tensor all have, each kept inside its
# domain), plus operations with a number on either side and a node used three times.
OPS = {
    **SCALAR_OPS,
    "pow": (2, lambda a, b: (a * a + 0.5) ** b),
    "triple": (1, lambda a: a + a + a),
    "add_k": (1, lambda a: a + 0.5),
    "sub_k": (1, lambda a: a - 0.75),
    "mul_k": (1, lambda a: a * 3),
    "div_k": (1, lambda a: a / 4.0),
    "rpow": (1, lambda a: 1.7 ** a),
    "inverse": (1, lambda a: (a * a + 1) ** -1),
}


@dataclass
class Program:
    leaves: list
    instrs: list = field(default_factory=list)  # (op name, input indices into the pool)
    outputs: list = field(default_factory=list)  # pool indices summed into the output

    def source(self):
        names = [f"x{i}" for i in range(len(self.leaves))]
        lines = [f"{n} = {v!r}" for n, v in zip(names, self.leaves)]
        for k, (op, args) in enumerate(self.instrs):
            lines.append(f"v{k} = {op}({', '.join(names[i] for i in args)})")
            names.append(f"v{k}")
        lines.append("out = " + " + ".join(names[i] for i in self.outputs))
        return "\n".join(lines)


@st.composite
def programs(draw, max_leaves=3, max_instrs=12):
    leaves = draw(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=max_leaves))
    prog = Program(leaves)
    size = len(leaves)
    for _ in range(draw(st.integers(1, max_instrs))):
        op = draw(st.sampled_from(sorted(OPS)))
        first = draw(st.integers(0, size - 1))
        args = [first]
        if OPS[op][0] == 2:  # half the time the same node twice: x + x, x * x, ...
            args.append(first if draw(st.booleans()) else draw(st.integers(0, size - 1)))
        prog.instrs.append((op, tuple(args)))
        size += 1
    prog.outputs = [size - 1] + draw(st.lists(st.integers(0, size - 1), max_size=3))
    return prog


def run(kind, prog):
    """Evaluate ``prog`` with "value", "tensor" or "torch"; return the output's value and the
    gradient of every node (leaves, then intermediates, in program order)."""
    if kind == "value":
        pool = [Value(x) for x in prog.leaves]
    else:
        lib = mygrad if kind == "tensor" else torch
        pool = [lib.tensor(x, dtype=lib.float64, requires_grad=True) for x in prog.leaves]
    for op, args in prog.instrs:
        node = OPS[op][1](*[pool[i] for i in args])
        if kind != "value":
            node.retain_grad()
        pool.append(node)
    out = pool[prog.outputs[0]]
    for i in prog.outputs[1:]:
        out = out + pool[i]
    out.backward()
    if kind == "value":
        return out.data, [v.grad for v in pool]
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in pool]


def disagreement(prog):
    """None when Value, Tensor and torch agree on ``prog``, else what differs (with the
    program).  Programs whose numbers torch cannot represent sensibly are skipped (None)."""
    want = run("torch", prog)
    numbers = [want[0], *want[1]]
    if not all(math.isfinite(x) and abs(x) < 1e8 for x in numbers):
        return None
    scale = 1.0 + max(abs(x) for x in numbers)
    got = {kind: run(kind, prog) for kind in ("value", "tensor")}

    def differs(a, b, rel):
        return not math.isclose(a, b, rel_tol=rel, abs_tol=rel * scale)

    names = ["out"] + [f"x{i}.grad" for i in range(len(prog.leaves))] + [
        f"v{k}.grad" for k in range(len(prog.instrs))]
    flat = {kind: [v, *grads] for kind, (v, grads) in {**got, "torch": want}.items()}
    for i, name in enumerate(names):
        value, tensor, ref = flat["value"][i], flat["tensor"][i], flat["torch"][i]
        for what, a, b, rel in (("Value vs Tensor", value, tensor, 1e-12),
                                ("Value vs torch", value, ref, 1e-9),
                                ("Tensor vs torch", tensor, ref, 1e-9)):
            if differs(a, b, rel):
                return (f"{what}: {name} = {a!r} vs {b!r} (Value {value!r}, Tensor {tensor!r},"
                        f" torch {ref!r})\n{prog.source()}")
    return None


@given(prog=programs())
@example(prog=Program([0.7], [("triple", (0,))], [1]))  # x + x + x
@example(prog=Program([0.7, -1.2], [("mul", (0, 0)), ("mul", (2, 1))], [3, 2, 2]))
@settings(max_examples=200, deadline=None)
def test_value_tensor_and_torch_agree_on_random_dags(prog):
    problem = disagreement(prog)
    assert problem is None, problem


@pytest.mark.parametrize("make", [
    lambda x: x + x + x,
    lambda x: x * x * x,
    lambda x: (x * x + x) / (x + 2),
    lambda x: (x.tanh() + x).sigmoid() * x,
], ids=["x+x+x", "x*x*x", "rational", "nested"])
def test_reusing_one_node(make):
    value = Value(0.6)
    tensor = mygrad.tensor(0.6, dtype=mygrad.float64, requires_grad=True)
    ref = torch.tensor(0.6, dtype=torch.float64, requires_grad=True)
    for x in (value, tensor, ref):
        make(x).backward()
    assert math.isclose(value.grad, tensor.grad.item(), rel_tol=1e-12)
    assert math.isclose(value.grad, ref.grad.item(), rel_tol=1e-12)


# ----------------------------------------------------------------------- the check can fail

FIND = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _finds_a_bug():
    return find(programs(), lambda p: disagreement(p) is not None, settings=FIND)


def test_check_finds_a_wrong_local_gradient(monkeypatch):
    """The classic slip: tanh' written as 1 - tanh instead of 1 - tanh^2."""

    def tanh(self):
        t = math.tanh(self.data)
        return scalar._output(t, (self,), "tanh", (1.0 - t,))

    monkeypatch.setattr(Value, "tanh", tanh)
    found = _finds_a_bug()
    assert any(op in ("tanh", "exp") for op, _ in found.instrs)


def test_check_finds_gradients_assigned_instead_of_added(monkeypatch):
    """Lecture 5's first bug: ``=`` instead of ``+=`` loses all but one path (x + x + x)."""

    def assigning_chain_rule(out):
        for child, local_grad in zip(out._prev, out._local_grads):
            child.grad = local_grad * out.grad

    monkeypatch.setattr(scalar, "_chain_rule", assigning_chain_rule)
    assert disagreement(Program([0.7], [("triple", (0,))], [1])) is not None
    _finds_a_bug()


def test_check_finds_a_wrong_topological_order(monkeypatch):
    """Processing nodes in creation order (oldest first) instead of newest first."""
    original = Value.backward

    def backward(self):
        stamps = {}
        for node in _nodes(self):
            stamps[node] = node._stamp
            node._stamp = -node._stamp  # reversed order for this pass only
        try:
            original(self)
        finally:
            for node, s in stamps.items():
                node._stamp = s

    monkeypatch.setattr(Value, "backward", backward)
    _finds_a_bug()


def _nodes(root):
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen
