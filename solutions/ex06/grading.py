"""Hidden grading of ex06 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and return only plain values; the
references run in the grader with torch in float64. Every task draws fresh inputs from ``rng``.
"""

import numpy as np

from autograder.checks import Expect, ref_tensor
from autograder.spec import Assignment

assignment = Assignment("ex06")


def _floats(rng, n, low=-2.0, high=2.0):
    return [round(float(v), 3) for v in rng.uniform(low, high, size=n)]


# --- 問1: tanh neuron forward (and the gradients that flow through it) -------------------
def probe_simple_graph(ns, w, b, x):
    import mygrad

    graph = ns["SimpleGraph"](w, b)
    prediction = graph.forward(mygrad.tensor(x))
    prediction.sum().backward()
    return {"予測値": prediction.detach(), "∂/∂w": graph.w.grad, "∂/∂b": graph.b.grad}


def reference_simple_graph(w, b, x):
    w_t, b_t = ref_tensor([w], requires_grad=True), ref_tensor([b], requires_grad=True)
    prediction = (w_t * ref_tensor(x) + b_t).tanh()
    prediction.sum().backward()
    return {"予測値": prediction.detach(), "∂/∂w": w_t.grad, "∂/∂b": b_t.grad}


assignment.task(
    "ex06_simple_graph_check",
    probe=probe_simple_graph,
    cases=lambda rng: [
        {"w": round(float(rng.uniform(-1.5, 1.5)), 3), "b": round(float(rng.uniform(-1, 1)), 3),
         "x": _floats(rng, n)}
        for n in (1, 5)
    ],
    reference=reference_simple_graph,
)


# --- 問2: squared error, element-wise ------------------------------------------------------
def probe_sq_loss(ns, y_true, y_pred):
    import mygrad

    pred = mygrad.tensor(y_pred, requires_grad=True)
    loss = ns["sq_loss"](mygrad.tensor(y_true), pred)
    loss.sum().backward()
    return {"二乗誤差": loss.detach(), "∂/∂予測値": pred.grad}


def reference_sq_loss(y_true, y_pred):
    pred = ref_tensor(y_pred, requires_grad=True)
    loss = (ref_tensor(y_true) - pred) ** 2
    loss.sum().backward()
    return {"二乗誤差": loss.detach(), "∂/∂予測値": pred.grad}


assignment.task(
    "ex06_sq_loss_check",
    probe=probe_sq_loss,
    cases=lambda rng: [{"y_true": _floats(rng, n), "y_pred": _floats(rng, n)} for n in (3, 7)],
    reference=reference_sq_loss,
)


