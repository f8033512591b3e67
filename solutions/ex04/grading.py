"""Hidden grading of ex04 (see docs/authoring.md).

Every node task (問1〜問5) is graded on
- one *direct* case: one node built from fresh leaves whose grads are preset to random values,
  ``out.grad`` set to a random upstream gradient and ``out._backward(out)`` called once
  (value, local gradient times upstream, and ``+=`` accumulation);
- three random expression graphs (fresh values, fresh structure) that mix the student's node
  with the given ones (``+``, ``-``, unary ``-``, ``log``) and a probe-private product node,
  with reuse of intermediate values (diamonds). The probe runs its own reverse topological
  pass, so node tasks never depend on the student's ``backward`` (問6), nor on each other.

問6 (``backward``) is graded on graphs built only from the given nodes and probe-private nodes
with known local gradients, so it never depends on the student's 問1〜問5.

Graphs travel to the sandbox as plain data: ``inputs`` (floats) and ``ops`` (a list of
``[kind, i, arg]``: apply ``kind`` to pool[i] and, for binary kinds, pool[arg]; for ``addc``,
``mulc``, ``rmulc`` and ``pow`` ``arg`` is a number). The pool starts with the inputs and each op
appends its result; the output is the last pool entry. The reference rebuilds the same graph in
torch float64.
"""

import math

from autograder.checks import Expect, ref_tensor
from autograder.spec import Assignment

assignment = Assignment("ex04")

BINARY = {"add", "sub", "mul", "pmul"}
TARGET_KINDS = {
    "mul": ["mul", "mulc", "rmulc"],
    "pow": ["pow"],
    "exp": ["exp"],
    "tanh": ["tanh"],
    "relu": ["relu"],
    "backward": ["pmul", "ptanh"],
}
POW_EXPONENTS = [2, 3, -1, -2, 0.5, 1.5, -0.5, 2.5]


# ------------------------------------------------------------------ plain-float simulation
def _apply_float(kind, p, i, arg):
    x = p[i]
    if kind == "add":
        return x + p[arg]
    if kind == "sub":
        return x - p[arg]
    if kind in ("mul", "pmul"):
        return x * p[arg]
    if kind == "neg":
        return -x
    if kind == "addc":
        return x + arg
    if kind in ("mulc", "rmulc"):
        return x * arg
    if kind == "log":
        return math.log(x) if x > 0.2 else None
    if kind == "pow":
        if abs(x) < 0.3 and arg < 0:
            return None
        if float(arg) != int(arg) and x < 0.2:
            return None
        return x**arg
    if kind == "exp":
        return math.exp(x) if x < 4 else None
    if kind == "tanh" and abs(x) < 0.7:
        # near 0, tanh'(x) = 1 - tanh(x)^2 and the classic slip 1 - x^2 agree to O(x^4):
        # keep the student's tanh nodes where the two differ by more than 0.1
        return None
    if kind in ("tanh", "ptanh"):
        return math.tanh(x)
    if kind == "relu":
        return None if abs(x) < 1e-3 else max(x, 0.0)
    raise ValueError(kind)


def _random_graph(rng, target, n_ops):
    """A random expression: inputs, ops (see module docstring); at least 3 target ops."""
    kinds = TARGET_KINDS[target]
    base = ["add", "sub", "neg", "addc", "log", "add"]
    if target != "backward":
        base.append("pmul")
    while True:
        n_in = int(rng.integers(2, 4))
        inputs = [round(float(v), 3) for v in rng.uniform(-2.0, 2.0, size=n_in)]
        inputs = [v if abs(v) > 0.05 else 0.5 for v in inputs]
        pool = list(inputs)
        ops = []
        n_target = 0
        tries = 0
        while len(ops) < n_ops and tries < 500:
            tries += 1
            want_target = rng.random() < 0.5 or (n_ops - len(ops)) <= 3 - n_target
            kind = str(rng.choice(kinds if want_target else base))
            # prefer recent nodes (depth) but reuse older ones too (diamonds)
            n = len(pool)
            i = int(n - 1 - min(int(rng.geometric(0.45)) - 1, n - 1))
            if kind in BINARY:
                arg = int(rng.integers(0, n))
                if kind == "mul" and n_target == 0:
                    arg = i  # x * x: the same node on both sides
                if kind == "sub" and arg == i:
                    continue  # x - x: nothing would flow back
            elif kind == "addc":
                arg = round(float(rng.uniform(-1.5, 1.5)), 2)
            elif kind in ("mulc", "rmulc"):
                arg = round(float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.5)), 2)
            elif kind == "pow":
                arg = POW_EXPONENTS[int(rng.integers(len(POW_EXPONENTS)))]
            else:
                arg = 0
            val = _apply_float(kind, pool, i, arg)
            if val is None or not math.isfinite(val) or abs(val) > 50:
                continue
            pool.append(val)
            ops.append([kind, i, arg])
            n_target += kind in kinds
        if len(ops) < n_ops or n_target < 3:
            continue
        # the output: the last node plus a few earlier ones, so that every branch matters
        for j in rng.choice(len(pool) - 1, size=min(3, len(pool) - 1), replace=False):
            ops.append(["add", len(pool) - 1, int(j)])
            pool.append(pool[-1] + pool[int(j)])
        if all(abs(v) < 200 for v in pool) and _sensitive(inputs, ops, kinds):
            return inputs, ops


