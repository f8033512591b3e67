"""Hidden grading of ex08 「フォワードモードの自動微分」 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and return plain numbers only; the
functions they differentiate are defined inside the probe (so the student cannot swap them).
References run in the grader with torch in float64: torch.autograd for derivatives,
torch.autograd.functional.jvp for JVPs (the visible check uses torch.func.jvp) and
torch.autograd.functional.jacobian for Jacobians.
"""

import numpy as np

from autograder.checks import Expect, ref_tensor, torch_grad
from autograder.spec import Assignment

assignment = Assignment("ex08")


def _r(a, nd=3):
    return np.round(np.asarray(a, dtype=float), nd).tolist()


# --- 問1-1: Dual arithmetic -------------------------------------------------------------------
DUAL_HINT = ("積は (a+bε)(c+dε) = ac + (ad+bc)ε、商の ε の係数は (bc-ad)/c²、"
             "べき乗は k a^(k-1) b です。"
             "普通の数が左にある場合（__rsub__, __rtruediv__）の向きにも注意。")


def probe_dual(ns, x0, p, q):
    Dual = ns["Dual"]
    x = Dual(x0, 1.0)
    f = (p * x**2 - q * x + 1) / (x + 4) - 1 / x
    g = x**3 * (q - x) - (-x) * p
    return {"f": f.value, "f'": f.tangent, "g": g.value, "g'": g.tangent}


def reference_dual(x0, p, q):
    def f(t):
        return (p * t**2 - q * t + 1) / (t + 4) - 1 / t

    def g(t):
        return t**3 * (q - t) - (-t) * p

    return {"f": Expect(f(x0), hint=DUAL_HINT), "f'": Expect(torch_grad(f, x0), hint=DUAL_HINT),
            "g": Expect(g(x0), hint=DUAL_HINT), "g'": Expect(torch_grad(g, x0), hint=DUAL_HINT)}


def cases_dual(rng):
    return [{"x0": float(_r(rng.uniform(0.3, 3.0))), "p": float(_r(rng.uniform(-3, 3))),
             "q": float(_r(rng.uniform(-3, 3)))} for _ in range(3)]


assignment.task("ex08_dual_check", probe=probe_dual, cases=cases_dual, reference=reference_dual)


# --- 問1-2: elementary functions --------------------------------------------------------------
FUN_HINT = ("φ(a + bε) = φ(a) + φ'(a)·b·ε: 局所微分 φ'(a) に接ベクトルの成分 b を掛けます"
            "（sin → cos a、cos → -sin a、exp → e^a、log → 1/a）。")


def probe_functions(ns, x0, which):
    Dual = ns["Dual"]
    x = Dual(x0, 1.0)
    fn = {"sin": ns["dsin"], "cos": ns["dcos"], "exp": ns["dexp"], "log": ns["dlog"]}[which]
    inner = x * x + 1
    y = fn(inner) * x
    return {f"{which}(x²+1)·x": y.value, f"d/dx {which}(x²+1)·x": y.tangent}


def reference_functions(x0, which):
    import torch

    fn = {"sin": torch.sin, "cos": torch.cos, "exp": torch.exp, "log": torch.log}[which]

    def y(t):
        return fn(t * t + 1) * t

    value = float(y(ref_tensor(x0)))
    return {f"{which}(x²+1)·x": Expect(value, hint=FUN_HINT),
            f"d/dx {which}(x²+1)·x": Expect(torch_grad(y, x0), hint=FUN_HINT)}


def cases_functions(rng):
    return [{"x0": float(_r(rng.uniform(-1.2, 1.2))), "which": w}
            for w in ("sin", "cos", "exp", "log")]


assignment.task("ex08_functions_check", probe=probe_functions, cases=cases_functions,
                reference=reference_functions)


# --- 問2: jvp -----------------------------------------------------------------------------------
JVP_HINT = ("入力を Dual(x_j, v_j) にして f を 1 回だけ計算し、出力の value と tangent を"
            "それぞれリストにします。定数の出力の接ベクトルの成分は 0 です。")


def probe_jvp(ns, A, x, v):
    dsin, dexp = ns["dsin"], ns["dexp"]

    def f(xs):
        n = len(xs)
        lin = [sum(A[i][j] * xs[j] for j in range(n)) for i in range(len(A))]
        return [dsin(lin[0]) * xs[0], dexp(lin[1] * 0.3) + xs[-1], lin[0] * lin[1], 2.5]

    values, tangents = ns["jvp"](f, x, v)
    return {"f(x)": values, "J v": tangents}


