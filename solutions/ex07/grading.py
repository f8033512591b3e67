"""Hidden grading of ex07 「数値微分と記号微分」 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and return plain numbers only; the
functions and expressions they use are built inside the probe from the case's plain data.
References run in the grader: derivatives with torch.autograd in float64, difference weights
and formulas with numpy float64, and node counts with this file's own small expression code
(written independently of the notebook's solution).
"""

import math

import numpy as np

from autograder.checks import Expect, ref_tensor, torch_grad
from autograder.spec import Assignment

assignment = Assignment("ex07")


def _r(a, nd=3):
    return np.round(np.asarray(a, dtype=float), nd).tolist()


# --- expressions: plain nested lists in the cases, tuples in the probes -----------------------
def _tup(e):
    return tuple(_tup(a) for a in e) if isinstance(e, list) else e


def _torch_eval(e, t):
    import torch

    if isinstance(e, str) and e == "x":
        return t
    if not isinstance(e, tuple):
        return torch.tensor(float(e), dtype=torch.float64)
    op = e[0]
    if op == "^":
        return _torch_eval(e[1], t) ** e[2]
    a = [_torch_eval(x, t) for x in e[1:]]
    if op == "+":
        return a[0] + a[1]
    if op == "-":
        return a[0] - a[1]
    if op == "*":
        return a[0] * a[1]
    if op == "/":
        return a[0] / a[1]
    return {"sin": torch.sin, "cos": torch.cos, "exp": torch.exp, "log": torch.log}[op](a[0])


def _num_eval(e):
    op = e[0]
    a = e[1:]
    return {"+": lambda: a[0] + a[1], "-": lambda: a[0] - a[1], "*": lambda: a[0] * a[1],
            "/": lambda: a[0] / a[1], "^": lambda: a[0] ** a[1],
            "sin": lambda: math.sin(a[0]), "cos": lambda: math.cos(a[0]),
            "exp": lambda: math.exp(a[0]), "log": lambda: math.log(a[0])}[op]()


def _simp(e):
    """The five rules of 問4, bottom-up (independent reference implementation)."""
    if not isinstance(e, tuple):
        return e
    op, args = e[0], [_simp(a) for a in e[1:]]
    num = [isinstance(a, (int, float)) and not isinstance(a, bool) for a in args]
    if all(num):
        return _num_eval((op, *args))
    if op == "+" and num[0] and args[0] == 0:
        return args[1]
    if op in ("+", "-") and num[1] and args[1] == 0:
        return args[0]
    if op == "*":
        if any(n and a == 0 for n, a in zip(num, args)):
            return 0
        if num[0] and args[0] == 1:
            return args[1]
        if num[1] and args[1] == 1:
            return args[0]
    if op == "/" and num[1] and args[1] == 1:
        return args[0]
    if op == "/" and num[0] and args[0] == 0:
        return 0
    if op == "^" and args[1] == 1:
        return args[0]
    if op == "^" and args[1] == 0:
        return 1
    return (op, *args)


def _d(e):
    """Symbolic derivative (reference; used only to make expressions with shared parts)."""
    if isinstance(e, str):
        return 1
    if not isinstance(e, tuple):
        return 0
    op, a = e[0], e[1]
    if op in ("+", "-"):
        return (op, _d(a), _d(e[2]))
    if op == "*":
        return ("+", ("*", _d(a), e[2]), ("*", a, _d(e[2])))
    if op == "sin":
        return ("*", ("cos", a), _d(a))
    if op == "exp":
        return ("*", e, _d(a))
    raise ValueError(op)


def _nodes(e):
    return 1 + sum(_nodes(a) for a in e[1:]) if isinstance(e, tuple) else 1


def _distinct(e):
    seen, stack = set(), [e]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            if isinstance(n, tuple):
                stack.extend(n[1:])
    return len(seen)


def _lists(e):
    return [_lists(a) for a in e] if isinstance(e, tuple) else e


