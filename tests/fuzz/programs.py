"""Random expression DAGs, run once in mygrad and once in torch, compared leaf by leaf.

A *program* is plain data (so Hypothesis can shrink it and a counterexample can be pasted into a
regression test): the shapes of its leaves, a list of instructions ``(op, operands, params)``
whose operands index into the pool of values computed so far (leaves first), and a mode that
says how the gradient is taken. The same interpreter runs it with ``lib = mygrad`` and with
``lib = torch``: the op table below is written once, in torch's API, which is also a check that
``import mygrad as torch`` means what it says.

Reuse is the point: operands are drawn from the whole pool, often the same value twice, so a
leaf or an intermediate feeds several ops, through broadcasting, in any order — the graphs
where gradient bookkeeping goes wrong (``x + x + x``).

Used by ``tests/test_fuzz_engine.py``; see docs/engine.md ("The differential fuzzer").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

# -- shapes ---------------------------------------------------------------------------------

LEAF_SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1), (3, 1), (2, 2, 3)]


def broadcast(a, b):
    """numpy's broadcast shape of ``a`` and ``b``, or None when they do not broadcast."""
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


# -- the op table -----------------------------------------------------------------------------
# Each entry: (arity, shape_fn(shapes, params) -> result shape or None, params_fn(draw, shapes)
# -> params, apply(lib, args, params) -> tensor). Domains are kept safe inside `apply` (a log
# sees |x| + 0.5, a divisor x*x + 1), so both libraries stay finite on any leaf values.


def _same(shapes, p):
    return shapes[0]


def _no_params(draw, shapes):
    return {}


def _dim_params(draw, shapes, allow_none=True):
    (s,) = shapes
    choices = list(range(-len(s), len(s)))
    if allow_none:
        choices.append(None)
    if not choices:
        return {"dim": None, "keepdim": False}
    return {"dim": draw(st.sampled_from(choices)), "keepdim": draw(st.booleans())}


def _reduced(shapes, p):
    (s,) = shapes
    d = p["dim"]
    if d is None:
        return (1,) * len(s) if p["keepdim"] else ()
    d %= len(s)
    return s[:d] + ((1,) if p["keepdim"] else ()) + s[d + 1:]


def _needs_dim(shapes, p):
    return _reduced(shapes, p) if len(shapes[0]) > 0 else None


def _binary_shape(shapes, p):
    return broadcast(shapes[0], shapes[1])


def _matmul_shape(shapes, p):
    a, b = shapes
    if len(a) == 0 or len(b) == 0:
        return None
    if len(a) == 1 and len(b) == 1:
        return () if a == b else None
    if len(a) == 1:
        return b[:-2] + b[-1:] if a[0] == b[-2] else None
    if len(b) == 1:
        return a[:-1] if a[-1] == b[0] else None
    if a[-1] != b[-2]:
        return None
    batch = broadcast(a[:-2], b[:-2])
    return None if batch is None else batch + (a[-2], b[-1])


def _transpose_params(draw, shapes):
    n = len(shapes[0])
    return {"d0": draw(st.integers(0, n - 1)), "d1": draw(st.integers(0, n - 1))} if n else {}


def _transpose_shape(shapes, p):
    s = list(shapes[0])
    if len(s) < 1:
        return None
    s[p["d0"]], s[p["d1"]] = s[p["d1"]], s[p["d0"]]
    return tuple(s)


