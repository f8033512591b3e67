"""Hidden grading of ex03 「計算グラフを手で辿る」 (see docs/authoring.md).

Every question comes in parts (forward / local derivatives / backward). The probe of a later part
hands the student's function the *torch-computed* values of the earlier part, drawn by ``cases``
in the grader, so each part is graded on its own (a student stuck on forward still earns backward).
Probes run inside the sandbox and return plain values; references run in the grader with torch
in float64. Every case uses fresh random inputs; ``_keys`` of a case are for the reference only.
"""

import math

import numpy as np

from autograder.checks import Expect, ref_tensor
from autograder.spec import Assignment

assignment = Assignment("ex03")


def _r(a, nd=3):
    return np.round(np.asarray(a, dtype=float), nd).tolist()


def _local(op, args, wrt):
    """d op(*args) / d args[wrt] by torch.autograd, for one node of a graph."""
    import torch

    leaves = [ref_tensor(float(a), requires_grad=True) for a in args]
    (g,) = torch.autograd.grad(op(*leaves), leaves[wrt])
    return g.item()


def _graph(nodes, leaves, out):
    """Values of ``nodes`` and d out / d (nodes and leaves) by one torch backward."""
    for t in nodes.values():
        t.retain_grad()
    out.backward()
    values = {k: t.detach().cpu().numpy().tolist() for k, t in nodes.items()}
    grads = {k: t.grad.cpu().numpy().tolist() for k, t in {**nodes, **leaves}.items()}
    return values, grads


# ======================================================================= 問1: toy model
TOY_FWD = ("z1", "z2", "z3", "z4", "y_hat", "loss")
TOY_LOCAL = ("dz1_dtheta3", "dz2_dz1", "dz3_dz2", "dz3_dtheta2", "dz4_dtheta1", "dyhat_dz3",
             "dyhat_dz4", "dloss_dyhat")
TOY_GRADS = ("loss", "y_hat", "z4", "z3", "z2", "z1", "theta1", "theta2", "theta3")


def _toy(x1, x2, y, theta1, theta2, theta3):
    import torch

    th = {k: ref_tensor(float(v), requires_grad=True)
          for k, v in (("theta1", theta1), ("theta2", theta2), ("theta3", theta3))}
    z1 = th["theta3"] + x2
    z2 = torch.cos(z1)
    z3 = th["theta2"] * z2
    z4 = th["theta1"] * x1
    y_hat = z4 - z3
    loss = (y_hat - y) ** 2
    fwd, grads = _graph(dict(z1=z1, z2=z2, z3=z3, z4=z4, y_hat=y_hat, loss=loss), th, loss)
    local = {
        "dz1_dtheta3": _local(lambda a, b: a + b, (theta3, x2), 0),
        "dz2_dz1": _local(torch.cos, (fwd["z1"],), 0),
        "dz3_dz2": _local(lambda a, b: a * b, (theta2, fwd["z2"]), 1),
        "dz3_dtheta2": _local(lambda a, b: a * b, (theta2, fwd["z2"]), 0),
        "dz4_dtheta1": _local(lambda a, b: a * b, (theta1, x1), 0),
        "dyhat_dz3": _local(lambda a, b: a - b, (fwd["z4"], fwd["z3"]), 1),
        "dyhat_dz4": _local(lambda a, b: a - b, (fwd["z4"], fwd["z3"]), 0),
        "dloss_dyhat": _local(lambda a: (a - y) ** 2, (fwd["y_hat"],), 0),
    }
    return fwd, local, grads


def _toy_inputs(rng):
    x1, x2, y = (float(v) for v in _r(rng.uniform(-3, 3, 3)))
    t1, t2, t3 = (float(v) for v in _r(rng.uniform(-1.5, 1.5, 3)))
    return {"x1": x1, "x2": x2, "y": y, "theta1": t1, "theta2": t2, "theta3": t3}


def probe_toy_forward(ns, x1, x2, y, theta1, theta2, theta3):
    out = ns["toy_forward"](x1, x2, y, theta1, theta2, theta3)
    return {k: out.get(k) for k in ("z1", "z2", "z3", "z4", "y_hat", "loss")}