def _rand_expr(rng, depth):
    """A random smooth expression in x, safe on [-1.5, 1.5] (log and / only of 2 + u²)."""
    if depth == 0:
        return "x" if rng.random() < 0.7 else float(_r(rng.uniform(-2, 2), 1))
    kind = rng.choice(["+", "-", "*", "/", "sin", "cos", "exp", "log", "^"])
    u = _rand_expr(rng, depth - 1)
    if kind in ("+", "-", "*"):
        return (str(kind), u, _rand_expr(rng, depth - 1))
    if kind == "/":
        w = _rand_expr(rng, depth - 1)
        return ("/", u, ("+", 2, ("*", w, w)))
    if kind == "log":
        return ("log", ("+", 2, ("*", u, u)))
    if kind == "exp":
        return ("exp", ("*", 0.5, ("sin", u)))
    if kind == "^":
        return ("^", u, int(rng.integers(2, 4)))
    return (str(kind), u)


# --- 問1: central-difference numerical gradient (until the move: ex02 問5) ----------------------
# f(v) = sum(a*sin(v)) + 1/2 sum(b*v^2) + c*v0*v1 with |a| <= 0.5, 1 <= b <= 2: every second
# derivative f''_ii is at least 0.5 in size, so a forward difference is off by >= 2.5e-6 (h=1e-5)
# and >= 2.5e-4 (h=1e-3), far outside the tolerances below, while a central difference is
# within ~1e-10 and ~1e-7.
NUMGRAD_HINT = "前進差分ではなく中心差分 (f(x+h) - f(x-h)) / (2h) を使っていますか？"


def probe_numgrad(ns, a, b, c, x, check_x):
    import numpy as np

    A, B = np.array(a, dtype=float), np.array(b, dtype=float)

    def f(v):
        v = np.asarray(v, dtype=float)
        flat = v.reshape(-1)
        return float(np.sum(A * np.sin(v)) + 0.5 * np.sum(B * v**2) + c * flat[0] * flat[1])

    start = np.array(x, dtype=float)
    out = {
        "grad (h=既定値)": ns["numerical_gradient"](f, start),
        "grad (h=1e-3)": ns["numerical_gradient"](f, np.array(x, dtype=float), h=1e-3),
    }
    if check_x:
        out["x (呼び出し後)"] = start
    return out


def reference_numgrad(a, b, c, x, check_x):
    import torch

    A, B = ref_tensor(a), ref_tensor(b)

    def f(v):
        flat = v.reshape(-1)
        return (A * torch.sin(v)).sum() + 0.5 * (B * v**2).sum() + c * flat[0] * flat[1]

    g = torch_grad(f, x)
    out = {
        "grad (h=既定値)": Expect(g, rtol=1e-8, atol=1e-8, hint=NUMGRAD_HINT),
        "grad (h=1e-3)": Expect(g, rtol=1e-6, atol=1e-5, hint=NUMGRAD_HINT),
    }
    if check_x:
        out["x (呼び出し後)"] = Expect(
            x, hint="渡された x の中身を書き換えたままにしないでください。")
    return out


def cases_numgrad(rng):
    out = []
    for shape, check_x in (((int(rng.integers(3, 7)),), True), ((2, 3), False)):
        out.append({
            "a": _r(rng.uniform(-0.5, 0.5, shape)),
            "b": _r(rng.uniform(1.0, 2.0, shape)),
            "c": float(_r(rng.uniform(-1, 1))),
            "x": _r(rng.uniform(-2, 2, shape)),
            "check_x": check_x,
        })
    return out


assignment.task("ex07_numgrad_check", probe=probe_numgrad, cases=cases_numgrad,
                reference=reference_numgrad)


# --- 問2-1: difference weights -----------------------------------------------------------------
W_HINT = ("行 m（0..2k）・列 j（-k..k）の成分が j^m/m! の行列 A について、A w = e_1（m=1 だけ 1）"
          "を解きます。返すのは w_{-k}, ..., w_k の順の 2k+1 個です。")


def probe_fd_weights(ns, k):
    return {f"fd_weights({k})": [float(w) for w in ns["fd_weights"](k)]}


