"""The differential fuzzer: random expression DAGs in mygrad and torch, every gradient compared.

Hypothesis draws programs over the whole op set (tests/fuzz/programs.py) with deliberate reuse
of leaves and intermediates, and six ways to take the gradient (backward, accumulation over two
calls onto an existing .grad, autograd.grad with several outputs and inputs, create_graph
second derivatives, backward(gradient=v), retain_grad). The same fuzzer runs scalar DAGs on
mygrad.Value and 0-d Tensors.

CI runs MYGRAD_FUZZ_EXAMPLES programs per mode (default 500, so 3,000 tensor programs and 1,500
scalar ones). The long mode runs far more, with a seed you can quote:

    MYGRAD_FUZZ_EXAMPLES=50000 python -m pytest -m fuzz --hypothesis-seed=12345 -n 2

The fuzzer is shown able to fail: the injection tests below put known gradient bugs back into
the engine (the x + x + x aliasing, the classic tanh slip, a wrong unbroadcast) and assert that
the fuzzer finds each within the CI budget. Shrunk counterexamples are kept at the end of this
file as regression tests.
"""

import os

import numpy as np
import pytest
import torch
from fuzz.programs import (  # noqa: I001 (tests/ is on sys.path)
    MODES,
    OPS,
    Program,
    compare,
    finite,
    programs,
    run,
    run_scalar,
    scalar_programs,
)
from hypothesis import HealthCheck, assume, find, given, settings

import mygrad
from mygrad._ops import elementwise
from mygrad.autograd import engine

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("MYGRAD_FUZZ_EXAMPLES", "500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def disagreement(prog):
    """None when mygrad and torch agree on ``prog``, else the AssertionError's text."""
    want = run(torch, prog)
    if not finite(want):
        return None
    try:
        got = run(mygrad, prog)
        compare(prog, got, want)
    except AssertionError as e:
        return str(e)
    return None


def _mode_test(mode):
    @FUZZ
    @given(prog=programs(modes=[mode]))
    def test(prog):
        want = run(torch, prog)
        assume(finite(want))
        compare(prog, run(mygrad, prog), want)

    return test


test_fuzz_backward = _mode_test("backward")
test_fuzz_accumulate_onto_existing_grad = _mode_test("accumulate")
test_fuzz_autograd_grad_several_outputs_and_inputs = _mode_test("grad")
test_fuzz_create_graph_second_derivatives = _mode_test("create_graph")
test_fuzz_backward_with_gradient_vector = _mode_test("vector")
test_fuzz_retain_grad_on_intermediates = _mode_test("retain_grad")


@settings(FUZZ, max_examples=max(20, EXAMPLES // 5))
@given(prog=programs(max_leaves=4, max_instrs=40))
def test_fuzz_long_programs_in_every_mode(prog):
    """Longer chains (up to 40 ops) with more reuse, every gradient mode."""
    want = run(torch, prog)
    assume(finite(want))
    compare(prog, run(mygrad, prog), want)


@FUZZ
@given(prog=scalar_programs())
def test_fuzz_value_and_tensor_match_torch_on_scalar_dags(prog):
    want = run_scalar("torch", prog)
    assume(all(np.isfinite(v) for v in want.values()))
    for kind in ("value", "tensor"):
        got = run_scalar(kind, prog)
        for key, w in want.items():
            assert np.isclose(got[key], w, rtol=1e-9, atol=1e-12), (
                f"{kind}: {key} = {got[key]!r}, torch {w!r}\n{prog.source()}")


def test_every_op_of_the_table_is_drawn():
    """The op table is what the fuzzer covers: each op must be reachable from real shapes."""
    seen = set()

    def record(p):
        seen.update(op for op, _, _ in p.instrs)
        return len(seen) == len(OPS)

    find(programs(modes=["backward"], max_instrs=12), record,
         settings=settings(max_examples=3000, database=None, deadline=None,
                           suppress_health_check=list(HealthCheck)))
    assert seen == set(OPS)


# -- the fuzzer can fail: known bugs injected into the engine --------------------------------

BUDGET = settings(max_examples=min(EXAMPLES, 500), database=None, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))


def _found(modes=("backward", "accumulate", "grad")):
    """The shrunk program on which mygrad and torch disagree (fails the test if none)."""
    return find(programs(modes=list(modes)), lambda p: disagreement(p) is not None,
                settings=BUDGET)


def test_fuzzer_finds_the_x_plus_x_plus_x_aliasing(monkeypatch):
    # the engine before the fix: a leaf took any array a built-in backward returned
    monkeypatch.setattr(engine, "_fresh", lambda fn, gi, g, gin: True)
    prog = _found()
    assert "differs" in disagreement(prog)
    assert len(prog.instrs) <= 3, prog.source()


def test_fuzzer_finds_a_wrong_local_derivative(monkeypatch):
    # the classic slip: tanh' written as 1 - x^2 instead of 1 - tanh(x)^2
    def slipped(ctx, grad):
        (y,) = ctx.saved_tensors
        x = np.arctanh(np.clip(y, -0.999999, 0.999999))
        return grad * (1 - x * x)

    monkeypatch.setattr(elementwise.Tanh, "backward", staticmethod(slipped))
    prog = _found(modes=("backward",))
    assert any(op in ("tanh", "exp", "pow") for op, _, _ in prog.instrs), prog.source()


def test_fuzzer_finds_a_wrong_unbroadcast(monkeypatch):
    # mean instead of sum over the broadcast axes
    right = engine.unbroadcast

    def wrong(grad, shape):
        out = right(grad, shape)
        n = max(1, int(np.prod(grad.shape)) // max(1, int(np.prod(shape))))
        return out / n

    monkeypatch.setattr(engine, "unbroadcast", wrong)
    _found()


def test_fuzzer_finds_a_lost_accumulation(monkeypatch):
    # the second backward call overwrites .grad instead of adding to it
    def overwrite(t, g, create_graph, copy=False):
        t._grad = None
        return right(t, g, create_graph, copy)

    right = engine._accumulate
    monkeypatch.setattr(engine, "_accumulate", overwrite)
    _found(modes=("accumulate",))


# -- regressions: the reported programs and the fuzzer's shrunk counterexamples ----------------

DTYPES = [(mygrad.float32, torch.float32, 1e-5), (mygrad.float64, torch.float64, 1e-12)]
SHAPES = [(), (3,), (2, 3)]


def _both(fn, shapes, dtype):
    mdt, tdt, tol = dtype
    rng = np.random.default_rng(len(shapes))
    xs = [rng.uniform(-1.5, 1.5, size=s) for s in shapes]
    out = []
    for lib, dt in ((mygrad, mdt), (torch, tdt)):
        ts = [lib.tensor(x, dtype=dt, requires_grad=True) for x in xs]
        fn(lib, *ts).sum().backward()
        out.append([None if t.grad is None else np.array(t.grad.tolist()) for t in ts])
    for k, (a, b) in enumerate(zip(*out)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"leaf {k}")


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn, n", [
    (lambda lib, x: x + x + x, 1),
    (lambda lib, x: x + x + x + x, 1),
    (lambda lib, x: x * x + x + x, 1),
    (lambda lib, x, w: x * w + x + x, 2),
    (lambda lib, x: (lib.tanh(x) + x) + lib.exp(x) + x, 1),
    (lambda lib, x: x + (x + (x + x)), 1),
    (lambda lib, x, y: (x + y) + (x + y) + x, 2),
    (lambda lib, x: x.cos() + (x + x) + x, 1),
    (lambda lib, x: (x - x) + x + x, 1),
    (lambda lib, x: (x + x).reshape(-1) + x.reshape(-1), 1),
], ids=["x+x+x", "x+x+x+x", "x*x+x+x", "x*w+x+x", "tanh+exp", "nested", "two-leaf-diamond",
        "cos-add", "sub-self", "reshape"])
def test_reported_aliasing_programs(fn, n, shape, dtype):
    _both(fn, [shape] * n, dtype)


def test_grads_of_two_leaves_are_never_one_array():
    x = mygrad.tensor([1.0, 2.0], requires_grad=True)
    y = mygrad.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0]
    # the same under create_graph, and for autograd.grad's results
    x.grad = y.grad = None
    (x + y).sum().backward(create_graph=True)
    assert x.grad is not y.grad
    gx, gy = mygrad.autograd.grad((x + y).sum(), [x, y])
    gx.zero_()
    assert gy.tolist() == [1.0, 1.0]


