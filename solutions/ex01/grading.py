"""Hidden grading of ex01 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and may only return plain values;
references run in the grader with torch in float64. Every task draws fresh inputs from ``rng``.
"""

from autograder.checks import Expect, ref_tensor
from autograder.plain import (
    tensor_grad,  # probes get the sandbox's copy, pinned before student code
)
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


# --- 問7-1: gradient accumulation over chunks of data -------------------------------------
def probe_accumulate(ns, w0, chunks):
    return {"dL/dw": ns["accumulated_grad"](w0, chunks)}


def reference_accumulate(w0, chunks):
    w = ref_tensor(w0, requires_grad=True)
    sum((w * a - b) ** 2 for chunk in chunks for a, b in chunk).backward()
    hint = "塊ごとに backward() を呼び、途中で w.grad をリセットせずに足し込みます。"
    return {"dL/dw": Expect(w.grad, hint=hint)}


def cases_accumulate(rng):
    def chunk():
        n = int(rng.integers(1, 4))
        return [[round(float(v), 2) for v in rng.uniform(-3, 3, size=2)] for _ in range(n)]

    out = []
    for n_chunks in (int(rng.integers(2, 5)), 3):
        chunks = [chunk() for _ in range(n_chunks)]
        out.append({"w0": round(float(rng.uniform(-2, 2)), 3), "chunks": chunks})
    twice = chunk()  # the same chunk twice: exactly double its gradient
    out.append({"w0": round(float(rng.uniform(-2, 2)), 3), "chunks": [twice, twice]})
    return out


assignment.task(
    "ex01_accumulate_check",
    probe=probe_accumulate,
    cases=cases_accumulate,
    reference=reference_accumulate,
)


# --- 問7-2: torch.autograd.grad returns the gradient and leaves x.grad alone ---------------
def probe_autograd_grad(ns, point):
    import torch

    x = torch.tensor(point, requires_grad=True)
    g = ns["grad_by_autograd"](x)
    return {"∇f": g, "x.grad が None のまま (1 = はい)": 1.0 if tensor_grad(x) is None else 0.0}


def reference_autograd_grad(point):
    import torch

    x = ref_tensor(point, requires_grad=True)
    (g,) = torch.autograd.grad(torch.log(1 + (x**2).sum()), x)
    return {
        "∇f": Expect(g, hint="torch.autograd.grad はタプルを返します: (g,) = ... で取り出します。"),
        "x.grad が None のまま (1 = はい)": Expect(
            1.0, hint="backward() は x.grad に書き込みます。torch.autograd.grad を使いましょう。"),
    }


assignment.task(
    "ex01_autograd_grad_check",
    probe=probe_autograd_grad,
    cases=lambda rng: [
        {"point": [round(float(v), 2) for v in rng.uniform(-3, 3, size=n)]} for n in (3, 5)
    ],
    reference=reference_autograd_grad,
    all_or_nothing=True,  # the value and the untouched x.grad together are the task
)


# --- 問7-3: backward(gradient=v) is the vector-Jacobian product (non-square Jacobian) -------
def probe_vjp(ns, A, c, point, v):
    import torch

    def f(x):
        W = torch.tensor(A, dtype=x.dtype)
        return torch.tanh(W @ x) + c * (x**2).sum()

    return {"vᵀJ": ns["vjp_by_backward"](f, point, v)}


def reference_vjp(A, c, point, v):
    import torch

    W = ref_tensor(A)
    J = torch.autograd.functional.jacobian(
        lambda t: torch.tanh(W @ t) + c * (t**2).sum(), ref_tensor(point))
    hint = ("y = f(x) のあと y.backward(gradient=torch.tensor(v)) とすると x.grad が vᵀJ です。"
            "v の長さは出力 y と同じです。")
    return {"vᵀJ": Expect(ref_tensor(v) @ J, hint=hint)}


def cases_vjp(rng):
    out = []
    for n, m in ((3, 2), (2, 4)):
        out.append({
            "A": [[round(float(a), 2) for a in row] for row in rng.uniform(-1.5, 1.5, size=(m, n))],
            "c": round(float(rng.uniform(-0.5, 0.5)), 2),
            "point": [round(float(a), 2) for a in rng.uniform(-2, 2, size=n)],
            "v": [round(float(a), 2) for a in rng.uniform(-2, 2, size=m)],
        })
    return out


assignment.task("ex01_vjp_check", probe=probe_vjp, cases=cases_vjp, reference=reference_vjp)


# --- 問7-4: detach() stops the gradient to the target, no_grad() for the in-place update ----
FLOW = "勾配が x にだけ流れた (1 = はい)"


def probe_detach(ns, x0, y0, lr):
    import torch

    x = torch.tensor(x0, requires_grad=True)
    y = torch.tensor(y0, requires_grad=True)
    loss = ns["pull_toward_target"](x, y, lr)
    return {
        "L (更新前)": loss,
        "x.grad": x.grad,
        "更新後の x": x,
        "勾配が x にだけ流れた (1 = はい)":
            1.0 if (tensor_grad(y) is None and tensor_grad(x) is not None) else 0.0,
    }


def reference_detach(x0, y0, lr):
    x = ref_tensor(x0, requires_grad=True)
    loss = ((x - ref_tensor(y0)) ** 2).sum()
    loss.backward()
    return {
        "L (更新前)": Expect(loss.item(), hint="更新する前の損失を float で返します。"),
        "x.grad": Expect(x.grad, hint="∇ₓL = 2(x - y)。x.grad は 0 に戻さずに残します。"),
        "更新後の x": Expect(x.detach() - lr * x.grad, requires_grad=True,
                         hint="torch.no_grad() の中で x -= lr * x.grad と、その場で更新します。"),
        FLOW: Expect(1.0, hint=("y.detach() を使うと y は定数として扱われ、"
                                "y.grad は None のままです。")),
    }


def cases_detach(rng):
    out = []
    for n in (3, 4):
        out.append({
            "x0": [round(float(a), 2) for a in rng.uniform(-3, 3, size=n)],
            "y0": [round(float(a), 2) for a in rng.uniform(-3, 3, size=n)],
            "lr": round(float(rng.uniform(0.05, 0.4)), 2),
        })
    return out


assignment.task("ex01_detach_check", probe=probe_detach, cases=cases_detach,
                reference=reference_detach)
