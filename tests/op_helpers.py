"""One helper for op tests: value and gradients against torch.autograd (float64) and against
central differences of mygrad's own forward; optionally second derivatives (create_graph)."""

import numpy as np
import torch

import mygrad

H = 1e-6


def _where(a, b, atol, rtol):
    """Index and values of the worst mismatch, or None when close."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return ("shape", a.shape, b.shape)
    bad = ~np.isclose(a, b, atol=atol, rtol=rtol, equal_nan=True)
    if not bad.any():
        return None
    err = np.where(bad, np.abs(np.nan_to_num(a - b, nan=np.inf)), -1)
    idx = np.unravel_index(int(np.argmax(err)), a.shape) if a.ndim else ()
    return (idx, a[idx], b[idx])


def _fail(name, what, arrays, where):
    idx, got, want = where
    shapes = [tuple(x.shape) for x in arrays]
    raise AssertionError(f"{name}: {what} differs at index {idx}: mygrad {got!r} vs "
                         f"reference {want!r} (input shapes {shapes})")


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def make_inputs(shapes, seed=0, low=-2.0, high=2.0, positive=False):
    rng = np.random.default_rng(seed)
    xs = []
    for s in shapes:
        x = rng.uniform(low, high, size=s)
        if positive:
            x = np.abs(x) + 0.1
        xs.append(np.asarray(x, dtype=np.float64))
    return xs


def check_op(torch_fn, mygrad_fn, shapes=None, *, arrays=None, seed=0, name=None, low=-2.0,
             high=2.0, positive=False, atol=1e-7, rtol=1e-6, numeric=True, numeric_max=40,
             double=True):
    """Check ``mygrad_fn(*tensors)`` against ``torch_fn(*tensors)``.

    1. forward values equal torch's (float64);
    2. gradients of ``sum(out * w)`` (w random) equal torch's;
    3. the same gradients equal central differences of mygrad's forward (up to
       ``numeric_max`` elements per input);
    4. with ``double=True``: second derivatives through ``create_graph=True`` equal torch's.
    """
    name = name or getattr(mygrad_fn, "__name__", "op")
    xs = arrays if arrays is not None else make_inputs(shapes, seed, low, high, positive)
    xs = [np.asarray(x, dtype=np.float64) for x in xs]
    tt = [torch.tensor(x, requires_grad=True) for x in xs]
    mt = [mygrad.tensor(x, requires_grad=True) for x in xs]

    tout = _first(torch_fn(*tt))
    mout = _first(mygrad_fn(*mt))
    assert isinstance(mout, mygrad.Tensor), f"{name}: returned {type(mout).__name__}"
    assert mout.dtype == mygrad.float64, f"{name}: float64 inputs gave {mout.dtype}"
    w = np.random.default_rng(seed + 1).uniform(0.5, 1.5, size=tuple(tout.shape))
    bad = _where(mout.detach().numpy(force=True), tout.detach().numpy(force=True), atol, rtol)
    if bad:
        _fail(name, "value", xs, bad)

    if not tout.requires_grad:
        return
    tgrads = torch.autograd.grad(tout, tt, torch.tensor(w), create_graph=double,
                                 allow_unused=True)
    mout.backward(mygrad.tensor(w), create_graph=double)
    for i, (m, t, x) in enumerate(zip(mt, tgrads, xs)):
        tg = np.zeros_like(x) if t is None else t.detach().numpy(force=True)
        mg = np.zeros_like(x) if m.grad is None else m.grad.detach().numpy(force=True)
        bad = _where(mg, tg, atol, rtol)
        if bad:
            _fail(name, f"gradient of input {i} (vs torch)", xs, bad)

    if numeric:
        for i, x in enumerate(xs):
            mg = np.zeros_like(x) if mt[i].grad is None else mt[i].grad.detach().numpy(force=True)
            flat = x.reshape(-1)
            for k in range(min(flat.size, numeric_max)):
                num = _central(mygrad_fn, xs, i, k, w)
                got = mg.reshape(-1)[k]
                if not np.isclose(got, num, atol=1e-5, rtol=1e-4):
                    idx = np.unravel_index(k, x.shape) if x.ndim else ()
                    raise AssertionError(f"{name}: gradient of input {i} at index {idx}: mygrad "
                                         f"{got!r} vs central difference {num!r} (input shapes "
                                         f"{[tuple(a.shape) for a in xs]})")

    if double:
        _check_double(name, tt, tgrads, mt, xs, seed, atol, rtol)


def _central(fn, xs, i, k, w):
    def f(delta):
        ys = [x.copy() for x in xs]
        ys[i].reshape(-1)[k] += delta
        with mygrad.no_grad():
            out = _first(fn(*[mygrad.tensor(y) for y in ys]))
        return float(np.sum(out.numpy() * w))

    return (f(H) - f(-H)) / (2 * H)


def _check_double(name, tt, tgrads, mt, xs, seed, atol, rtol):
    """d/dx of sum_i <grad_i, v_i>: exercises every backward formula under create_graph."""
    rng = np.random.default_rng(seed + 2)
    vs = [rng.uniform(0.5, 1.5, size=x.shape) for x in xs]
    tsum = sum((g * torch.tensor(v)).sum() for g, v in zip(tgrads, vs)
               if g is not None and g.requires_grad)
    mgs = [m.grad for m in mt]
    mparts = [(g * mygrad.tensor(v)).sum() for g, v in zip(mgs, vs)
              if g is not None and g.requires_grad]
    if not torch.is_tensor(tsum):
        assert not mparts, f"{name}: mygrad's gradient has a graph where torch's has none"
        return
    t2 = torch.autograd.grad(tsum, tt, allow_unused=True)
    if not mparts:  # mygrad's gradients are constants: torch's second derivative must be 0
        for i, b in enumerate(t2):
            arr = None if b is None else b.detach().numpy(force=True)
            if arr is not None and arr.size and abs(arr).max() > atol:
                raise AssertionError(f"{name}: create_graph=True gave gradients without "
                                     f"grad_fn, but torch's second derivative w.r.t. input {i} "
                                     f"is not zero")
        return
    msum = mparts[0]
    for p in mparts[1:]:
        msum = msum + p
    m2 = mygrad.autograd.grad(msum, mt, allow_unused=True)
    for i, (a, b, x) in enumerate(zip(m2, t2, xs)):
        got = np.zeros_like(x) if a is None else a.detach().numpy(force=True)
        want = np.zeros_like(x) if b is None else b.detach().numpy(force=True)
        bad = _where(got, want, atol * 10, rtol * 10)
        if bad:
            _fail(name, f"second derivative w.r.t. input {i} (create_graph, vs torch)", xs, bad)
