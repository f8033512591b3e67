"""Hidden grading of ex02 「勾配と勾配降下法」 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and return plain values only;
references run in the grader with torch in float64. Every task draws fresh inputs from ``rng``.
"""

import numpy as np

from autograder.checks import Expect, ref_tensor, torch_grad
from autograder.spec import Assignment

assignment = Assignment("ex02")


def _r(a, nd=3):
    """Round a number or array to ``nd`` decimals and return plain Python data."""
    return np.round(np.asarray(a, dtype=float), nd).tolist()


# --- 課題1: gradient of sin(x^2 + y^2) -------------------------------------------------------
FUN_DZ_HINT = "連鎖律: ∂z/∂x = cos(x²+y²)·2x。配列でも動くよう np.cos を使いましょう。"


def probe_fun_dz(ns, x, y):
    import numpy as np

    xs = x if isinstance(x, float) else np.array(x, dtype=float)
    ys = y if isinstance(y, float) else np.array(y, dtype=float)
    dz_dx, dz_dy = ns["fun_dz"](xs, ys)
    return {"dz_dx": dz_dx, "dz_dy": dz_dy}


def reference_fun_dz(x, y):
    import torch

    X, Y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    gx, gy = torch_grad(lambda a, b: torch.sin(a**2 + b**2).sum(), X, Y)
    return {"dz_dx": Expect(gx, hint=FUN_DZ_HINT), "dz_dy": Expect(gy, hint=FUN_DZ_HINT)}


def cases_fun_dz(rng):
    return [
        {"x": _r(rng.uniform(-2.5, 2.5, (3, 4))), "y": _r(rng.uniform(-2.5, 2.5, (3, 4)))},
        {"x": float(_r(rng.uniform(-2.5, 2.5))), "y": float(_r(rng.uniform(-2.5, 2.5)))},
        # the sparse meshgrid shapes that the gradient-field plot uses
        {"x": _r(rng.uniform(-2.5, 2.5, (1, 5))), "y": _r(rng.uniform(-2.5, 2.5, (4, 1)))},
    ]


assignment.task("ex02_fun_dz_check", probe=probe_fun_dz, cases=cases_fun_dz,
                reference=reference_fun_dz)


# --- 課題2: gradient_descent returns the whole path -----------------------------------------
GD_HINT = ("x_{t+1} = x_t - lr * grad(x_t) を steps 回。返すのは x0 を含む全 steps+1 点で、"
           "形は (steps+1, dim)（1変数なら dim=1）です。")


def probe_gd(ns, kind, coef, x0, lr, steps):
    import numpy as np

    if kind == "quadratic":          # f(v) = 1/2 v^T A v + b^T v
        A, b = np.array(coef[0], dtype=float), np.array(coef[1], dtype=float)

        def f(v):
            v = np.asarray(v, dtype=float)
            return float(0.5 * v @ A @ v + b @ v)

        def grad(v):
            return A @ np.asarray(v, dtype=float) + b
    elif kind == "quartic":          # f(v) = 1/4 sum v^4 + c v0 v1 + d^T v
        c, d = float(coef[0]), np.array(coef[1], dtype=float)

        def f(v):
            v = np.asarray(v, dtype=float)
            return float(0.25 * np.sum(v**4) + c * v[0] * v[1] + d @ v)

        def grad(v):
            v = np.asarray(v, dtype=float)
            return v**3 + c * np.array([v[1], v[0]]) + d
    else:                            # scalar: f(x) = a (x - b)^2 + c sin(x)
        a, b, c = (float(t) for t in coef)

        def f(x):
            return a * (x - b) ** 2 + c * np.sin(x)

        def grad(x):
            return 2 * a * (x - b) + c * np.cos(x)

    if kind == "scalar":
        return {"path": ns["gradient_descent"](f, grad, float(x0), lr, steps)}
    start = np.array(x0, dtype=float)
    path = ns["gradient_descent"](f, grad, start, lr, steps)
    return {"path": path, "x0 (呼び出し後)": start}


