"""Hidden grading of ex10 「autograd の道具と高階微分」 (see docs/authoring.md).

Probes run inside the sandbox on the student's namespace and may only return plain values;
references run in the grader with torch in float64. Every task draws fresh inputs from ``rng``.
問1〜4 grade the torch autograd API (they were ex01 問7 until the course put them after
lecture 6); 問5 grades the student's own scalar engine: a grad-mode switch, backward rules
written in Value operations, ``backward(create_graph=...)`` and n-th derivatives, all against
torch's ``create_graph=True``.
"""

from autograder.checks import Expect, ref_tensor
from autograder.plain import (
    tensor_grad,  # probes get the sandbox's copy, pinned before student code
)
from autograder.spec import Assignment

assignment = Assignment("ex10")


def _r(x, nd=3):
    return round(float(x), nd)


# --- 問1: gradient accumulation over chunks of data -------------------------------------
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
    "ex10_accumulate_check",
    probe=probe_accumulate,
    cases=cases_accumulate,
    reference=reference_accumulate,
)


# --- 問2: torch.autograd.grad returns the gradient and leaves x.grad alone ---------------
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
    "ex10_autograd_grad_check",
    probe=probe_autograd_grad,
    cases=lambda rng: [
        {"point": [round(float(v), 2) for v in rng.uniform(-3, 3, size=n)]} for n in (3, 5)
    ],
    reference=reference_autograd_grad,
    all_or_nothing=True,  # the value and the untouched x.grad together are the task
)


# --- 問3: backward(gradient=v) is the vector-Jacobian product (non-square Jacobian) -------
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


assignment.task("ex10_vjp_check", probe=probe_vjp, cases=cases_vjp, reference=reference_vjp)


# --- 問4: detach() stops the gradient to the target, no_grad() for the in-place update ----
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


assignment.task("ex10_detach_check", probe=probe_detach, cases=cases_detach,
                reference=reference_detach)


# --- 問5-1: the grad-mode switch ---------------------------------------------------------
def probe_grad_mode(ns, a, b):
    Config, Value = ns["Config"], ns["Value"]
    Config.grad_enabled = True
    x, y = Value(a), Value(b)
    out = {}
    try:
        with ns["set_grad_enabled"](False):
            inside = Config.grad_enabled
            z = x + y
    finally:
        after = Config.grad_enabled
        Config.grad_enabled = True
    out["set_grad_enabled(False) の中では grad モードが無効 (1 = はい)"] = float(inside is False)
    out["その中で作った x + y は親を覚えない (1 = はい)"] = float(len(z.parents) == 0)
    out["その中で作った x + y の値"] = z.data
    out["出たあと grad モードが有効に戻る (1 = はい)"] = float(after is True)
    try:
        with ns["no_grad"]():
            raise KeyError("inside")
    except KeyError:
        pass
    out["例外で抜けても grad モードが有効に戻る (1 = はい)"] = float(Config.grad_enabled is True)
    Config.grad_enabled = True
    try:
        with ns["no_grad"]():
            with ns["set_grad_enabled"](True):
                w = x * y
            inner_after = Config.grad_enabled
    finally:
        Config.grad_enabled = True
    out["入れ子: set_grad_enabled(True) の中の x * y は親を覚える (1 = はい)"] = float(
        len(w.parents) == 2)
    out["入れ子: 内側を出たあとは no_grad のまま (1 = はい)"] = float(inner_after is False)
    return out


def reference_grad_mode(a, b):
    restore = "yield を try: ... finally: ... で囲み、入る前の値に戻します。"
    return {
        "set_grad_enabled(False) の中では grad モードが無効 (1 = はい)": Expect(
            1.0, hint="ブロックに入るとき Config.grad_enabled = mode にします。"),
        "その中で作った x + y は親を覚えない (1 = はい)": Expect(
            1.0, hint="grad モードが無効のあいだは new_value が親を覚えません。"),
        "その中で作った x + y の値": a + b,
        "出たあと grad モードが有効に戻る (1 = はい)": Expect(1.0, hint=restore),
        "例外で抜けても grad モードが有効に戻る (1 = はい)": Expect(1.0, hint=restore),
        "入れ子: set_grad_enabled(True) の中の x * y は親を覚える (1 = はい)": Expect(
            1.0, hint="set_grad_enabled(True) の中では記録されます。"),
        "入れ子: 内側を出たあとは no_grad のまま (1 = はい)": Expect(
            1.0, hint="True に戻すのではなく、入る前の値に戻します。"),
    }


assignment.task(
    "ex10_grad_mode_check",
    probe=probe_grad_mode,
    cases=lambda rng: [{"a": _r(rng.uniform(-3, 3)), "b": _r(rng.uniform(-3, 3))}],
    reference=reference_grad_mode,
)


