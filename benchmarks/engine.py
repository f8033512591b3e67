"""Speed of the tensor engine (and mygrad.Value), side by side with torch (CPU) and a
hand-written numpy forward/backward (the floor: the same BLAS calls, no framework).

Run: python benchmarks/engine.py            (about a minute; BLAS pinned to one thread)
     python benchmarks/engine.py --quick    (fewer repeats)

Every row times the same work in each library and prints the ratio against the target from
issue 2. Times are the best of several repeats (the least disturbed by other processes).
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
           "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import gc  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import mygrad  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is a course dependency
    torch = None

try:
    from mygrad import Value
except Exception:  # the scalar engine is written by someone else; rows print n/a without it
    Value = None

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 7


def compare(fns, min_time=0.2, repeat=REPEAT):
    """Seconds per call for each function in ``fns`` (a dict; None values stay None).

    The functions are timed in rotation (batch of A, batch of B, batch of C, again ...) and
    each keeps its best batch, so a burst of load from other processes hits all of them alike.

    Before every batch the heap that already exists is collected and frozen (``gc.freeze``):
    the garbage collector stays on for everything the timed code creates, but one library's
    long-lived objects (torch keeps ~10^5 alive) are not traversed on the other's time.
    """
    live = {k: f for k, f in fns.items() if f is not None}
    sizes = {}
    for k, f in live.items():
        f()  # warm up
        t0 = time.perf_counter()
        f()
        one = max(time.perf_counter() - t0, 1e-7)
        sizes[k] = max(1, int(min_time / one))
    result = {k: float("inf") for k in live}
    for _ in range(repeat):
        for k, f in live.items():
            n = sizes[k]
            gc.collect()
            gc.freeze()
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            result[k] = min(result[k], (time.perf_counter() - t0) / n)
            gc.unfreeze()
    return tuple(result.get(k) for k in fns)


# ------------------------------------------------------------------ MLP training step
def mlp_data(batch, sizes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    return X, y, params


def lib_step(lib, X, y, params, lr=0.1):
    """One SGD step written in torch style; runs unchanged with lib = torch or mygrad."""
    Xt, yt = lib.from_numpy(X), lib.from_numpy(y)
    ps = [lib.tensor(p, requires_grad=True) for p in params]
    rows = lib.arange(X.shape[0])

    def step():
        h = Xt
        for i in range(0, len(ps) - 2, 2):
            h = (h @ ps[i] + ps[i + 1]).relu()
        logits = h @ ps[-2] + ps[-1]
        loss = -logits.log_softmax(1)[rows, yt].mean()
        for p in ps:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in ps:
                p -= lr * p.grad
        return loss

    return step


def numpy_step(X, y, params, lr=0.1):
    """The floor: the same step with hand-written gradients, in place."""
    ps = [p.copy() for p in params]
    n = X.shape[0]
    rows = np.arange(n)

    def step():
        acts, pre = [X], []
        h = X
        for i in range(0, len(ps) - 2, 2):
            z = h @ ps[i] + ps[i + 1]
            h = np.maximum(z, 0)
            pre.append(z)
            acts.append(h)
        logits = h @ ps[-2] + ps[-1]
        m = logits.max(1, keepdims=True)
        e = np.exp(logits - m)
        s = e.sum(1, keepdims=True)
        loss = -(logits[rows, y] - m[:, 0] - np.log(s[:, 0])).mean()
        d = e / s
        d[rows, y] -= 1
        d /= n
        grads = [None] * len(ps)
        for i in range(len(ps) - 2, -1, -2):
            a = acts[i // 2]
            grads[i] = a.T @ d
            grads[i + 1] = d.sum(0)
            if i:
                d = (d @ ps[i].T) * (pre[i // 2 - 1] > 0)
        for p, g in zip(ps, grads):
            p -= lr * g
        return loss

    return step


def check_same_loss(X, y, params):
    """All three implementations compute the same loss (so they time the same work)."""
    losses = [float(numpy_step(X, y, params)()), float(lib_step(mygrad, X, y, params)().item())]
    if torch is not None:
        losses.append(float(lib_step(torch, X, y, params)().item()))
    assert np.allclose(losses, losses[0], rtol=1e-4), losses


# ------------------------------------------------------------------ small graphs
def add_sum_backward(lib):
    a = lib.ones(10, requires_grad=True)
    b = lib.ones(10, requires_grad=True)

    def run():
        (a + b).sum().backward()

    return run


def chain(lib, n=100_000, make=None):
    def run():
        x = make(1.0) if make else lib.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0
        y.backward()
        return x

    return run


def micrograd_expr(a, b):
    """micrograd's README expression (works on Value and on 0-d tensors)."""
    c = a + b
    d = a * b + b ** 3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def count_nodes(root):
    seen, stack = set(), [root.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.extend(f for f, _ in fn.next_functions if f is not None and
                     hasattr(f, "next_functions") and f.next_functions != ())
    return len(seen)


def expression(make, reps):
    def run():
        a, b = make(-4.0), make(2.0)
        total = micrograd_expr(a, b)
        for _ in range(reps - 1):
            total = total + micrograd_expr(a, b)
        total.backward()
        return a

    return run


def fmt_t(t):
    if t is None:
        return "n/a"
    return f"{t * 1e6:9.1f} us" if t < 1e-3 else f"{t * 1e3:9.2f} ms"


def main():
    gc.enable()
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch "
          f"{torch.__version__ if torch else 'n/a'}, {platform.machine()} "
          f"{platform.processor() or ''}; BLAS threads pinned to 1")
    rows = []

    def row(name, m, t=None, f=None, ratio=None, target=None, note=""):
        r = None if ratio is None or None in ratio else ratio[0] / ratio[1]
        ok = "" if r is None or target is None else ("ok" if r <= target else "MISSED")
        rows.append((name, m, t, f, r, target, ok, note))
        print(f"{name:44s} mygrad {fmt_t(m)}  torch {fmt_t(t)}  numpy {fmt_t(f)}  "
              f"ratio {'n/a' if r is None else f'{r:.2f}'}  target <= {target}  {ok} {note}",
              flush=True)

    # 1. big MLP step
    X, y, params = mlp_data(256, [784, 256, 10])
    check_same_loss(X, y, params)
    tm, tt, tf = compare({"m": lib_step(mygrad, X, y, params),
                          "t": lib_step(torch, X, y, params) if torch else None,
                          "f": numpy_step(X, y, params)}, 0.3)
    row("MLP step 256x784-256-10 (vs numpy floor)", tm, tt, tf, (tm, tf), 1.10,
        f"torch/floor {tt / tf:.2f}" if tt else "")

    # 2. small MLP step
    X, y, params = mlp_data(16, [2, 16, 16, 2])
    check_same_loss(X, y, params)
    tm, tt, tf = compare({"m": lib_step(mygrad, X, y, params),
                          "t": lib_step(torch, X, y, params) if torch else None,
                          "f": numpy_step(X, y, params)})
    row("MLP step 16x2-16-16-2 (vs torch)", tm, tt, tf, (tm, tt), 0.45,
        f"mygrad/floor {tm / tf:.2f}")

    # 3. tiny graph
    tm, tt = compare({"m": add_sum_backward(mygrad),
                      "t": add_sum_backward(torch) if torch else None})
    row("(a + b).sum().backward(), (10,)", tm, tt, None, (tm, tt), 0.5)

    # 4. 10^5-deep chain
    reps = 2 if QUICK else 3
    tm, tt, tv = compare({"m": chain(mygrad), "t": chain(torch) if torch else None,
                          "v": chain(None, make=Value) if Value else None}, 0, reps)
    row("chain 1e5: y = y * 1.0001 + 0.0, Tensor", tm, tt, None, (tm, tt), 0.5)
    row("chain 1e5: y = y * 1.0001 + 0.0, Value", tv, tt, None, (tv, tt), 0.25)

    # 5. micrograd expression, per node (gc on)
    reps_expr = 3000
    t_mk = (lambda v: torch.tensor(v, requires_grad=True)) if torch else None
    m_mk = lambda v: mygrad.tensor(v, requires_grad=True)  # noqa: E731
    per = count_nodes(micrograd_expr(m_mk(-4.0), m_mk(2.0)))
    nodes = per * reps_expr
    tm, tt, tv = compare({"m": expression(m_mk, reps_expr),
                          "t": expression(t_mk, reps_expr) if torch else None,
                          "v": expression(Value, reps_expr) if Value else None}, 0, reps)
    tm, tt, tv = (None if t is None else t / nodes for t in (tm, tt, tv))
    row(f"0-d Tensor expression, per node ({nodes} nodes)", tm, tt, None, (tm, tt), 1.0)
    row("Value expression, per node (vs torch 0-d)", tv, tt, None, (tv, tt), 0.25)

    print()
    print("| benchmark | mygrad | torch | numpy floor | ratio | target | |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, m, t, f, r, target, ok, note in rows:
        rr = "n/a" if r is None else f"{r:.2f}"
        print(f"| {name} | {fmt_t(m).strip()} | {fmt_t(t).strip()} | {fmt_t(f).strip()} | "
              f"{rr} | <= {target} | {ok} {note} |")


if __name__ == "__main__":
    main()