SHRUNK = [
    # found by the fuzzer on the engine before the fix (mode backward): cos + add + add
    Program(leaves=[(2, 1)], instrs=[("cos", (0,), {}), ("add", (0, 0), {}),
                                     ("add", (0, 2), {})], outputs=[3], mode="backward"),
    # the fuzzer's own harness bug, kept: second derivatives through relu, amax and bce
    Program(leaves=[(2,), (2,)], instrs=[("bce", (1,), {"seed": 1653}),
                                         ("amax", (1,), {"dim": 0, "keepdim": False}),
                                         ("relu", (0,), {})],
            outputs=[4, 3, 2], mode="create_graph", seed=4),
    # found while adding in-place ops (issue 13): sigmoid_'s saved output mapped to its input
    # under create_graph; and autograd.grad returned a non-leaf's gradient after its hook
    Program(leaves=[(3,), ()], instrs=[("sigmoid_", (0,), {})], outputs=[2],
            mode="create_graph", seed=0),
    Program(leaves=[()], instrs=[("hook", (0,), {})], outputs=[1], mode="grad", seed=0),
]


@pytest.mark.parametrize("prog", SHRUNK, ids=lambda p: p.mode)
@pytest.mark.parametrize("mode", ["same", *MODES])
def test_shrunk_counterexamples(prog, mode):
    if mode != "same":
        prog = Program(prog.leaves, prog.instrs, prog.outputs, mode, prog.seed)
    assert disagreement(prog) is None