# --- 問5-2: sin, cos, tanh whose backward rules are Value operations ---------------------
# Differentiated by the path sum (instructor code in the probe, not the student's backward),
# so the task does not depend on 問5-3. A rule that computes its local derivative as a float
# gets the first derivative right and the second wrong.
def probe_rules(ns, kind, x0, y0):
    Value = ns["Value"]
    ns["Config"].grad_enabled = True

    def d(out, wrt):  # the path sum of lecture 4 (small graphs only)
        if out is wrt:
            return Value(1.0)
        total = Value(0.0)
        if out.backward_fn is not None:
            for parent, local in zip(out.parents, out.backward_fn(Value(1.0))):
                total = total + local * d(parent, wrt)
        return total

    x, y = Value(x0), Value(y0)
    if kind == "mix":
        f = ns["sin"](x * y) + ns["tanh"](ns["cos"](x) * 2)
    else:
        f = ns[kind](x * y0)
    fx = d(f, x)
    out = {"f": f.data, "∂f/∂x": fx.data, "∂²f/∂x²": d(fx, x).data}
    if kind == "mix":
        out["∂²f/∂x∂y"] = d(fx, y).data
    return out


def reference_rules(kind, x0, y0):
    import torch

    x = ref_tensor(x0, requires_grad=True)
    y = ref_tensor(y0, requires_grad=True)
    if kind == "mix":
        f = torch.sin(x * y) + torch.tanh(torch.cos(x) * 2)
    else:
        f = getattr(torch, kind)(x * y0)
    (fx,) = torch.autograd.grad(f, x, create_graph=True)
    fxx, fxy = torch.autograd.grad(fx, (x, y), allow_unused=True)
    second = ("2 階の微分が合いません。backward_fn の中で math.cos(a.data) のような float を"
              "使うと定数として扱われます。Value の演算（cos(a) や out * out）で書きましょう。")
    out = {
        "f": Expect(f.item(), hint="値は math.sin(a.data) などで計算します。"),
        "∂f/∂x": Expect(fx.item(), hint="sin' = cos, cos' = -sin, tanh' = 1 - tanh²。"),
        "∂²f/∂x²": Expect(fxx.item(), hint=second),
    }
    if kind == "mix":
        out["∂²f/∂x∂y"] = Expect(fxy.item(), hint=second)
    return out


def cases_rules(rng):
    # |x0| >= 0.2: every second derivative below is then clearly away from 0
    return [{"kind": k, "x0": _r(rng.choice([-1, 1]) * rng.uniform(0.2, 1.5)),
             "y0": _r(rng.uniform(0.5, 1.5))} for k in ("sin", "cos", "tanh", "mix")]


assignment.task("ex10_rules_check", probe=probe_rules, cases=cases_rules,
                reference=reference_rules)


# --- 問5-3: backward(y, create_graph) -------------------------------------------------------
# f(x, y) = a·x³·y + exp(b·x·y) + x / (1 + y²): only the given operations, so the task does not
# depend on 問5-2.
def probe_backward(ns, kind, a, b, x0, y0, depth):
    Value = ns["Value"]
    ns["Config"].grad_enabled = True
    x, y = Value(x0), Value(y0)

    def f():
        return a * x ** 3 * y + (b * x * y).exp() + x / (1 + y ** 2)

    if kind == "deep":
        z = x
        for _ in range(depth):
            z = z + x * a
        z.backward()
        return {f"dz/dx (深さ {depth})": x.grad.data}
    if kind == "plain":
        f().backward()
        return {"∂f/∂x": x.grad.data, "∂f/∂y": y.grad.data,
                "create_graph=False の勾配は記録されない (1 = はい)":
                    float(not x.grad.parents and not y.grad.parents)}
    if kind == "twice":
        f().backward()
        f().backward()
        return {"2 回の backward で足し込まれた ∂f/∂x": x.grad.data,
                "2 回の backward で足し込まれた ∂f/∂y": y.grad.data}
    f().backward(create_graph=True)
    fx, fy = x.grad, y.grad
    out = {"∂f/∂x": fx.data, "∂f/∂y": fy.data}
    x.grad, y.grad = None, None
    fx.backward()
    out["∂²f/∂x²"] = None if x.grad is None else x.grad.data
    out["∂²f/∂x∂y"] = None if y.grad is None else y.grad.data
    x.grad, y.grad = None, None
    fy.backward()
    out["∂²f/∂y²"] = None if y.grad is None else y.grad.data
    return out