# --- 問3: the training loop on a fresh line fit --------------------------------------------
def probe_train(ns, w0, b0, xs, ys, lr, n_epochs):
    import mygrad

    class Line(mygrad.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = mygrad.nn.Parameter(mygrad.tensor(w0, dtype=mygrad.float64))
            self.b = mygrad.nn.Parameter(mygrad.tensor(b0, dtype=mygrad.float64))

        def forward(self, x):
            return self.w * x + self.b

    model = Line()
    features = mygrad.tensor(xs, dtype=mygrad.float64)
    labels = mygrad.tensor(ys, dtype=mygrad.float64)
    optimizer = mygrad.optim.SGD(model.parameters(), lr=lr)
    record = ns["train"](features, labels, model, mygrad.nn.MSELoss(), optimizer, n_epochs)
    return {"loss_record": record, "学習後の w": model.w.detach(), "学習後の b": model.b.detach()}


def reference_train(w0, b0, xs, ys, lr, n_epochs):
    import torch

    w, b = ref_tensor(w0, requires_grad=True), ref_tensor(b0, requires_grad=True)
    x, y = ref_tensor(xs), ref_tensor(ys)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    record = []
    for _ in range(n_epochs):
        optimizer.zero_grad()
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        record.append(loss.item())
    return {"loss_record": Expect(record), "学習後の w": w.detach(), "学習後の b": b.detach()}


def _train_case(rng):
    xs = _floats(rng, 10, -1, 1)
    slope, intercept = rng.uniform(-3, 3), rng.uniform(-1, 1)
    ys = [round(slope * x + intercept, 3) for x in xs]
    return {"w0": round(float(rng.uniform(-1, 1)), 3), "b0": 0.0, "xs": xs, "ys": ys,
            "lr": 0.1, "n_epochs": int(rng.integers(5, 15))}


assignment.task(
    "ex06_train_check",
    probe=probe_train,
    cases=lambda rng: [_train_case(rng) for _ in range(2)],
    reference=reference_train,
)


# --- 問4: optimisers, point by point against torch.optim -----------------------------------
def _optimizer_case(rng):
    n = int(rng.integers(2, 5))
    A = rng.normal(size=(n, n)) + 2 * np.eye(n)
    return {"A": np.round(A, 3).tolist(), "b": _floats(rng, n), "x0": _floats(rng, n, -1, 1),
            "steps": int(rng.integers(8, 15))}


def _reference_path(make_optimizer, A, b, x0, steps):
    x = ref_tensor(x0, requires_grad=True)
    A_t, b_t = ref_tensor(A), ref_tensor(b)
    optimizer = make_optimizer([x])
    path = []
    for _ in range(steps):
        optimizer.zero_grad()
        ((A_t @ x - b_t) ** 2).sum().backward()
        optimizer.step()
        path.append(x.detach().cpu().numpy().copy())
    return np.array(path)


def probe_optimizer(ns, class_name, kwargs, A, b, x0, steps):
    import numpy as np

    import mygrad

    x = mygrad.tensor(x0, dtype=mygrad.float64, requires_grad=True)
    A_t, b_t = mygrad.tensor(A, dtype=mygrad.float64), mygrad.tensor(b, dtype=mygrad.float64)
    optimizer = ns[class_name]([x], **kwargs)
    path = []
    for _ in range(steps):
        optimizer.zero_grad()
        ((A_t @ x - b_t) ** 2).sum().backward()
        optimizer.step()
        path.append(np.array(x.detach().numpy(), dtype=np.float64))
    return {f"{class_name} の点列": np.array(path)}


def _optimizer_task(grade_id, class_name, kwargs_of, torch_factory, hint):
    def cases(rng):
        return [dict(_optimizer_case(rng), class_name=class_name, kwargs=kwargs_of(rng))
                for _ in range(2)]

    def reference(class_name, kwargs, A, b, x0, steps):
        path = _reference_path(lambda ps: torch_factory(ps, **kwargs), A, b, x0, steps)
        return {f"{class_name} の点列": Expect(path, hint=hint)}

    assignment.task(grade_id, probe=probe_optimizer, cases=cases, reference=reference)


def _torch_sgd(params, **kw):
    import torch

    return torch.optim.SGD(params, **kw)


def _torch_adam(params, **kw):
    import torch

    return torch.optim.Adam(params, **kw)


_optimizer_task(
    "ex06_gd_check", "GradientDescent",
    lambda rng: {"lr": round(float(rng.uniform(0.01, 0.05)), 3)},
    _torch_sgd, "zero_grad で勾配を消しているか、更新の符号を確認しましょう。",
)
_optimizer_task(
    "ex06_momentum_check", "Momentum",
    lambda rng: {"lr": round(float(rng.uniform(0.005, 0.03)), 3),
                 "momentum": round(float(rng.uniform(0.5, 0.95)), 2)},
    _torch_sgd, "v ← μv + g（最初は v ← g）、θ ← θ − lr·v です。",
)
_optimizer_task(
    "ex06_adam_check", "Adam",
    lambda rng: {"lr": round(float(rng.uniform(0.01, 0.2)), 3),
                 "betas": [round(float(rng.uniform(0.8, 0.95)), 2),
                           round(float(rng.uniform(0.99, 0.999)), 3)]},
    _torch_adam, "バイアス補正の t は 1 から数え、ε は √v̂ の外に足します。",
)


# --- 問5: the wide network must have learnt the shape of sin(pi x) on fresh noise ----------
def probe_fit_sine(ns, seed):
    import numpy as np

    import mygrad

    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, 32).reshape(-1, 1)
    y = np.sin(np.pi * x) + rng.standard_normal((32, 1)) / 4
    model = ns["fit_sine"](mygrad.tensor(x, dtype=mygrad.float32),
                           mygrad.tensor(y, dtype=mygrad.float32))
    grid = np.linspace(-0.98, 0.98, 50).reshape(-1, 1)
    with mygrad.no_grad():
        fitted = model(mygrad.tensor(grid, dtype=mygrad.float32))
    return {"学習したモデルの出力 f(x)": np.array(fitted.numpy(), dtype=np.float64)}


def reference_fit_sine(seed):
    grid = np.linspace(-0.98, 0.98, 50).reshape(-1, 1)
    return {"学習したモデルの出力 f(x)": Expect(
        np.sin(np.pi * grid), rtol=0.0, atol=0.35, min_fraction=0.9,
        hint="学習率・エポック数・モデルの形を確認しましょう。")}


assignment.task(
    "ex06_fit_sine_check",
    probe=probe_fit_sine,
    cases=lambda rng: [{"seed": int(rng.integers(0, 2**31 - 1))}],
    reference=reference_fit_sine,
)


# --- 問6: make_moons accuracy on a hidden split -------------------------------------------
def probe_moons(ns, X_train, y_train, X_test):
    import numpy as np

    predict = ns["train_moons_classifier"](np.array(X_train, dtype=np.float32),
                                           np.array(y_train, dtype=np.int64))
    predicted = predict(np.array(X_test, dtype=np.float32))
    return {"テストデータでの予測クラス": np.array(predicted, dtype=np.float64).reshape(-1)}


def _moons_case(rng):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=int(rng.integers(0, 2**31 - 1)))
    X = np.round(X, 4)
    # The test labels are grader-only ("_" prefix): the sandbox never sees them.
    return {"X_train": X[:800].tolist(), "y_train": y[:800].tolist(),
            "X_test": X[800:].tolist(), "_y_test": y[800:].tolist()}


def reference_moons(X_train, y_train, X_test, _y_test):
    return {"テストデータでの予測クラス": Expect(
        np.array(_y_test, dtype=np.float64), rtol=0.0, atol=0.5, min_fraction=0.9,
        hint="損失が下がっているか、エポック数・学習率・隠れ層の大きさを確認しましょう。")}


assignment.task(
    "ex06_moons_check",
    probe=probe_moons,
    cases=lambda rng: [_moons_case(rng)],
    reference=reference_moons,
)