def reference_toy_forward(x1, x2, y, theta1, theta2, theta3):
    fwd, _, _ = _toy(x1, x2, y, theta1, theta2, theta3)
    return {k: Expect(fwd[k]) for k in TOY_FWD}


assignment.task("ex03_toy_forward_check", probe=probe_toy_forward,
                cases=lambda rng: [_toy_inputs(rng) for _ in range(3)],
                reference=reference_toy_forward)


def probe_toy_local(ns, x1, x2, y, theta1, theta2, theta3, fwd):
    names = ("z1", "z2", "z3", "z4", "y_hat", "loss")
    out = ns["toy_local"](x1, x2, y, theta1, theta2, theta3, dict(zip(names, fwd)))
    return {k: out.get(k) for k in ("dz1_dtheta3", "dz2_dz1", "dz3_dz2", "dz3_dtheta2",
                                    "dz4_dtheta1", "dyhat_dz3", "dyhat_dz4", "dloss_dyhat")}


def reference_toy_local(x1, x2, y, theta1, theta2, theta3, fwd):
    _, local, _ = _toy(x1, x2, y, theta1, theta2, theta3)
    return {k: Expect(local[k], hint="各ノードの出力を、そのノードの直接の入力で偏微分した値です。")
            for k in TOY_LOCAL}


def cases_toy_local(rng):
    out = []
    for _ in range(3):
        case = _toy_inputs(rng)
        fwd, _, _ = _toy(**case)
        out.append({**case, "fwd": [fwd[k] for k in TOY_FWD]})
    return out


assignment.task("ex03_toy_local_check", probe=probe_toy_local, cases=cases_toy_local,
                reference=reference_toy_local)


def probe_toy_backward(ns, local):
    names = ("dz1_dtheta3", "dz2_dz1", "dz3_dz2", "dz3_dtheta2", "dz4_dtheta1", "dyhat_dz3",
             "dyhat_dz4", "dloss_dyhat")
    out = ns["toy_backward"](dict(zip(names, local)))
    return {k: out.get(k) for k in ("loss", "y_hat", "z4", "z3", "z2", "z1",
                                    "theta1", "theta2", "theta3")}


def reference_toy_backward(local, _inputs):
    _, _, grads = _toy(*_inputs)
    grads["loss"] = 1.0
    return {k: Expect(grads[k], hint="出力側のノードの勾配 × 局所偏微分 です。")
            for k in TOY_GRADS}


def cases_toy_backward(rng):
    out = []
    for _ in range(3):
        case = _toy_inputs(rng)
        _, local, _ = _toy(**case)
        out.append({"local": [local[k] for k in TOY_LOCAL], "_inputs": list(case.values())})
    return out


assignment.task("ex03_toy_backward_check", probe=probe_toy_backward, cases=cases_toy_backward,
                reference=reference_toy_backward)


# ======================================================================= 問2: 3√x (log x + 1/x²)
SL_FWD = ("z2", "z3", "z4", "z1", "y")
SL_LOCAL = ("dz2_dx", "dz3_dx", "dz4_dx", "dz1_dz4", "dz1_dz3", "dy_dz1", "dy_dz2")
SL_GRADS = ("y", "z1", "z2", "z3", "z4", "x")


def _sqrtlog(x):
    import torch

    xt = ref_tensor(float(x), requires_grad=True)
    z2 = 3 * torch.sqrt(xt)
    z3 = torch.log(xt)
    z4 = 1 / xt
    z1 = z4**2 + z3
    y = z1 * z2
    fwd, grads = _graph(dict(z2=z2, z3=z3, z4=z4, z1=z1, y=y), {"x": xt}, y)
    local = {
        "dz2_dx": _local(lambda a: 3 * torch.sqrt(a), (x,), 0),
        "dz3_dx": _local(torch.log, (x,), 0),
        "dz4_dx": _local(lambda a: 1 / a, (x,), 0),
        "dz1_dz4": _local(lambda a, b: a**2 + b, (fwd["z4"], fwd["z3"]), 0),
        "dz1_dz3": _local(lambda a, b: a**2 + b, (fwd["z4"], fwd["z3"]), 1),
        "dy_dz1": _local(lambda a, b: a * b, (fwd["z1"], fwd["z2"]), 0),
        "dy_dz2": _local(lambda a, b: a * b, (fwd["z1"], fwd["z2"]), 1),
    }
    return fwd, local, grads