def _reshape_params(draw, shapes):
    n = int(np.prod(shapes[0], dtype=int))
    options = [(n,), (1, n), (n, 1)]
    options += [(a, n // a) for a in range(2, n) if n % a == 0]
    return {"shape": draw(st.sampled_from(options))}


def _index_params(draw, shapes):
    s = shapes[0]
    if not s:
        return {"kind": "none"}
    kind = draw(st.sampled_from(["int", "slice", "fancy", "mask"]))
    if kind == "int":
        return {"kind": kind, "i": draw(st.integers(-s[0], s[0] - 1))}
    if kind == "slice":
        start = draw(st.integers(0, s[0] - 1))
        return {"kind": kind, "start": start, "step": draw(st.integers(1, 2))}
    if kind == "fancy":  # repeated indices: the gradient must add, not overwrite
        return {"kind": kind, "idx": draw(st.lists(st.integers(0, s[0] - 1), min_size=1,
                                                   max_size=4))}
    return {"kind": kind, "mask": draw(st.lists(st.booleans(), min_size=s[0], max_size=s[0]))}


def _index_shape(shapes, p):
    s = shapes[0]
    k = p["kind"]
    if k == "none":
        return None
    if k == "int":
        return s[1:]
    if k == "slice":
        return (len(range(p["start"], s[0], p["step"])),) + s[1:]
    if k == "fancy":
        return (len(p["idx"]),) + s[1:]
    n = sum(p["mask"])
    return (n,) + s[1:] if n else None


def _index_apply(lib, args, p):
    (a,) = args
    k = p["kind"]
    if k == "int":
        return a[p["i"]]
    if k == "slice":
        return a[p["start"]::p["step"]]
    if k == "fancy":
        return a[lib.tensor(p["idx"])]
    return a[lib.tensor(p["mask"])]


def _unsqueeze_params(draw, shapes):
    return {"dim": draw(st.integers(-len(shapes[0]) - 1, len(shapes[0])))}


def _unsqueeze_shape(shapes, p):
    s = list(shapes[0])
    d = p["dim"] % (len(s) + 1)
    return tuple(s[:d] + [1] + s[d:])


def _expand_params(draw, shapes):
    return {"n": draw(st.integers(1, 3))}


def _expand_shape(shapes, p):
    return (p["n"],) + shapes[0]


def _target_params(draw, shapes):
    return {"seed": draw(st.integers(0, 2**16))}


def _targets(p, shape):
    return np.random.default_rng(p["seed"]).uniform(0.0, 1.0, size=shape)


def _ce_shape(shapes, p):
    s = shapes[0]
    return () if len(s) == 2 and s[1] >= 2 else None


def _ce_apply(lib, args, p):
    (a,) = args
    n, c = a.shape
    labels = np.random.default_rng(p["seed"]).integers(0, c, size=n)
    return lib.nn.functional.cross_entropy(a, lib.tensor(labels.tolist()))


def _cat_shape(shapes, p):
    a, b = shapes
    if len(a) == 0 or a[1:] != b[1:]:
        return None
    return (a[0] + b[0],) + a[1:]


def _f(lib):
    return lib.nn.functional


# -- in-place operations, hooks and a user's Function (issue 13) ---------------------------------
# Each works on a fresh non-leaf (``a * 1.0``) so that torch accepts it; what they test is that
# the in-place node, the history of nodes recorded before it, hooks and torch-style custom
# Functions give torch's gradients.


def _into_first(shapes, p):
    a, b = shapes
    return a if broadcast(a, b) == a else None


def _iadd_after_use(lib, a, p):
    t = a[0] * 1.0
    u = t * 3.0          # recorded before the in-place add: must see t's old history
    t += a[1]
    return u + t


def _mul_(lib, a, p):
    t = a[0] * 1.0
    t.mul_(a[1])         # the node needs t's values from before the write
    return t


def _sigmoid_(lib, a, p):
    t = a[0] * 1.0
    t.sigmoid_()
    return t * 2.0


def _setitem(lib, a, p):
    t = a[0] * 1.0
    t[0] = t[-1] * 2.0 + a[0][0]
    return t


def _view_imul(lib, a, p):
    t = a[0] * 1.0
    t[0] *= 3.0          # in place through an index view: the base is rewritten (CopySlices)
    return t


def _hook(lib, a, p):
    t = a[0] * 1.0
    t.register_hook(lambda g: g * 2.0)
    return t


_CUBES = {}


def _cube(lib, a, p):
    if lib not in _CUBES:
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2

        _CUBES[lib] = Cube
    return _CUBES[lib].apply(a[0])


def _nonempty(shapes, p):
    return shapes[0] if shapes[0] else None


OPS = {
    # unary, shape-preserving
    "neg": (1, _same, _no_params, lambda lib, a, p: -a[0]),
    "exp": (1, _same, _no_params, lambda lib, a, p: lib.exp(lib.tanh(a[0]))),
    "tanh": (1, _same, _no_params, lambda lib, a, p: lib.tanh(a[0])),
    "sigmoid": (1, _same, _no_params, lambda lib, a, p: a[0].sigmoid()),
    "relu": (1, _same, _no_params, lambda lib, a, p: lib.relu(a[0])),
    "abs": (1, _same, _no_params, lambda lib, a, p: a[0].abs()),
    "sin": (1, _same, _no_params, lambda lib, a, p: lib.sin(a[0])),
    "cos": (1, _same, _no_params, lambda lib, a, p: a[0].cos()),
    "log": (1, _same, _no_params, lambda lib, a, p: lib.log(a[0].abs() + 0.5)),
    "sqrt": (1, _same, _no_params, lambda lib, a, p: lib.sqrt(a[0] * a[0] + 0.25)),
    "square": (1, _same, _no_params, lambda lib, a, p: a[0] ** 2),
    "cube": (1, _same, _no_params, lambda lib, a, p: lib.pow(a[0], 3)),
    "clamp": (1, _same, _no_params, lambda lib, a, p: a[0].clamp(-0.5, 0.7)),
    "scale": (1, _same, _no_params, lambda lib, a, p: 2.5 * a[0]),
    "rsub": (1, _same, _no_params, lambda lib, a, p: 1.5 - a[0]),
    "rdiv": (1, _same, _no_params, lambda lib, a, p: 2.0 / (a[0] * a[0] + 1)),
    "addc": (1, _same, _no_params, lambda lib, a, p: a[0] + 0.5),
    "softmax": (1, lambda s, p: s[0] if s[0] else None,
                lambda d, s: {"dim": d(st.integers(-len(s[0]), len(s[0]) - 1))} if s[0] else {},
                lambda lib, a, p: lib.softmax(a[0], dim=p["dim"])),
    "log_softmax": (1, lambda s, p: s[0] if s[0] else None,
                    lambda d, s: ({"dim": d(st.integers(-len(s[0]), len(s[0]) - 1))}
                                  if s[0] else {}),
                    lambda lib, a, p: a[0].log_softmax(dim=p["dim"])),
    # reductions
    "sum": (1, _reduced, _dim_params,
            lambda lib, a, p: (a[0].sum() if p["dim"] is None and not p["keepdim"]
                               else a[0].sum(dim=p["dim"] if p["dim"] is not None
                                             else tuple(range(a[0].ndim)),
                                             keepdim=p["keepdim"]))),
    "mean": (1, _needs_dim, lambda d, s: _dim_params(d, s, allow_none=False),
             lambda lib, a, p: a[0].mean(dim=p["dim"], keepdim=p["keepdim"])),
    "max_dim": (1, _needs_dim, lambda d, s: _dim_params(d, s, allow_none=False),
                lambda lib, a, p: a[0].max(dim=p["dim"], keepdim=p["keepdim"])[0]),
    "amax": (1, _needs_dim, lambda d, s: _dim_params(d, s, allow_none=False),
             lambda lib, a, p: lib.amax(a[0], dim=p["dim"], keepdim=p["keepdim"])),
    "min_all": (1, lambda s, p: (), _no_params, lambda lib, a, p: a[0].min()),
    # shapes and indexing
    "transpose": (1, _transpose_shape, _transpose_params,
                  lambda lib, a, p: a[0].transpose(p["d0"], p["d1"])),
    "reshape": (1, lambda s, p: p["shape"], _reshape_params,
                lambda lib, a, p: a[0].reshape(p["shape"])),
    "unsqueeze": (1, _unsqueeze_shape, _unsqueeze_params,
                  lambda lib, a, p: a[0].unsqueeze(p["dim"])),
    "expand": (1, _expand_shape, _expand_params,
               lambda lib, a, p: a[0].expand(p["n"], *a[0].shape)),
    "index": (1, _index_shape, _index_params, _index_apply),
    # binary, broadcasting
    "add": (2, _binary_shape, _no_params, lambda lib, a, p: a[0] + a[1]),
    "sub": (2, _binary_shape, _no_params, lambda lib, a, p: a[0] - a[1]),
    "mul": (2, _binary_shape, _no_params, lambda lib, a, p: a[0] * a[1]),
    "div": (2, _binary_shape, _no_params, lambda lib, a, p: a[0] / (a[1] * a[1] + 1)),
    "pow": (2, _binary_shape, _no_params,
            lambda lib, a, p: (a[0] * a[0] + 0.5) ** lib.tanh(a[1])),
    "maximum": (2, _binary_shape, _no_params, lambda lib, a, p: lib.maximum(a[0], a[1])),
    "minimum": (2, _binary_shape, _no_params, lambda lib, a, p: lib.minimum(a[0], a[1])),
    "matmul": (2, _matmul_shape, _no_params, lambda lib, a, p: a[0] @ a[1]),
    "cat": (2, _cat_shape, _no_params, lambda lib, a, p: lib.cat([a[0], a[1]], dim=0)),
    # the nn.functional losses
    "mse": (2, lambda s, p: () if s[0] == s[1] else None, _no_params,
            lambda lib, a, p: _f(lib).mse_loss(a[0], a[1])),
    "bce_logits": (1, lambda s, p: (), _target_params,
                   lambda lib, a, p: _f(lib).binary_cross_entropy_with_logits(
                       a[0], lib.tensor(_targets(p, tuple(a[0].shape))))),
    "bce": (1, lambda s, p: (), _target_params,
            lambda lib, a, p: _f(lib).binary_cross_entropy(
                lib.sigmoid(a[0]), lib.tensor(_targets(p, tuple(a[0].shape))))),
    "cross_entropy": (1, _ce_shape, _target_params, _ce_apply),
    # in place, hooks, custom Function
    "iadd_after_use": (2, _into_first, _no_params, _iadd_after_use),
    "mul_": (2, _into_first, _no_params, _mul_),
    "sigmoid_": (1, _same, _no_params, _sigmoid_),
    "setitem": (1, _nonempty, _no_params, _setitem),
    "view_imul": (1, _nonempty, _no_params, _view_imul),
    "hook": (1, _same, _no_params, _hook),
    "cube_function": (1, _same, _no_params, _cube),
}

COMMON = ["add", "mul", "sub"]

MODES = ["backward", "accumulate", "grad", "create_graph", "vector", "retain_grad"]


@dataclass
class Program:
    leaves: list  # shapes
    instrs: list = field(default_factory=list)  # (op, operand indices, params)
    outputs: list = field(default_factory=list)  # indices of the values summed into the loss
    mode: str = "backward"
    seed: int = 0  # leaf values (and weights) come from this seed

    def source(self):
        """The program as Python, for failure messages and regression tests."""
        names = [f"x{i}" for i in range(len(self.leaves))]
        lines = [f"# leaves: {', '.join(f'{n}{s}' for n, s in zip(names, self.leaves))}; "
                 f"mode={self.mode}, seed={self.seed}"]
        for k, (op, args, params) in enumerate(self.instrs):
            name = f"v{k}"
            lines.append(f"{name} = {op}({', '.join(names[i] for i in args)}"
                         + (f", {params}" if params else "") + ")")
            names.append(name)
        lines.append("loss = " + " + ".join(f"w{k}*{names[i]}.sum()"
                                           for k, i in enumerate(self.outputs)))
        return "\n".join(lines)

    def __repr__(self):
        return (f"Program(leaves={self.leaves!r}, instrs={self.instrs!r}, "
                f"outputs={self.outputs!r}, mode={self.mode!r}, seed={self.seed!r})")


@st.composite
def programs(draw, ops=None, modes=None, max_leaves=3, max_instrs=8):
    """A random program: leaves, then instructions drawing operands from the whole pool."""
    ops = sorted(ops or OPS)
    # the everyday operators more often: most real graphs are mostly + and *
    ops += [op for op in COMMON if op in ops] * 8
    modes = modes or MODES
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = [draw(st.sampled_from(LEAF_SHAPES)) for _ in range(n_leaves)]
    shapes = list(leaves)
    prog = Program(leaves=leaves)
    n_instrs = draw(st.integers(1, max_instrs))
    attempts = 0
    while len(prog.instrs) < n_instrs and attempts < 4 * n_instrs:
        attempts += 1
        op = draw(st.sampled_from(ops))
        arity, shape_fn, params_fn, _ = OPS[op]
        # operands: a leaf half of the time (leaves used many times), else any value so far
        pick = st.one_of(st.integers(0, n_leaves - 1), st.integers(0, len(shapes) - 1))
        first = draw(pick)
        args = [first]
        if arity == 2:
            # often the same value twice: x + x, x * x, maximum(x, x) ...
            second = first if draw(st.integers(0, 2)) == 0 else draw(pick)
            args.append(second)
        arg_shapes = [shapes[i] for i in args]
        params = params_fn(draw, arg_shapes)
        try:
            out = shape_fn(arg_shapes, params)
        except (KeyError, IndexError, ZeroDivisionError):
            out = None
        if out is None or int(np.prod(out, dtype=int)) == 0 or len(out) > 4:
            continue
        prog.instrs.append((op, tuple(args), params))
        shapes.append(tuple(out))
    if not prog.instrs:
        prog.instrs.append(("add", (0, 0), {}))
        shapes.append(shapes[0])
    # the loss sums every value no instruction consumed (so no instruction is dead code),
    # the last one first, and sometimes a value that was consumed too
    last = len(shapes) - 1
    used = {i for _, args, _ in prog.instrs for i in args}
    sinks = [i for i in range(len(leaves), last) if i not in used]
    extra = draw(st.lists(st.integers(0, last), max_size=2))
    prog.outputs = [last] + sinks + extra
    prog.mode = draw(st.sampled_from(modes))
    prog.seed = draw(st.integers(0, 2**31 - 1))
    return prog


# -- running one program --------------------------------------------------------------------


def leaf_values(prog):
    rng = np.random.default_rng(prog.seed)
    xs = [rng.uniform(-1.5, 1.5, size=s) for s in prog.leaves]
    weights = rng.uniform(0.5, 1.5, size=len(prog.outputs))
    return xs, weights, rng


def forward(lib, prog, leaves):
    """All values of the program (leaves first) and the scalar loss."""
    pool = list(leaves)
    for op, args, params in prog.instrs:
        pool.append(OPS[op][3](lib, [pool[i] for i in args], params))
    _, weights, _ = leaf_values(prog)
    loss = None
    for w, i in zip(weights, prog.outputs):
        term = float(w) * pool[i].sum()
        loss = term if loss is None else loss + term
    return pool, loss


def _np(t):
    if t is None:
        return None
    if getattr(t, "_is_zerotensor", lambda: False)():  # torch's lazily-zero tensors
        return np.zeros(tuple(t.shape))
    return np.array(t.detach().tolist(), dtype=np.float64)


def run(lib, prog):
    """Run ``prog`` in ``lib`` (mygrad or torch); return a dict name -> float64 array or None.

    Besides the gradients, the dict holds every forward value, and — the ownership property —
    what each leaf's ``.grad`` and every forward value read after the *other* leaves' ``.grad``
    were zeroed in place: an array shared between two ``.grad`` (or between a ``.grad`` and a
    value the graph still holds) shows up there.
    """
    xs, weights, rng = leaf_values(prog)
    leaves = [lib.tensor(x, dtype=lib.float64, requires_grad=True) for x in xs]
    out = {}
    mode = prog.mode
    if mode == "accumulate":  # leaves already hold a gradient from an earlier step
        for k, (t, x) in enumerate(zip(leaves, xs)):
            t.grad = lib.tensor(np.full(x.shape, 0.25 * (k + 1)), dtype=lib.float64)
    pool, loss = forward(lib, prog, leaves)
    out["loss"] = _np(loss)
    inter = pool[len(leaves):]
    if mode == "retain_grad":
        for v in inter:
            if v.requires_grad:
                v.retain_grad()
    if mode in ("backward", "retain_grad"):
        loss.backward()
    elif mode == "accumulate":
        loss.backward(retain_graph=True)
        loss.backward()
    elif mode == "vector":
        root = pool[prog.outputs[0]]
        v = rng.uniform(-1.0, 1.0, size=tuple(root.shape))
        root.backward(gradient=lib.tensor(v, dtype=lib.float64))
    elif mode == "grad":
        # several outputs and several inputs, intermediates among them
        outs = [loss, pool[prog.outputs[0]]]
        gouts = [lib.tensor(1.0, dtype=lib.float64),
                 lib.tensor(rng.uniform(-1.0, 1.0, size=tuple(outs[1].shape)), dtype=lib.float64)]
        wrt = leaves + [v for v in inter if v.requires_grad][:3]
        gs = lib.autograd.grad(outs, wrt, grad_outputs=gouts, allow_unused=True)
        for k, g in enumerate(gs):
            out[f"grad[{k}]"] = _np(g)
    elif mode == "create_graph":
        gs = lib.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
        second = None
        for g, x in zip(gs, xs):
            # drawn for every leaf: whether g requires grad may differ between the libraries
            c = lib.tensor(rng.uniform(-1.0, 1.0, size=x.shape), dtype=lib.float64)
            if g is not None and g.requires_grad:
                term = (g * c).sum() + (g * g).sum()
                second = term if second is None else second + term
        for k, g in enumerate(gs):
            out[f"d1[{k}]"] = _np(g)
        if second is not None:
            second.backward()
    for k, t in enumerate(leaves):
        out[f"x{k}.grad"] = _np(t.grad)
    if mode == "retain_grad":
        for k, v in enumerate(inter):
            if v.requires_grad:
                out[f"v{k}.grad"] = _np(v.grad)
    for k, v in enumerate(inter):
        out[f"v{k}"] = _np(v)
    # ownership: zero each .grad in place, then read everything again
    grads = [t.grad for t in leaves]
    for k, g in enumerate(grads):
        if g is None or mode == "create_graph":  # there .grad holds graph-carrying tensors
            continue
        g.zero_()
        for j, other in enumerate(grads):
            if j != k and other is not None:
                out[f"x{j}.grad after zeroing x{k}.grad"] = _np(other)
                grads[j] = other
        for j, v in enumerate(inter):
            out[f"v{j} after zeroing x{k}.grad"] = _np(v)
        break  # one leaf zeroed is enough; the others have been read
    return out


def compare(prog, got, want, rtol=1e-7, atol=1e-9):
    """Raise AssertionError naming the first value that differs (with the program).

    One allowance: after ``create_graph``, a leaf's *second-order* gradient may be None in one
    library and all zeros in the other. Which it is depends on whether the double-backward
    graph happens to pass through the leaf with a zero derivative (torch records ``relu``'s
    mask as a function of x, mygrad as a constant); the numbers are the same.
    """
    for key in want:
        a, b = got.get(key, "missing"), want[key]
        if prog.mode == "create_graph" and key.endswith(".grad") and (a is None) != (b is None):
            present = a if b is None else b
            if not isinstance(present, str) and not np.any(present):
                continue
        if b is None or (isinstance(a, str)):
            if a is not None:
                raise AssertionError(f"{key}: mygrad {_short(a)} but torch None\n{prog.source()}"
                                     f"\n{prog!r}")
            continue
        if a is None:
            raise AssertionError(f"{key}: mygrad None but torch {_short(b)}\n{prog.source()}"
                                 f"\n{prog!r}")
        if a.shape != b.shape:
            raise AssertionError(f"{key}: shape {a.shape} vs torch {b.shape}\n{prog.source()}"
                                 f"\n{prog!r}")
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        if not np.allclose(a, b, rtol=rtol, atol=atol * scale, equal_nan=True):
            i = np.unravel_index(int(np.argmax(np.abs(a - b))), a.shape) if a.ndim else ()
            raise AssertionError(f"{key} differs at {i}: mygrad {a[i]!r} vs torch {b[i]!r}\n"
                                 f"{prog.source()}\n{prog!r}")


def _short(a):
    return np.array2string(np.asarray(a), precision=4) if not isinstance(a, str) else a


def finite(result):
    return all(v is None or np.all(np.isfinite(v)) for v in result.values())


# -- scalar programs: mygrad.Value, 0-d mygrad Tensors and torch on the same DAG ---------------
# Written with Python operators and methods that Value, Tensor and torch.Tensor all have, so
# one interpreter serves the three.

SCALAR_OPS = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (b * b + 1)),
    "radd": (1, lambda a: 2.5 + a),
    "rsub": (1, lambda a: 1.5 - a),
    "rmul": (1, lambda a: -1.5 * a),
    "rdiv": (1, lambda a: 3.0 / (a * a + 1)),
    "neg": (1, lambda a: -a),
    "square": (1, lambda a: a ** 2),
    "cube": (1, lambda a: a ** 3),
    "sqrt": (1, lambda a: (a * a + 0.25) ** 0.5),
    "exp": (1, lambda a: a.tanh().exp()),
    "log": (1, lambda a: (a * a + 0.5).log()),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "relu": (1, lambda a: a.relu()),
}


