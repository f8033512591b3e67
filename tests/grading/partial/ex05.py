"""A realistic partly correct ex05 submission for the end-to-end grader tests.

``make(solution_nb)`` takes the instructor's source notebook (nbformat dict) and returns the
submission; ``EXPECTED`` is the score per check cell, ``EXPECTED_TOTAL`` their sum (all 100
points of ex05 are autograded). A Function task has, per hidden case, one check for the output
and one per input gradient; a case whose probe raises fails all its checks.

The student:
- 問1 unbroadcast: sums only the added leading axes, forgets the size-1 axes; of the five
  hidden cases (to a scalar, nothing to undo, leading axes only, size-1 axes only, both) the
  first three pass -> 3/5 of 15 = 9;
- 問2 Mul, 問3 MatMul: correct -> 10 + 15;
- 問4 Sum: always re-inserts the reduced axis, also when keepdim=True, so broadcast_to raises
  for the two keepdim=True cases; the dim=None case and the two keepdim=False cases pass
  -> 6/10 of 15 = 9;
- 問5-1 Exp, 問5-2 Log, 問5-4 ReLU: correct -> 5 + 5 + 5;
- 問5-3 Sigmoid: backward uses the saved input, x(1 - x), instead of y(1 - y); outputs pass,
  gradients fail -> 3/6 of 5 = 2.5;
- 問6 LogSoftmax: does not subtract the maximum; right on ordinary inputs, -inf / wrong
  gradients on the hidden case with entries near 800 -> 4/6 of 15 = 10;
- 問7 CrossEntropy: forgets to multiply by the upstream gradient (the hidden upstream is never
  1); the three losses pass, the three gradients fail -> 3/6 of 10 = 5.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex05_unbroadcast_check": 9.0,
    "ex05_mul_check": 10.0,
    "ex05_matmul_check": 15.0,
    "ex05_sum_check": 9.0,
    "ex05_exp_check": 5.0,
    "ex05_log_check": 5.0,
    "ex05_sigmoid_check": 2.5,
    "ex05_relu_check": 5.0,
    "ex05_log_softmax_check": 10.0,
    "ex05_cross_entropy_check": 5.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 75.5 of 100
MAX_AUTO = 100.0

CELLS = {
    "ex05_unbroadcast": '''def unbroadcast(grad, shape):
    lead = grad.ndim - len(shape)
    return grad.sum(axis=tuple(range(lead)))
''',
    "ex05_sum": '''class Sum(Function):
    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.shape, ctx.dim = x.shape, dim
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        g = grad if ctx.dim is None else np.expand_dims(grad, ctx.dim)
        return np.broadcast_to(g, ctx.shape), None, None
''',
    "ex05_sigmoid": '''class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 1.0 / (1.0 + np.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x * (1.0 - x)
''',
    "ex05_log_softmax": '''class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        y = x - np.log(np.exp(x).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - np.exp(y) * grad.sum(axis=ctx.dim, keepdims=True), None
''',
    "ex05_cross_entropy": '''class CrossEntropy(Function):
    @staticmethod
    def forward(ctx, logits, target):
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        ctx.save_for_backward(p)
        ctx.target = target
        return -np.log(p[np.arange(n), target]).mean()

    @staticmethod
    def backward(ctx, grad):
        (p,) = ctx.saved_tensors
        n = p.shape[0]
        g = p.copy()
        g[np.arange(n), ctx.target] -= 1.0
        return g / n, None
''',
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