def reference_gd(kind, coef, x0, lr, steps):
    import torch

    if kind == "quadratic":
        A, b = ref_tensor(coef[0]), ref_tensor(coef[1])

        def f(v):
            return 0.5 * v @ A @ v + b @ v
    elif kind == "quartic":
        c, d = coef[0], ref_tensor(coef[1])

        def f(v):
            return 0.25 * (v**4).sum() + c * v[0] * v[1] + d @ v
    else:
        a, b, c = coef

        def f(v):
            return (a * (v - b) ** 2 + c * torch.sin(v)).sum()

    x = ref_tensor(np.reshape(np.asarray(x0, dtype=float), -1).tolist(), requires_grad=True)
    opt = torch.optim.SGD([x], lr=lr)
    path = [x.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        f(x).backward()
        opt.step()
        path.append(x.detach().clone())
    out = {"path": Expect(torch.stack(path), hint=GD_HINT)}
    if kind != "scalar":
        out["x0 (呼び出し後)"] = Expect(
            x0, hint="渡された x0 を書き換えないでください（コピーしてから更新）。")
    return out


def cases_gd(rng):
    n = int(rng.integers(2, 5))
    M = rng.normal(size=(n, n))
    A = M @ M.T / n + np.eye(n)
    return [
        {"kind": "quadratic", "coef": [_r(A), _r(rng.normal(size=n))],
         "x0": _r(rng.uniform(-3, 3, n)), "lr": float(_r(rng.uniform(0.05, 0.2))),
         "steps": int(rng.integers(5, 20))},
        {"kind": "quartic", "coef": [float(_r(rng.uniform(-1, 1))), _r(rng.uniform(-1, 1, 2))],
         "x0": _r(rng.uniform(-1.5, 1.5, 2)), "lr": float(_r(rng.uniform(0.02, 0.08))),
         "steps": int(rng.integers(5, 20))},
        {"kind": "scalar",
         "coef": [float(_r(rng.uniform(0.5, 2))), float(_r(rng.uniform(-2, 2))),
                  float(_r(rng.uniform(-0.5, 0.5)))],
         "x0": float(_r(rng.uniform(-3, 3))), "lr": float(_r(rng.uniform(0.05, 0.2))),
         "steps": int(rng.integers(5, 20))},
    ]


assignment.task("ex02_gd_check", probe=probe_gd, cases=cases_gd, reference=reference_gd)


# --- 課題3: x^2 + e^(-x) --------------------------------------------------------------------
def probe_df1(ns, x):
    import numpy as np

    xs = x if isinstance(x, float) else np.array(x, dtype=float)
    return {"df1(x)": ns["df1"](xs)}


def reference_df1(x):
    import torch

    g = torch_grad(lambda t: (t**2 + torch.exp(-t)).sum(), x)
    return {"df1(x)": Expect(g, hint="f'(x) = 2x - e^(-x) です（符号に注意）。")}


def cases_df1(rng):
    return [{"x": _r(rng.uniform(-3, 3, 8))}, {"x": float(_r(rng.uniform(-3, 3)))}]


assignment.task("ex02_df1_check", probe=probe_df1, cases=cases_df1, reference=reference_df1)


def _argmin_newton(fn, x0):
    """The minimiser of a smooth 1-D function by Newton's method with torch autograd."""
    import torch

    x = ref_tensor(float(x0), requires_grad=True)
    for _ in range(60):
        (g,) = torch.autograd.grad(fn(x), x, create_graph=True)
        (h,) = torch.autograd.grad(g, x)
        x = (x - g / h).detach().requires_grad_()
    return x.item()


def probe_xmin1(ns):
    return {"x_min1": float(ns["x_min1"])}


def reference_xmin1():
    import torch

    x_star = _argmin_newton(lambda t: t**2 + torch.exp(-t), 0.0)
    return {"x_min1": Expect(x_star, rtol=0.0, atol=1e-3,
                             hint="f'(x) = 2x - e^(-x) = 0 の点です。"
                                  "ステップ数や学習率を見直しましょう。")}


assignment.task("ex02_xmin1_check", probe=probe_xmin1, cases=lambda rng: [{}],
                reference=reference_xmin1)


# --- 課題4: the difficult function ------------------------------------------------------------
def _difficult_torch(t):
    import torch

    return -1.0 / (t**2 + 1) * torch.log(1.0 / (1.0 + torch.exp(-t)) + 1.0)


def probe_d_difficult(ns, x):
    import numpy as np

    xs = x if isinstance(x, float) else np.array(x, dtype=float)
    return {"d_difficult(x)": ns["d_difficult"](xs)}


def reference_d_difficult(x):
    g = torch_grad(lambda t: _difficult_torch(t).sum(), x)
    return {"d_difficult(x)": Expect(
        g, hint="g = -p·q, p = 1/(x²+1), q = log(σ(x)+1) として g' = -(p'q + pq')。σ' = σ(1-σ)。")}


def cases_d_difficult(rng):
    return [{"x": _r(rng.uniform(-5, 5, 10))}, {"x": float(_r(rng.uniform(-5, 5)))}]


assignment.task("ex02_d_difficult_check", probe=probe_d_difficult, cases=cases_d_difficult,
                reference=reference_d_difficult)


def probe_xmin2(ns):
    return {"x_min2": float(ns["x_min2"])}


def reference_xmin2():
    x_star = _argmin_newton(_difficult_torch, 0.0)
    return {"x_min2": Expect(x_star, rtol=0.0, atol=1e-3,
                             hint="g'(x) = 0 となる点です。グラフで当たりをつけ、"
                                  "学習率やステップ数を変えてみましょう。")}


assignment.task("ex02_xmin2_check", probe=probe_xmin2, cases=lambda rng: [{}],
                reference=reference_xmin2)