@dataclass
class ScalarProgram:
    n_leaves: int
    instrs: list = field(default_factory=list)  # (op, operand indices)
    outputs: list = field(default_factory=list)
    seed: int = 0

    def source(self):
        names = [f"x{i}" for i in range(self.n_leaves)]
        lines = [f"# {self.n_leaves} scalar leaves, seed={self.seed}"]
        for k, (op, args) in enumerate(self.instrs):
            lines.append(f"v{k} = {op}({', '.join(names[i] for i in args)})")
            names.append(f"v{k}")
        lines.append("out = " + " + ".join(names[i] for i in self.outputs))
        return "\n".join(lines)


@st.composite
def scalar_programs(draw, max_leaves=3, max_instrs=10):
    n = draw(st.integers(1, max_leaves))
    prog = ScalarProgram(n_leaves=n)
    size = n
    for _ in range(draw(st.integers(1, max_instrs))):
        op = draw(st.sampled_from(sorted(SCALAR_OPS)))
        first = draw(st.integers(0, size - 1))
        args = [first]
        if SCALAR_OPS[op][0] == 2:
            args.append(first if draw(st.booleans()) else draw(st.integers(0, size - 1)))
        prog.instrs.append((op, tuple(args)))
        size += 1
    prog.outputs = [size - 1] + draw(st.lists(st.integers(0, size - 1), max_size=3))
    prog.seed = draw(st.integers(0, 2**31 - 1))
    return prog


def run_scalar(kind, prog):
    """``kind``: "value" (mygrad.Value), "tensor" (0-d mygrad Tensors) or "torch"."""
    import mygrad

    xs = np.random.default_rng(prog.seed).uniform(-1.5, 1.5, size=prog.n_leaves)
    if kind == "value":
        leaves = [mygrad.Value(float(x)) for x in xs]
    else:
        lib = mygrad if kind == "tensor" else __import__("torch")
        leaves = [lib.tensor(float(x), dtype=lib.float64, requires_grad=True) for x in xs]
    pool = list(leaves)
    for op, args in prog.instrs:
        pool.append(SCALAR_OPS[op][1](*[pool[i] for i in args]))
    out = pool[prog.outputs[0]]
    for i in prog.outputs[1:]:
        out = out + pool[i]
    out.backward()
    if kind == "value":
        return {"out": float(out.data), **{f"x{k}.grad": float(t.grad)
                                            for k, t in enumerate(leaves)}}
    return {"out": float(out.item()), **{f"x{k}.grad": (0.0 if t.grad is None else
                                                        float(t.grad.item()))
                                          for k, t in enumerate(leaves)}}