def _sensitive(inputs, ops, kinds):
    """Every node of the task's kinds must matter: |dy/d(node)| > 1e-3, so that a wrong local
    gradient of any of them changes the input gradients (no node hangs off the output, no
    paths cancel)."""
    import torch

    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    p = list(xs)
    watched = []
    for kind, i, arg in ops:
        x = p[i]
        y = {
            "add": lambda x, arg: x + p[arg],
            "sub": lambda x, arg: x - p[arg],
            "mul": lambda x, arg: x * p[arg],
            "pmul": lambda x, arg: x * p[arg],
            "neg": lambda x, arg: -x,
            "addc": lambda x, arg: x + arg,
            "mulc": lambda x, arg: x * arg,
            "rmulc": lambda x, arg: arg * x,
            "log": lambda x, arg: torch.log(x),
            "pow": lambda x, arg: x**arg,
            "exp": lambda x, arg: torch.exp(x),
            "tanh": lambda x, arg: torch.tanh(x),
            "ptanh": lambda x, arg: torch.tanh(x),
            "relu": lambda x, arg: torch.relu(x),
        }[kind](x, arg)
        p.append(y)
        if kind in kinds:
            watched.append(y)
    grads = torch.autograd.grad(p[-1], watched, allow_unused=True)
    return all(g is not None and abs(g.item()) > 1e-3 for g in grads)


def _torch_graph(inputs, ops):
    import torch

    xs = [ref_tensor(v, requires_grad=True) for v in inputs]
    p = list(xs)
    for kind, i, arg in ops:
        x = p[i]
        if kind == "add":
            y = x + p[arg]
        elif kind == "sub":
            y = x - p[arg]
        elif kind in ("mul", "pmul"):
            y = x * p[arg]
        elif kind == "neg":
            y = -x
        elif kind == "addc":
            y = x + arg
        elif kind == "mulc":
            y = x * arg
        elif kind == "rmulc":
            y = arg * x
        elif kind == "log":
            y = torch.log(x)
        elif kind == "pow":
            y = x**arg
        elif kind == "exp":
            y = torch.exp(x)
        elif kind in ("tanh", "ptanh"):
            y = torch.tanh(x)
        elif kind == "relu":
            y = torch.relu(x)
        else:
            raise ValueError(kind)
        p.append(y)
    out = p[-1]
    grads = torch.autograd.grad(out, xs, allow_unused=True)
    return out, [0.0 if g is None else g.item() for g in grads]