def _sl_x(rng):
    return float(_r(rng.uniform(0.3, 4.0)))


def probe_sqrtlog_forward(ns, x):
    out = ns["sqrtlog_forward"](x)
    return {k: out.get(k) for k in ("z2", "z3", "z4", "z1", "y")}


def reference_sqrtlog_forward(x):
    fwd, _, _ = _sqrtlog(x)
    return {k: Expect(fwd[k]) for k in SL_FWD}


assignment.task("ex03_sqrtlog_forward_check", probe=probe_sqrtlog_forward,
                cases=lambda rng: [{"x": _sl_x(rng)} for _ in range(3)],
                reference=reference_sqrtlog_forward)


def probe_sqrtlog_local(ns, x, fwd):
    out = ns["sqrtlog_local"](x, dict(zip(("z2", "z3", "z4", "z1", "y"), fwd)))
    return {k: out.get(k) for k in ("dz2_dx", "dz3_dx", "dz4_dx", "dz1_dz4", "dz1_dz3",
                                    "dy_dz1", "dy_dz2")}


def reference_sqrtlog_local(x, fwd):
    _, local, _ = _sqrtlog(x)
    return {k: Expect(local[k], hint="各ノードの出力を、そのノードの直接の入力で偏微分した値です。")
            for k in SL_LOCAL}


def cases_sqrtlog_local(rng):
    out = []
    for _ in range(3):
        x = _sl_x(rng)
        fwd, _, _ = _sqrtlog(x)
        out.append({"x": x, "fwd": [fwd[k] for k in SL_FWD]})
    return out


assignment.task("ex03_sqrtlog_local_check", probe=probe_sqrtlog_local,
                cases=cases_sqrtlog_local, reference=reference_sqrtlog_local)


def probe_sqrtlog_backward(ns, local):
    names = ("dz2_dx", "dz3_dx", "dz4_dx", "dz1_dz4", "dz1_dz3", "dy_dz1", "dy_dz2")
    out = ns["sqrtlog_backward"](dict(zip(names, local)))
    return {k: out.get(k) for k in ("y", "z1", "z2", "z3", "z4", "x")}


def reference_sqrtlog_backward(local, _x):
    _, _, grads = _sqrtlog(_x)
    grads["y"] = 1.0
    out = {k: Expect(grads[k], hint="出力側のノードの勾配 × 局所偏微分 です。") for k in SL_GRADS}
    out["x"] = Expect(grads["x"],
                      hint="x から y への経路は 3 本あります。3 本分の寄与を足し合わせましょう。")
    return out


def cases_sqrtlog_backward(rng):
    out = []
    for _ in range(3):
        x = _sl_x(rng)
        _, local, _ = _sqrtlog(x)
        out.append({"local": [local[k] for k in SL_LOCAL], "_x": x})
    return out


assignment.task("ex03_sqrtlog_backward_check", probe=probe_sqrtlog_backward,
                cases=cases_sqrtlog_backward, reference=reference_sqrtlog_backward)


# ================================================================= 問3: tanh(ln[1 + z 2x/sin y])
# Neuromatch Academy DL W1D2 Tutorial 1, exercises 1.2/1.3; nodes named as in its graph.
TL_FWD = ("a", "b", "c", "d", "e", "f")
TL_LOCAL = ("da_dx", "db_dy", "dc_da", "dc_db", "dd_dc", "dd_dz", "de_dd", "df_de")
TL_GRADS = ("f", "e", "d", "c", "b", "a", "x", "y", "z")