def _weights(k):
    from fractions import Fraction

    # exact rational solution of the Vandermonde system by Gauss-Jordan elimination
    n = 2 * k + 1
    A = [[Fraction(j) ** m / math.factorial(m) for j in range(-k, k + 1)] + [Fraction(int(m == 1))]
         for m in range(n)]
    for c in range(n):
        p = next(r for r in range(c, n) if A[r][c] != 0)
        A[c], A[p] = A[p], A[c]
        A[c] = [v / A[c][c] for v in A[c]]
        for r in range(n):
            if r != c and A[r][c] != 0:
                A[r] = [vr - A[r][c] * vc for vr, vc in zip(A[r], A[c])]
    return [float(row[-1]) for row in A]


def reference_fd_weights(k):
    return {f"fd_weights({k})": Expect(_weights(k), rtol=1e-7, atol=1e-9, hint=W_HINT)}


def cases_fd_weights(rng):
    return [{"k": int(k)} for k in rng.permutation([1, 2, 3, 4])]


assignment.task("ex07_fd_weights_check", probe=probe_fd_weights, cases=cases_fd_weights,
                reference=reference_fd_weights)


# --- 問2-2: the (2k+1)-point formula -----------------------------------------------------------
D_HINT = ("f'(x) ≈ (1/h) Σ_j w_j f(x + j h)、j = -k..k。重みの順番と、最後に h で割ることを"
          "確かめましょう。")


def probe_fd_derivative(ns, a, b, x0, h, k):
    import math

    def f(t):
        return math.sin(a * t) * math.exp(b * t)

    return {f"{2 * k + 1} 点公式の値": ns["fd_derivative"](f, x0, h, k)}


def reference_fd_derivative(a, b, x0, h, k):
    w = _weights(k)
    value = sum(wj * math.sin(a * (x0 + j * h)) * math.exp(b * (x0 + j * h))
                for j, wj in zip(range(-k, k + 1), w)) / h
    exact = torch_grad(lambda t: (a * t).sin() * (b * t).exp(), x0)
    assert abs(value - float(exact)) < 1e-3  # the formula itself is close to the derivative
    return {f"{2 * k + 1} 点公式の値": Expect(value, rtol=1e-9, atol=1e-10, hint=D_HINT)}


def cases_fd_derivative(rng):
    return [{"a": float(_r(rng.uniform(0.5, 2))), "b": float(_r(rng.uniform(-1, 1))),
             "x0": float(_r(rng.uniform(-1, 1))), "h": float(h), "k": int(k)}
            for h, k in ((1e-2, 1), (5e-2, 2), (1e-1, 3))]


assignment.task("ex07_fd_derivative_check", probe=probe_fd_derivative,
                cases=cases_fd_derivative, reference=reference_fd_derivative)


# --- 問3-1: the best h read off the error curve (until the move: ex02 問6-1) --------------------
# For f = sin at x = 1 in float64 the central-difference error is smallest near h ~ 3e-6
# (eps^(1/3)); any h_best in [1e-6, 1e-4] is accepted, the forward-difference optimum 1e-8 is not.
def probe_h_best(ns):
    import math

    return {"log10(h_best)": math.log10(float(ns["h_best"]))}


def reference_h_best():
    return {"log10(h_best)": Expect(
        -5.0, rtol=0.0, atol=1.0,
        hint="中心差分の誤差曲線の谷の位置を読みましょう（前進差分の谷とは違います）。")}


assignment.task("ex07_h_best_check", probe=probe_h_best, cases=lambda rng: [{}],
                reference=reference_h_best)


# --- 問3-2: the best h by measurement ----------------------------------------------------------
H_HINT = ("hs のそれぞれで中心差分 (f(x0+h) - f(x0-h)) / (2h) と df(x0) の差の絶対値を計算し、"
          "それが最小になる h を返します（最大の h や最小の h ではありません）。")


