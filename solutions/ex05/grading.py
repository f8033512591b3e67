"""Hidden grading of ex05 (see docs/authoring.md).

Each Function task builds fresh float64 mygrad leaves of random shapes in the sandbox, calls the
student's ``Cls.apply(*tensors, *extra)``, back-propagates a random upstream gradient ``G`` with
``y.backward(G)`` (so L = sum(G * y)) through mygrad's engine, and returns y and every input's
``.grad``. The reference does the same with torch in float64. The engine reduces broadcast-shaped
gradients centrally (``mygrad.autograd.unbroadcast``), so 問2 Mul is graded on broadcastable
pairs independently of the student's own ``unbroadcast`` (問1), which is graded on arrays alone.
"""

from autograder.checks import Expect, ref_tensor
from autograder.plain import (
    tensor_grad,  # probes get the sandbox's copy, pinned before student code
)
from autograder.spec import Assignment

assignment = Assignment("ex05")


def _arr(rng, shape, low=-2.0, high=2.0):
    return [round(float(v), 4) for v in rng.uniform(low, high, size=shape).ravel()], list(shape)


def _nested(flat, shape):
    import numpy as np

    return np.asarray(flat, dtype=np.float64).reshape(shape).tolist()


# ------------------------------------------------------------------ 問1: unbroadcast
def probe_unbroadcast(ns, grad, shape):
    import numpy as np

    out = ns["unbroadcast"](np.asarray(grad, dtype=np.float64), tuple(shape))
    return {f"unbroadcast(grad {np.shape(grad)}, {tuple(shape)})": out}


def reference_unbroadcast(grad, shape):
    import numpy as np

    g = ref_tensor(grad)
    hint = ("左に足された次元は和で消し、元の大きさが 1 の次元は keepdims=True で和をとります。"
            "結果の形は shape とぴったり同じに。")
    return {f"unbroadcast(grad {np.shape(grad)}, {tuple(shape)})":
            Expect(g.sum_to_size(tuple(shape)), hint=hint)}


def cases_unbroadcast(rng):
    """Five kinds, one case each: to a scalar; nothing to undo; only added leading axes;
    only size-1 axes (same ndim); both."""
    out = []
    for k in range(5):
        ndim = int(rng.integers(1, 4))
        sizes = [int(v) for v in rng.integers(2, 5, size=ndim)]
        if k == 0:
            shape, gshape = [], sizes
        elif k == 1:
            shape, gshape = sizes, sizes
        elif k == 2:
            shape = sizes
            gshape = [int(v) for v in rng.integers(2, 4, size=int(rng.integers(1, 3)))] + sizes
        else:
            ones = rng.choice(ndim, size=int(rng.integers(1, ndim + 1)), replace=False)
            shape = [1 if i in ones else s for i, s in enumerate(sizes)]
            gshape = list(sizes)
            if k == 4:
                gshape = [int(rng.integers(2, 4))] + gshape
        flat, _ = _arr(rng, gshape)
        out.append({"grad": _nested(flat, gshape), "shape": shape})
    return out


assignment.task("ex05_unbroadcast_check", probe=probe_unbroadcast, cases=cases_unbroadcast,
                reference=reference_unbroadcast)