def reference_jvp(A, x, v):
    import torch

    At = ref_tensor(A)

    def f(xs):
        lin = At @ xs
        return torch.stack([torch.sin(lin[0]) * xs[0], torch.exp(lin[1] * 0.3) + xs[-1],
                            lin[0] * lin[1], torch.tensor(2.5, dtype=xs.dtype)])

    # torch.autograd.functional.jvp, not torch.func.jvp: references of several submissions are
    # computed in parallel threads, and torch.func's forward-AD levels are not thread-safe
    values, tangents = torch.autograd.functional.jvp(f, ref_tensor(x), ref_tensor(v))
    return {"f(x)": Expect(values, hint=JVP_HINT), "J v": Expect(tangents, hint=JVP_HINT)}


def cases_jvp(rng):
    out = []
    for n in (2, 3, 5):
        out.append({"A": _r(rng.normal(size=(2, n))), "x": _r(rng.normal(size=n)),
                    "v": _r(rng.normal(size=n))})
    return out


assignment.task("ex08_jvp_check", probe=probe_jvp, cases=cases_jvp, reference=reference_jvp)


# --- 問3-1: Jacobian by columns ---------------------------------------------------------------
COL_HINT = ("v = e_j（j 番目だけ 1）で jvp を呼ぶと第 j 列が出ます。n 列を並べて "
            "J[i][j] = ∂f_i/∂x_j の m×n にします（転置に注意）。")


def probe_jac_columns(ns, W, x):
    dsin = ns["dsin"]

    def f(xs):
        return [dsin(sum(W[i][j] * xs[j] for j in range(len(xs)))) * xs[i % len(xs)]
                for i in range(len(W))]

    return {"J": ns["jacobian_columns"](f, x)}


def reference_jac_columns(W, x):
    import torch

    Wt = ref_tensor(W)
    m, n = Wt.shape

    def f(xs):
        return torch.sin(Wt @ xs) * xs[torch.arange(m) % n]

    return {"J": Expect(torch.autograd.functional.jacobian(f, ref_tensor(x)), hint=COL_HINT)}


def cases_jac_columns(rng):
    return [{"W": _r(rng.normal(size=(m, n))), "x": _r(rng.normal(size=n))}
            for m, n in ((3, 2), (2, 4), (4, 4))]


assignment.task("ex08_jac_columns_check", probe=probe_jac_columns, cases=cases_jac_columns,
                reference=reference_jac_columns)


# --- 問3-2: Jacobian by rows ----------------------------------------------------------------------
ROW_HINT = ("u = e_i で y.backward(gradient=u) を呼ぶと x.grad が第 i 行です。毎回新しい入力で "
            "計算し直すか、.grad をリセットしてから次の行へ（足し込まれるので）。")


def probe_jac_rows(ns, W, x):
    import torch

    Wt = torch.tensor(W, dtype=torch.float64)

    def f_torch(xs):
        return torch.tanh(Wt @ xs) * xs.sum()

    return {"J": ns["jacobian_rows"](f_torch, x)}


def reference_jac_rows(W, x):
    import torch

    Wt = ref_tensor(W)

    def f(xs):
        return torch.tanh(Wt @ xs) * xs.sum()

    return {"J": Expect(torch.autograd.functional.jacobian(f, ref_tensor(x)), hint=ROW_HINT)}


assignment.task("ex08_jac_rows_check", probe=probe_jac_rows, cases=cases_jac_columns,
                reference=reference_jac_rows)


# --- 問4: gradient by forward mode, n calls -------------------------------------------------------
GRAD_HINT = ("勾配は 1×n のヤコビ行列: e_1, ..., e_n の n 回の jvp で 1 成分ずつ求めます。"
             "f を呼ぶのはその n 回だけにしてください。")


def probe_gradient_forward(ns, c, x):
    dexp, dsin = ns["dexp"], ns["dsin"]
    calls = [0]

    def f(xs):
        calls[0] += 1
        n = len(xs)
        return sum(dsin(xs[i]) * xs[(i + 1) % n] for i in range(n)) + dexp(xs[0] * c) * xs[-1]

    g = ns["gradient_forward"](f, x)
    return {"∇f": g, "f を呼んだ回数": calls[0]}


def reference_gradient_forward(c, x):
    import torch

    def f(t):
        return (torch.sin(t) * torch.roll(t, -1)).sum() + torch.exp(t[0] * c) * t[-1]

    return {"∇f": Expect(torch_grad(f, np.array(x)), hint=GRAD_HINT),
            "f を呼んだ回数": Expect(len(x), hint=GRAD_HINT)}


def cases_gradient_forward(rng):
    return [{"c": float(_r(rng.uniform(-0.5, 0.5))), "x": _r(rng.normal(size=n))}
            for n in (3, 6)]


assignment.task("ex08_gradient_forward_check", probe=probe_gradient_forward,
                cases=cases_gradient_forward, reference=reference_gradient_forward)