def probe_best_h(ns, which, x0):
    import math

    import numpy as np

    f, df = {"sin": (math.sin, math.cos), "exp": (math.exp, math.exp),
             "atan": (math.atan, lambda t: 1 / (1 + t * t))}[which]
    hs = [float(h) for h in np.logspace(-12, -1, 45)]
    h = float(ns["best_h"](f, df, x0, list(hs)))
    err = abs((f(x0 + h) - f(x0 - h)) / (2 * h) - df(x0))
    return {"選んだ h での誤差": err, "h は hs の 1 つ": 1.0 if h in hs else 0.0}


def reference_best_h(which, x0):
    f, df = {"sin": (math.sin, math.cos), "exp": (math.exp, math.exp),
             "atan": (math.atan, lambda t: 1 / (1 + t * t))}[which]
    hs = [float(h) for h in np.logspace(-12, -1, 45)]
    best = min(abs((f(x0 + h) - f(x0 - h)) / (2 * h) - df(x0)) for h in hs)
    # within a factor 2 of the smallest error (round-off makes near-ties a matter of luck)
    return {"選んだ h での誤差": Expect(best, rtol=1.0, atol=1e-13, hint=H_HINT),
            "h は hs の 1 つ": Expect(1.0, hint="hs の中から 1 つ選んで返してください。")}


def cases_best_h(rng):
    return [{"which": w, "x0": float(_r(rng.uniform(0.2, 1.5)))} for w in ("sin", "exp", "atan")]


assignment.task("ex07_best_h_check", probe=probe_best_h, cases=cases_best_h,
                reference=reference_best_h)


# --- 問4: diff ---------------------------------------------------------------------------------
DIFF_HINT = ("和・差はそれぞれ微分、積は a'b + ab'、商は (a'b - ab')/b²、a^n は n a^(n-1) a'、"
             "sin/cos/exp/log は外側の微分 × 中身の微分（連鎖律）。定数の微分は 0、x は 1。")


def probe_diff(ns, expr, xs):
    import numpy as np

    def tup(e):
        return tuple(tup(a) for a in e) if isinstance(e, list) else e

    def ev(e, x):
        if isinstance(e, str):
            return x
        if not isinstance(e, tuple):
            return float(e)
        op = e[0]
        if op == "^":
            return ev(e[1], x) ** e[2]
        a = [ev(t, x) for t in e[1:]]
        if op == "+":
            return a[0] + a[1]
        if op == "-":
            return a[0] - a[1]
        if op == "*":
            return a[0] * a[1]
        if op == "/":
            return a[0] / a[1]
        return {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log}[op](a[0])

    d = ns["diff"](tup(expr))
    return {"diff(f) の値": [float(ev(d, float(x))) for x in xs]}


def reference_diff(expr, xs):
    e = _tup(expr)
    # + 0 * t: a random expression may not contain x at all (its derivative is then 0)
    grads = [float(torch_grad(lambda t: _torch_eval(e, t) + 0 * t, float(x))) for x in xs]
    return {"diff(f) の値": Expect(grads, hint=DIFF_HINT)}


def cases_diff(rng):
    fixed = [["/", ["sin", "x"], ["+", 2, ["^", "x", 2]]],
             ["*", ["exp", ["*", 0.5, "x"]], ["log", ["+", 2, ["*", "x", "x"]]]],
             ["-", ["cos", ["*", "x", "x"]], ["^", ["sin", "x"], 3]]]
    rand = [_lists(_rand_expr(rng, 3)) for _ in range(3)]
    return [{"expr": e, "xs": _r(rng.uniform(-1.2, 1.2, 3))} for e in fixed + rand]


assignment.task("ex07_diff_check", probe=probe_diff, cases=cases_diff, reference=reference_diff)


# --- 問5: simplify -----------------------------------------------------------------------------
S_HINT = ("子を先に簡約してから自分に 5 つの規則を当てはめます（定数の計算、+0・-0、"
          "×0・×1、/1・0/、^1・^0）。これ以外の規則は加えないでください。")