# ------------------------------------------------------------------ 問2〜問6: Functions
def probe_function(ns, cls, inputs, extra, upstream):
    """Cls.apply(*leaves, *extra), then y.backward(G); returns y and each leaf's grad."""
    import numpy as np

    import mygrad

    Fn = ns[cls]
    xs = [mygrad.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    y = Fn.apply(*xs, *extra)
    result = {"出力 y": y.detach().numpy()}
    y.backward(mygrad.tensor(np.asarray(upstream, dtype=np.float64)))
    for i, x in enumerate(xs):
        result[f"入力 {i} の勾配 ∂L/∂x{i}"] = None if tensor_grad(x) is None else x.grad.numpy()
    return result


HINTS = {
    "Mul": ("∂(a⊙b)/∂a = b, ∂(a⊙b)/∂b = a。上流の勾配 grad を掛けるのを忘れずに"
            "（ブロードキャストの後始末はエンジンがします）。"),
    "MatMul": "∂L/∂A = G Bᵀ, ∂L/∂B = Aᵀ G（形合わせで確かめましょう）。",
    "Sum": ("和の逆は複製です。keepdim=False で消えた次元を np.expand_dims で戻してから "
            "np.broadcast_to で元の形へ。"),
    "Exp": "(e^x)' = e^x。出力を保存して使い回せます。",
    "Log": "(log x)' = 1/x。",
    "Sigmoid": "σ'(x) = σ(x)(1 − σ(x))。",
    "ReLU": "x > 0 の位置だけ勾配を通します（x ≤ 0 では 0）。",
    "LogSoftmax": ("y = x − logsumexp(x)。backward は grad − softmax(x) · (grad の dim 方向の和)。"
                   "forward は最大値を引いて計算します。"),
}


def reference_function(cls, inputs, extra, upstream):
    import torch

    ts = [ref_tensor(v, requires_grad=True) for v in inputs]
    if cls == "Mul":
        y = ts[0] * ts[1]
    elif cls == "MatMul":
        y = ts[0] @ ts[1]
    elif cls == "Sum":
        dim, keepdim = extra
        y = ts[0].sum() if dim is None else ts[0].sum(dim=dim, keepdim=keepdim)
    elif cls == "Exp":
        y = torch.exp(ts[0])
    elif cls == "Log":
        y = torch.log(ts[0])
    elif cls == "Sigmoid":
        y = torch.sigmoid(ts[0])
    elif cls == "ReLU":
        y = torch.relu(ts[0])
    elif cls == "LogSoftmax":
        y = torch.log_softmax(ts[0], dim=extra[0])
    else:
        raise ValueError(cls)
    grads = torch.autograd.grad(y, ts, grad_outputs=ref_tensor(upstream))
    hint = HINTS[cls]
    out = {"出力 y": Expect(y.detach(), hint=hint)}
    for i, g in enumerate(grads):
        out[f"入力 {i} の勾配 ∂L/∂x{i}"] = Expect(g, hint=hint)
    return out


def _case(rng, cls, shapes, extra=(), out_shape=None, low=-2.0, high=2.0):
    inputs = []
    for s in shapes:
        flat, _ = _arr(rng, s, low, high)
        inputs.append(_nested(flat, s))
    flat, _ = _arr(rng, out_shape, -1.5, 1.5)
    return {"cls": cls, "inputs": inputs, "extra": list(extra),
            "upstream": _nested(flat, out_shape)}


def _random_shape(rng, lo=1, hi=3):
    return [int(rng.integers(2, 5)) for _ in range(int(rng.integers(lo, hi + 1)))]


def cases_mul(rng):
    """Same shapes; size-1 axes; fewer leading axes; and a mutually broadcastable pair
    such as (1, 3, 1) x (2, 1, 4) where both inputs are expanded."""
    import numpy as np

    out = []
    for k in range(4):
        sa = [int(v) for v in rng.integers(2, 5, size=int(rng.integers(2, 4)))]
        if k == 0:
            sb = list(sa)
        elif k == 1:
            sb = list(sa)
            for i in rng.choice(len(sa), size=int(rng.integers(1, len(sa))), replace=False):
                sb[int(i)] = 1
        elif k == 2:
            sb = sa[int(rng.integers(1, len(sa))):]
            if rng.random() < 0.5:
                sb[0] = 1
        else:
            sb = [1 if i % 2 else s for i, s in enumerate(sa)]
            sa = [s if i % 2 else 1 for i, s in enumerate(sa)]
        if k in (1, 2) and rng.random() < 0.5:
            sa, sb = sb, sa
        oshape = list(np.broadcast_shapes(tuple(sa), tuple(sb)))
        out.append(_case(rng, "Mul", [sa, sb], (), oshape))
    return out


def cases_matmul(rng):
    out = []
    for _ in range(3):
        n, k, m = (int(v) for v in rng.integers(1, 6, size=3))
        out.append(_case(rng, "MatMul", [[n, k], [k, m]], (), [n, m]))
    return out


def cases_sum(rng):
    import numpy as np

    out = []
    for k in range(5):
        shape = _random_shape(rng, 1, 3)
        if k == 0:
            dim, keepdim = None, False
        else:
            dim = int(rng.integers(-len(shape), len(shape)))
            keepdim = bool(k % 2)
        x = np.zeros(shape)
        oshape = list(x.sum(axis=dim, keepdims=keepdim).shape) if dim is not None else []
        out.append(_case(rng, "Sum", [shape], (dim, keepdim), oshape))
    return out


def _unary_cases(cls, low=-2.0, high=2.0):
    def cases(rng):
        out = []
        for _ in range(3):
            shape = _random_shape(rng, 1, 3)
            out.append(_case(rng, cls, [shape], (), shape, low, high))
        return out

    return cases


def cases_log_softmax(rng):
    out = []
    for k in range(3):
        shape = _random_shape(rng, 2, 3)
        dim = int(rng.integers(-len(shape), len(shape)))
        low, high = (-3.0, 3.0) if k < 2 else (790.0, 800.0)  # k = 2: exp would overflow
        out.append(_case(rng, "LogSoftmax", [shape], (dim,), shape, low, high))
    return out


for _gid, _cases in [
    ("ex05_mul_check", cases_mul),
    ("ex05_matmul_check", cases_matmul),
    ("ex05_sum_check", cases_sum),
    ("ex05_exp_check", _unary_cases("Exp")),
    ("ex05_log_check", _unary_cases("Log", 0.2, 3.0)),
    ("ex05_sigmoid_check", _unary_cases("Sigmoid", -5.0, 5.0)),
    ("ex05_relu_check", _unary_cases("ReLU")),
    ("ex05_log_softmax_check", cases_log_softmax),
]:
    assignment.task(_gid, probe=probe_function, cases=_cases, reference=reference_function)


# ------------------------------------------------------------------ 問7: cross-entropy
def probe_cross_entropy(ns, logits, target, upstream):
    import numpy as np

    import mygrad

    x = mygrad.tensor(np.asarray(logits, dtype=np.float64), requires_grad=True)
    t = np.asarray(target, dtype=np.int64)
    loss = ns["CrossEntropy"].apply(x, t)
    result = {"損失 loss": loss.detach().numpy()}
    loss.backward(mygrad.tensor(np.asarray(upstream, dtype=np.float64)))
    result["∂L/∂logits"] = None if tensor_grad(x) is None else x.grad.numpy()
    return result


def reference_cross_entropy(logits, target, upstream):
    import torch

    x = ref_tensor(logits, requires_grad=True)
    t = torch.tensor(target, dtype=torch.long, device=x.device)
    loss = torch.nn.functional.cross_entropy(x, t)
    (g,) = torch.autograd.grad(loss * upstream, x)
    hint = ("∂loss/∂logits = (softmax(logits) − onehot(target)) / N。"
            "上流の勾配 grad（スカラー）も掛けます。")
    loss_hint = "loss = −(1/N) Σ_i log softmax(logits)_{i, t_i}"
    return {"損失 loss": Expect(loss.detach(), hint=loss_hint),
            "∂L/∂logits": Expect(g, hint=hint)}


def cases_cross_entropy(rng):
    out = []
    for k in range(3):
        n, c = int(rng.integers(2, 7)), int(rng.integers(2, 6))
        low, high = (-3.0, 3.0) if k < 2 else (750.0, 760.0)  # k = 2: exp would overflow
        flat, _ = _arr(rng, [n, c], low, high)
        out.append({"logits": _nested(flat, [n, c]),
                    "target": [int(v) for v in rng.integers(0, c, size=n)],
                    "upstream": round(float(rng.uniform(1.2, 2.5)), 3)})
    return out


assignment.task("ex05_cross_entropy_check", probe=probe_cross_entropy, cases=cases_cross_entropy,
                reference=reference_cross_entropy)