# ------------------------------------------------------------------ probe of 問1〜問5
def probe_node(ns, label, op, inputs, ops=None, arg=0, upstream=1.0, preset=None):
    """Runs in the sandbox. Direct mode (ops is None): one node, one call of its _backward.
    Graph mode: build the graph with the student's Value, then a private reverse topological
    pass (independent of the student's backward)."""
    import inspect

    Value = ns["Value"]

    def call(node):
        fn = node._backward
        try:
            n_params = len(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            n_params = 1
        if n_params == 0:
            fn()
        else:
            fn(node)

    def pmul(a, b):
        out = Value(a.data * b.data, (a, b), "pmul")

        def _backward(out):
            a.grad += b.data * out.grad
            b.grad += a.data * out.grad

        out._backward = _backward
        return out

    def apply(kind, p, i, arg):
        x = p[i]
        if kind == "add":
            return x + p[arg]
        if kind == "sub":
            return x - p[arg]
        if kind == "mul":
            return x * p[arg]
        if kind == "pmul":
            return pmul(x, p[arg])
        if kind == "neg":
            return -x
        if kind == "addc":
            return x + arg
        if kind == "mulc":
            return x * arg
        if kind == "rmulc":
            return arg * x
        if kind == "log":
            return x.log()
        if kind == "pow":
            return x**arg
        if kind == "exp":
            return x.exp()
        if kind == "tanh":
            return x.tanh()
        if kind == "relu":
            return x.relu()
        raise ValueError(kind)

    leaves = [Value(v) for v in inputs]
    if ops is None:
        for leaf, g0 in zip(leaves, preset):
            leaf.grad = g0
        p = list(leaves)
        out = apply(op, p, 0, 1 if op == "mul" else arg)
        out.grad = upstream
        call(out)
        return {f"{label}: 出力の data": out.data,
                f"{label}: 入力の grad（前からあった値 + 上流の勾配 × 局所微分）":
                    [leaf.grad for leaf in leaves]}

    p = list(leaves)
    for kind, i, a in ops:
        p.append(apply(kind, p, i, a))
    root = p[-1]
    # reverse topological order with an explicit stack (no recursion, no student's backward)
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            for child in node._prev:
                if id(child) not in seen:
                    stack.append((child, False))
    root.grad = 1.0
    for node in reversed(order):
        if node._backward is not None:
            call(node)
    return {f"{label}: [y, ∂y/∂x0, ∂y/∂x1, ...]": [root.data] + [leaf.grad for leaf in leaves]}


def reference_node(label, op, inputs, ops=None, arg=0, upstream=1.0, preset=None):
    import torch

    if ops is None:
        xs = [ref_tensor(v, requires_grad=True) for v in inputs]
        x = xs[0]
        if op == "mul":
            y = x * xs[1]
        elif op == "pow":
            y = x**arg
        else:
            y = getattr(torch, op)(x)
        grads = torch.autograd.grad(y, xs)
        hint = ("out.grad（上流の勾配）× 局所微分 を、入力の grad に += で足し込みます"
                "（代入すると前からあった値が消えます）。")
        return {
            f"{label}: 出力の data": Expect(y.item()),
            f"{label}: 入力の grad（前からあった値 + 上流の勾配 × 局所微分）":
                Expect([g0 + upstream * g.item() for g0, g in zip(preset, grads)], hint=hint),
        }
    out, grads = _torch_graph(inputs, ops)
    hint = ("同じノードが何度も使われる式（x * x やひし形）でも、局所微分 × out.grad を "
            "+= で足し込んでいるか確認しましょう。")
    return {f"{label}: [y, ∂y/∂x0, ∂y/∂x1, ...]": Expect([out.item()] + grads, hint=hint)}


def _node_cases(target):
    def cases(rng):
        n_in = 2 if target == "mul" else 1
        inputs = [round(float(v), 3) for v in rng.uniform(-2.0, 2.0, size=n_in)]
        arg = 0
        if target == "pow":
            arg = POW_EXPONENTS[int(rng.integers(len(POW_EXPONENTS)))]
            inputs = [round(float(rng.uniform(0.4, 2.0)), 3)]
        if target in ("relu", "tanh", "exp"):  # away from 0, where slips can hide
            low = 0.8 if target == "tanh" else 0.5
            inputs = [round(float(rng.choice([-1, 1]) * rng.uniform(low, 2.0)), 3)]
        out = [{
            "label": "ノード 1 個",
            "op": target,
            "inputs": inputs,
            "arg": arg,
            "upstream": round(float(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)), 3),
            "preset": [round(float(v), 3) for v in rng.uniform(-1.0, 1.0, size=n_in)],
        }]
        for k in range(3):
            inputs, ops = _random_graph(rng, target, int(rng.integers(6, 10)))
            out.append({"label": f"ランダムな式 {k + 1}", "op": target, "inputs": inputs,
                        "ops": ops})
        return out

    return cases


for _target, _gid in [("mul", "ex04_mul_check"), ("pow", "ex04_pow_check"),
                      ("exp", "ex04_exp_check"), ("tanh", "ex04_tanh_check"),
                      ("relu", "ex04_relu_check")]:
    assignment.task(_gid, probe=probe_node, cases=_node_cases(_target), reference=reference_node)