def _tanhlog(x, y, z):
    import torch

    leaves = {k: ref_tensor(float(v), requires_grad=True)
              for k, v in (("x", x), ("y", y), ("z", z))}
    a = 2 * leaves["x"]
    b = torch.sin(leaves["y"])
    c = a / b
    d = c * leaves["z"]
    e = torch.log(1 + d)
    f = torch.tanh(e)
    fwd, grads = _graph(dict(a=a, b=b, c=c, d=d, e=e, f=f), leaves, f)
    local = {
        "da_dx": _local(lambda s: 2 * s, (x,), 0),
        "db_dy": _local(torch.sin, (y,), 0),
        "dc_da": _local(lambda p, q: p / q, (fwd["a"], fwd["b"]), 0),
        "dc_db": _local(lambda p, q: p / q, (fwd["a"], fwd["b"]), 1),
        "dd_dc": _local(lambda p, q: p * q, (fwd["c"], z), 0),
        "dd_dz": _local(lambda p, q: p * q, (fwd["c"], z), 1),
        "de_dd": _local(lambda p: torch.log(1 + p), (fwd["d"],), 0),
        "df_de": _local(torch.tanh, (fwd["e"],), 0),
    }
    return fwd, local, grads


def _tl_inputs(rng):
    """|x|, |z| in [0.2, 1.5], |y| in [0.3, 2.8] (so |sin y| >= 0.29), and 1 + d >= 0.2."""
    while True:
        sign = rng.choice([-1.0, 1.0], 3)
        x, y, z = (float(v) for v in _r(sign * rng.uniform([0.2, 0.3, 0.2], [1.5, 2.8, 1.5])))
        if 1 + z * 2 * x / math.sin(y) >= 0.2:
            return {"x": x, "y": y, "z": z}


def probe_tanhlog_forward(ns, x, y, z):
    out = ns["tanhlog_forward"](x, y, z)
    return {k: out.get(k) for k in ("a", "b", "c", "d", "e", "f")}


def reference_tanhlog_forward(x, y, z):
    fwd, _, _ = _tanhlog(x, y, z)
    return {k: Expect(fwd[k]) for k in TL_FWD}


assignment.task("ex03_tanhlog_forward_check", probe=probe_tanhlog_forward,
                cases=lambda rng: [_tl_inputs(rng) for _ in range(3)],
                reference=reference_tanhlog_forward)


def probe_tanhlog_local(ns, x, y, z, fwd):
    out = ns["tanhlog_local"](x, y, z, dict(zip(("a", "b", "c", "d", "e", "f"), fwd)))
    return {k: out.get(k) for k in ("da_dx", "db_dy", "dc_da", "dc_db", "dd_dc", "dd_dz",
                                    "de_dd", "df_de")}


TL_LOCAL_HINTS = {
    "dc_db": "c = a / b = a·b⁻¹ を b で微分します。符号に注意しましょう。",
    "de_dd": "ln(1 + d) を d で微分します（1/d ではありません）。",
    "df_de": 'tanh の微分は 1 − tanh² です。tanh(e) の値は fwd["f"] にあります。',
}


def reference_tanhlog_local(x, y, z, fwd):
    _, local, _ = _tanhlog(x, y, z)
    return {k: Expect(local[k], hint=TL_LOCAL_HINTS.get(
        k, "各ノードの出力を、そのノードの直接の入力で偏微分した値です。")) for k in TL_LOCAL}


def cases_tanhlog_local(rng):
    out = []
    for _ in range(3):
        case = _tl_inputs(rng)
        fwd, _, _ = _tanhlog(**case)
        out.append({**case, "fwd": [fwd[k] for k in TL_FWD]})
    return out


assignment.task("ex03_tanhlog_local_check", probe=probe_tanhlog_local, cases=cases_tanhlog_local,
                reference=reference_tanhlog_local)


def probe_tanhlog_backward(ns, local):
    names = ("da_dx", "db_dy", "dc_da", "dc_db", "dd_dc", "dd_dz", "de_dd", "df_de")
    out = ns["tanhlog_backward"](dict(zip(names, local)))
    return {k: out.get(k) for k in ("f", "e", "d", "c", "b", "a", "x", "y", "z")}


def reference_tanhlog_backward(local, _inputs):
    _, _, grads = _tanhlog(*_inputs)
    grads["f"] = 1.0
    return {k: Expect(grads[k], hint="出力側のノードの勾配 × 局所偏微分 です。") for k in TL_GRADS}