def reference_backward(kind, a, b, x0, y0, depth):
    import torch

    x = ref_tensor(x0, requires_grad=True)
    y = ref_tensor(y0, requires_grad=True)
    if kind == "deep":
        z = x
        for _ in range(depth):
            z = z + x * a
        (g,) = torch.autograd.grad(z, x)
        deep = "トポロジカル順は再帰ではなくスタックで作ります（深いグラフで再帰は止まります）。"
        return {f"dz/dx (深さ {depth})": Expect(g.item(), hint=deep)}
    f = a * x ** 3 * y + torch.exp(b * x * y) + x / (1 + y ** 2)
    fx, fy = torch.autograd.grad(f, (x, y), create_graph=True)
    first = "逆伝播の順番（トポロジカル順の逆）と、親ごとの勾配の足し込みを確かめましょう。"
    if kind == "plain":
        plain = "create_graph=False なら、逆伝播を set_grad_enabled(False) の中で行います。"
        return {"∂f/∂x": Expect(fx.item(), hint=first), "∂f/∂y": Expect(fy.item(), hint=first),
                "create_graph=False の勾配は記録されない (1 = はい)": Expect(1.0, hint=plain)}
    if kind == "twice":
        acc = "葉の .grad は上書きせず、leaf.grad + g と足し込みます（PyTorch と同じ）。"
        return {"2 回の backward で足し込まれた ∂f/∂x": Expect(2 * fx.item(), hint=acc),
                "2 回の backward で足し込まれた ∂f/∂y": Expect(2 * fy.item(), hint=acc)}
    fxx, fxy = torch.autograd.grad(fx, (x, y), retain_graph=True)
    (fyy,) = torch.autograd.grad(fy, y)
    second = ("create_graph=True なら逆伝播を grad モード有効のまま行い、途中のノードの勾配は"
              ".grad ではなく辞書に置きます。")
    return {"∂f/∂x": Expect(fx.item(), hint=first), "∂f/∂y": Expect(fy.item(), hint=first),
            "∂²f/∂x²": Expect(fxx.item(), hint=second),
            "∂²f/∂x∂y": Expect(fxy.item(), hint=second),
            "∂²f/∂y²": Expect(fyy.item(), hint=second)}


def cases_backward(rng):
    def case(kind, depth=0):
        return {"kind": kind, "a": _r(rng.uniform(-1, 1)), "b": _r(rng.uniform(-0.8, 0.8)),
                "x0": _r(rng.uniform(-1.5, 1.5)), "y0": _r(rng.uniform(-1.5, 1.5)),
                "depth": depth}

    return [case("plain"), case("twice"), case("create"), case("create"),
            case("deep", int(rng.integers(3000, 4000)))]


assignment.task("ex10_backward_check", probe=probe_backward, cases=cases_backward,
                reference=reference_backward)


# --- 問5-4: n-th derivatives by repeated backward(create_graph=True) ---------------------
FUNCTIONS = {
    "rational": ("(x * a).exp() / (1 + x ** 2)", lambda t, a: (t * a).exp() / (1 + t ** 2)),
    "poly_log": ("x ** 3 * (x * x + a).log()", lambda t, a: t ** 3 * (t * t + a).log()),
    "quartic": ("a * x ** 4 - x * (-x).exp()", lambda t, a: a * t ** 4 - t * (-t).exp()),
}


def probe_derivatives(ns, kind, a, x0, n):
    ns["Config"].grad_enabled = True
    fns = {
        "rational": lambda x: (x * a).exp() / (1 + x ** 2),
        "poly_log": lambda x: x ** 3 * (x * x + a).log(),
        "quartic": lambda x: a * x ** 4 - x * (-x).exp(),
    }
    return {f"[f(x0), f'(x0), ..., f^({n})(x0)]": ns["derivatives"](fns[kind], x0, n)}


def reference_derivatives(kind, a, x0, n):
    import torch

    t = ref_tensor(x0, requires_grad=True)
    y = FUNCTIONS[kind][1](t, a)
    out = [y.item()]
    for _ in range(n):
        (y,) = torch.autograd.grad(y, t, create_graph=True)
        out.append(y.item())
    return {f"[f(x0), f'(x0), ..., f^({n})(x0)]": Expect(
        out, hint="毎回 x.grad = None にしてから y.backward(create_graph=True) を呼び、"
                  "x.grad を次の y にします。長さは n + 1 です。")}


def cases_derivatives(rng):
    return [{"kind": k, "a": _r(rng.uniform(0.3, 1.0)), "x0": _r(rng.uniform(0.2, 1.2)),
             "n": int(rng.integers(3, 5))} for k in FUNCTIONS]


assignment.task("ex10_derivatives_check", probe=probe_derivatives, cases=cases_derivatives,
                reference=reference_derivatives)
