"""Hidden grading of ex01 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and may only return plain values;
references run in the grader with torch in float64. Every task draws fresh inputs from ``rng``.
"""

from autograder.checks import Expect, ref_tensor
from autograder.spec import Assignment

assignment = Assignment("ex01")

LEAF_HINT = "torch.tensor(..., requires_grad=True) で、値は小数 (3.0 など) にしましょう。"


# --- 問1: leaf tensors (fixed values: the task is about the objects themselves) -----------
def probe_tensors(ns):
    x, v, X = ns["make_tensors"]()
    return {"x": x, "v": v, "X": X}


def reference_tensors():
    def leaf(value):
        return Expect(value, requires_grad=True, floating=True, tensor=True, hint=LEAF_HINT)

    return {
        "x": leaf(3.0),
        "v": leaf([3.0, 4.0, 5.0]),
        "X": leaf([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]),
    }


assignment.task(
    "ex01_tensors_check",
    probe=probe_tensors,
    cases=lambda rng: [{}],
    reference=reference_tensors,
)


# --- 問3: derivative of x^2 + 2x + 1 at a fresh point -------------------------------------
def probe_derivative(ns, x0):
    return {"dy/dx": ns["derivative_at"](x0)}


def reference_derivative(x0):
    x = ref_tensor(x0, requires_grad=True)
    (x**2 + 2 * x + 1).backward()
    return {"dy/dx": Expect(x.grad)}


assignment.task(
    "ex01_derivative_check",
    probe=probe_derivative,
    cases=lambda rng: [{"x0": round(float(rng.uniform(-10, 10)), 3)} for _ in range(3)],
    reference=reference_derivative,
)


# --- 問4: gradient of the sum of squares, fresh length and point --------------------------
def probe_gradient(ns, point):
    return {"∇f": ns["grad_sum_of_squares"](point)}


def reference_gradient(point):
    x = ref_tensor(point, requires_grad=True)
    (x**2).sum().backward()
    return {"∇f": Expect(x.grad)}


assignment.task(
    "ex01_gradient_check",
    probe=probe_gradient,
    cases=lambda rng: [
        {"point": [round(float(v), 3) for v in rng.uniform(-5, 5, size=n)]} for n in (3, 5)
    ],
    reference=reference_gradient,
)


# --- 問5: gradient of a non-symmetric quadratic form ---------------------------------------
def probe_quadratic(ns, A, point):
    return {"∇(xᵀAx)": ns["grad_quadratic_form"](A, point)}


def reference_quadratic(A, point):
    a = ref_tensor(A)
    x = ref_tensor(point, requires_grad=True)
    (x @ a @ x).backward()
    return {"∇(xᵀAx)": Expect(x.grad, hint="A が対称とは限りません: ∇f = (A + Aᵀ)x")}


def cases_quadratic(rng):
    out = []
    for n in (2, 3):
        A = [[round(float(v), 2) for v in row] for row in rng.uniform(-3, 3, size=(n, n))]
        point = [round(float(v), 2) for v in rng.uniform(-3, 3, size=n)]
        out.append({"A": A, "point": point})
    return out


assignment.task(
    "ex01_quadratic_check",
    probe=probe_quadratic,
    cases=cases_quadratic,
    reference=reference_quadratic,
)


# --- 問6-1: gradient descent path on fresh smooth functions -------------------------------
def probe_gd(ns, a, b, c, x0, lr, steps):
    import torch

    def f(x):
        return a * (x - b) ** 2 + c * torch.sin(x)

    return {"path": ns["gradient_descent"](f, x0, lr, steps)}


def reference_gd(a, b, c, x0, lr, steps):
    import torch

    x = ref_tensor(x0, requires_grad=True)
    path = [x0]
    for _ in range(steps):
        (g,) = torch.autograd.grad(a * (x - b) ** 2 + c * torch.sin(x), x)
        x = (x - lr * g).detach().requires_grad_()
        path.append(x.item())
    hint = "x_{k+1} = x_k - lr * f'(x_k) を steps 回。最初の点 x0 も含めます。"
    return {"path": Expect(path, rtol=1e-4, atol=1e-5, hint=hint)}


def cases_gd(rng):
    return [
        {
            "a": round(float(rng.uniform(0.5, 2.0)), 3),
            "b": round(float(rng.uniform(-3, 3)), 3),
            "c": round(float(rng.uniform(-0.5, 0.5)), 3),
            "x0": round(float(rng.uniform(-4, 4)), 3),
            "lr": round(float(rng.uniform(0.02, 0.15)), 3),
            "steps": int(rng.integers(10, 40)),
        }
        for _ in range(2)
    ]


assignment.task("ex01_gd_check", probe=probe_gd, cases=cases_gd, reference=reference_gd)


# --- 問6-2: the minimiser of the "difficult function" -------------------------------------
X_STAR = 0.19000878372740151  # Newton's method in float64 (docs/authoring.md shows how)


def probe_minimum(ns):
    return {"x_min": ns["find_minimum"]()}


def reference_minimum():
    return {"x_min": Expect(X_STAR, rtol=0.0, atol=1e-3,
                            hint="f'(x) = 0 となる点です。ステップ数や学習率を変えてみましょう。")}


assignment.task(
    "ex01_minimum_check",
    probe=probe_minimum,
    cases=lambda rng: [{}],
    reference=reference_minimum,
)