def cases_tanhlog_backward(rng):
    out = []
    for _ in range(3):
        case = _tl_inputs(rng)
        _, local, _ = _tanhlog(**case)
        out.append({"local": [local[k] for k in TL_LOCAL],
                    "_inputs": [case["x"], case["y"], case["z"]]})
    return out


assignment.task("ex03_tanhlog_backward_check", probe=probe_tanhlog_backward,
                cases=cases_tanhlog_backward, reference=reference_tanhlog_backward)


# ======================================================================= 問4: 2-3-2 sigmoid net
NET_FWD = ("a", "u", "b", "v", "y_hat", "L")
NET_GRADS = ("y_hat", "psi", "v", "b", "phi", "u", "a", "theta", "x")


def _net(x, y, theta, phi, psi):
    import torch

    leaves = {k: ref_tensor(v, requires_grad=True)
              for k, v in (("x", x), ("theta", theta), ("phi", phi), ("psi", psi))}
    a = leaves["theta"].T @ leaves["x"]
    u = torch.sigmoid(a)
    b = leaves["phi"].T @ u
    v = torch.sigmoid(b)
    y_hat = leaves["psi"] @ v
    L = (y - y_hat) ** 2
    return _graph(dict(a=a, u=u, b=b, v=v, y_hat=y_hat, L=L), leaves, L)


def _net_inputs(rng):
    return {
        "x": _r(rng.normal(0, 1.5, 2)),
        "y": float(_r(rng.uniform(-5, 5))),
        "theta": _r(rng.normal(0, 1, (2, 3))),
        "phi": _r(rng.normal(0, 2, (3, 2))),
        "psi": _r(rng.normal(0, 3, 2)),
    }


def probe_net_forward(ns, x, y, theta, phi, psi):
    import numpy as np

    out = ns["net_forward"](np.array(x), y, np.array(theta), np.array(phi), np.array(psi))
    return {k: out.get(k) for k in ("a", "u", "b", "v", "y_hat", "L")}


def reference_net_forward(x, y, theta, phi, psi):
    fwd, _ = _net(x, y, theta, phi, psi)
    return {k: Expect(fwd[k]) for k in NET_FWD}


assignment.task("ex03_net_forward_check", probe=probe_net_forward,
                cases=lambda rng: [_net_inputs(rng) for _ in range(3)],
                reference=reference_net_forward)


def probe_net_backward(ns, x, y, theta, phi, psi, fwd):
    import numpy as np

    names = ("a", "u", "b", "v", "y_hat", "L")
    f = {k: (np.array(v) if isinstance(v, list) else v) for k, v in zip(names, fwd)}
    out = ns["net_backward"](np.array(x), y, np.array(theta), np.array(phi), np.array(psi), f)
    return {k: out.get(k) for k in ("y_hat", "psi", "v", "b", "phi", "u", "a", "theta", "x")}


NET_HINTS = {
    "b": "シグモイドの局所偏微分 σ'(b) = v(1 - v) を掛けましたか？",
    "a": "シグモイドの局所偏微分 σ'(a) = u(1 - u) を掛けましたか？",
    "u": "u_j は 2 つの b_k に使われています: ∂L/∂u = φ ∇_b L",
    "phi": "∂L/∂φ_jk = u_j ∂L/∂b_k（np.outer）",
    "theta": "∂L/∂θ_ij = x_i ∂L/∂a_j（np.outer）",
}


def reference_net_backward(x, y, theta, phi, psi, fwd):
    _, grads = _net(x, y, theta, phi, psi)
    return {k: Expect(grads[k], hint=NET_HINTS.get(k)) for k in NET_GRADS}


def cases_net_backward(rng):
    out = []
    for _ in range(3):
        case = _net_inputs(rng)
        fwd, _ = _net(**case)
        out.append({**case, "fwd": [fwd[k] for k in NET_FWD]})
    return out


assignment.task("ex03_net_backward_check", probe=probe_net_backward, cases=cases_net_backward,
                reference=reference_net_backward)