# ------------------------------------------------------------------ 問6-1: backward on graphs
def probe_backward(ns, label, inputs, ops):
    """Runs in the sandbox: the graph uses the given nodes (+, -, neg, log) and probe-private
    product / tanh nodes, then the student's backward()."""
    import math

    Value = ns["Value"]

    def pmul(a, b):
        out = Value(a.data * b.data, (a, b), "pmul")

        def _backward(out):
            a.grad += b.data * out.grad
            b.grad += a.data * out.grad

        out._backward = _backward
        return out

    def ptanh(a):
        out = Value(math.tanh(a.data), (a,), "ptanh")

        def _backward(out):
            a.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    leaves = [Value(v) for v in inputs]
    p = list(leaves)
    for kind, i, a in ops:
        x = p[i]
        if kind == "add":
            y = x + p[a]
        elif kind == "sub":
            y = x - p[a]
        elif kind == "pmul":
            y = pmul(x, p[a])
        elif kind == "ptanh":
            y = ptanh(x)
        elif kind == "neg":
            y = -x
        elif kind == "addc":
            y = x + a
        elif kind == "log":
            y = x.log()
        else:
            raise ValueError(kind)
        p.append(y)
    root = p[-1]
    root.backward()
    return {f"{label}: [∂y/∂x0, ∂y/∂x1, ...]": [leaf.grad for leaf in leaves]}


def reference_backward(label, inputs, ops):
    _, grads = _torch_graph(inputs, ops)
    hint = ("各ノードの _backward は、そのノードを使う側（出力寄り）のノードが全部終わってから "
            "1 回だけ呼びます（トポロジカル順序の逆順）。")
    return {f"{label}: [∂y/∂x0, ∂y/∂x1, ...]": Expect(grads, hint=hint)}


def cases_backward(rng):
    out = [
        # y = u + tanh(u) with u = log(x) listed first: breadth-first order gets this wrong
        {"label": "ひし形", "inputs": [round(float(rng.uniform(1.5, 4.0)), 3)],
         "ops": [["log", 0, 0], ["ptanh", 1, 0], ["add", 1, 2]]},
        # a + a
        {"label": "a + a + a", "inputs": [round(float(rng.uniform(-3, 3)), 3)],
         "ops": [["add", 0, 0], ["add", 1, 0]]},
    ]
    for k in range(3):
        inputs, ops = _random_graph(rng, "backward", int(rng.integers(8, 14)))
        out.append({"label": f"ランダムな式 {k + 1}", "inputs": inputs, "ops": ops})
    return out


assignment.task("ex04_backward_check", probe=probe_backward, cases=cases_backward,
                reference=reference_backward)


# ------------------------------------------------------------------ 問6-2: a 10^4-deep chain
def probe_chain(ns, x0, c0, n):
    """y_0 = x, y_{k+1} = c * y_k + x (a probe-private product node), n steps, then the
    student's backward(). The depth is n; x and c are used n times each."""
    Value = ns["Value"]

    def pmul(a, b):
        out = Value(a.data * b.data, (a, b), "pmul")

        def _backward(out):
            a.grad += b.data * out.grad
            b.grad += a.data * out.grad

        out._backward = _backward
        return out

    x, c = Value(x0), Value(c0)
    y = x
    for _ in range(n):
        y = pmul(c, y) + x
    y.backward()
    return {f"深さ {n} の鎖: ∂y/∂x": x.grad, f"深さ {n} の鎖: ∂y/∂c": c.grad}


def reference_chain(x0, c0, n):
    import torch

    x = ref_tensor(x0, requires_grad=True)
    c = ref_tensor(c0, requires_grad=True)
    y = x
    for _ in range(n):
        y = c * y + x
    gx, gc = torch.autograd.grad(y, (x, c))
    hint = ("再帰を使うとこの深さで RecursionError になります。明示的なスタック（リスト）で "
            "トポロジカル順序を作りましょう。")
    return {f"深さ {n} の鎖: ∂y/∂x": Expect(gx, hint=hint),
            f"深さ {n} の鎖: ∂y/∂c": Expect(gc, hint=hint)}


assignment.task(
    "ex04_deep_check",
    probe=probe_chain,
    cases=lambda rng: [{"x0": round(float(rng.uniform(0.5, 1.5)), 3),
                        "c0": round(float(rng.uniform(0.999, 0.9999)), 5),
                        "n": int(rng.integers(10000, 11001))}],
    reference=reference_chain,
)