def probe_simplify(ns, expr, x0):
    import numpy as np

    def tup(e):
        return tuple(tup(a) for a in e) if isinstance(e, list) else e

    def ev(e, x):
        if isinstance(e, str):
            return x
        if not isinstance(e, tuple):
            return float(e)
        op = e[0]
        if op == "^":
            return ev(e[1], x) ** e[2]
        a = [ev(t, x) for t in e[1:]]
        if op == "+":
            return a[0] + a[1]
        if op == "-":
            return a[0] - a[1]
        if op == "*":
            return a[0] * a[1]
        if op == "/":
            return a[0] / a[1]
        return {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log}[op](a[0])

    def nodes(e):
        return 1 + sum(nodes(a) for a in e[1:]) if isinstance(e, tuple) else 1

    s = ns["simplify"](tup(expr))
    return {"簡約後のノード数": nodes(s), "簡約後の値": float(ev(s, x0))}


def reference_simplify(expr, x0):
    e = _tup(expr)
    return {"簡約後のノード数": Expect(_nodes(_simp(e)), hint=S_HINT),
            "簡約後の値": Expect(float(_torch_eval(e, _ref_x(x0))), hint=S_HINT)}


def _ref_x(x0):
    import torch

    return torch.tensor(x0, dtype=torch.float64)


def cases_simplify(rng):
    out = []
    for _ in range(4):
        a, b, c = (_rand_expr(rng, 2) for _ in range(3))
        k = float(_r(rng.uniform(1, 3), 1))
        expr = ("-", ("+", ("*", 0, a), ("*", 1, ("^", ("+", b, 0), 1))),
                ("*", ("/", c, 1), ("-", ("+", k, 1), ("+", k, 1))))
        out.append({"expr": _lists(expr), "x0": float(_r(rng.uniform(-1, 1)))})
    out.append({"expr": _lists(("*", ("+", 2, 3), ("^", ("sin", ("*", 0, "x")), 0))), "x0": 0.5})
    out.append({"expr": _lists(_d(("*", ("sin", "x"), ("exp", ("*", "x", "x"))))),
                "x0": float(_r(rng.uniform(-1, 1)))})
    return out


assignment.task("ex07_simplify_check", probe=probe_simplify, cases=cases_simplify,
                reference=reference_simplify)


# --- 問6: tree and DAG sizes -------------------------------------------------------------------
def _swollen(rng):
    f = ("sin", "x") if rng.random() < 0.5 else ("exp", ("*", 0.5, "x"))
    for _ in range(int(rng.integers(2, 4))):
        f = ("*", f, ("sin", f))
    return _simp(_d(f))


def probe_count_tree(ns, expr):
    def tup(e):
        return tuple(tup(a) for a in e) if isinstance(e, list) else e

    return {"count_tree": ns["count_tree"](tup(expr))}


def reference_count_tree(expr):
    return {"count_tree": Expect(_nodes(_tup(expr)),
                                 hint="タプル 1 つ・x・定数（^ の指数も）をそれぞれ "
                                      "1 ノードとして、現れた回数だけ数えます。")}


def cases_count_trees(rng):
    return [{"expr": _lists(_rand_expr(rng, 3))}, {"expr": _lists(_swollen(rng))},
            {"expr": _lists(_d(_rand_sum(rng)))}]


def _rand_sum(rng):
    return ("*", ("sin", "x"), ("+", "x", ("exp", ("*", "x", float(_r(rng.uniform(0.5, 2), 1))))))


assignment.task("ex07_count_tree_check", probe=probe_count_tree, cases=cases_count_trees,
                reference=reference_count_tree)


def probe_count_dag(ns, expr):
    def tup(e):
        return tuple(tup(a) for a in e) if isinstance(e, list) else e

    return {"count_dag": ns["count_dag"](tup(expr))}


def reference_count_dag(expr):
    return {"count_dag": Expect(_distinct(_tup(expr)),
                                hint="== で等しい部分式は 1 つと数えます: すべての部分式を set に"
                                     "入れて、その大きさを返します（x や定数も含めて）。")}


assignment.task("ex07_count_dag_check", probe=probe_count_dag, cases=cases_count_trees,
                reference=reference_count_dag)
