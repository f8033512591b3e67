"""A realistic partly correct ex04 submission for the end-to-end grader tests.

``make(solution_nb)`` takes the instructor's source notebook (nbformat dict) and returns the
submission; ``EXPECTED`` is the score per check cell, ``EXPECTED_TOTAL`` their sum (all 100
points of ex04 are autograded). A node task (問1〜問5) has 5 checks: the direct one-node case
(output value; input grads) and three random expression graphs (value and input gradients as
one list). The hidden graphs are drawn so that every node of the task's kind has a non-zero
gradient, so a wrong local gradient always shows.

The student:
- 問1 __mul__: correct -> 15;
- 問2 __pow__: precedence slip ``k * self.data ** k - 1`` for k x^(k-1); only the direct
  case's output value is right -> 1/5 of 15 = 3;
- 問3 exp: not attempted (the stub still raises NotImplementedError) -> 0;
- 問4 tanh: local gradient from the input, 1 - x^2 instead of 1 - y^2 -> 1/5 of 10 = 2;
- 問5 relu: correct -> 10;
- 問6 backward: the recursive topological sort of lecture 5 section 3: every small graph is
  right (問6-1 -> 25) but the 10^4-deep chain raises RecursionError (問6-2 -> 0).
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex04_mul_check": 15.0,
    "ex04_pow_check": 3.0,
    "ex04_exp_check": 0.0,
    "ex04_tanh_check": 2.0,
    "ex04_relu_check": 10.0,
    "ex04_backward_check": 25.0,
    "ex04_deep_check": 0.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 55.0 of 100
MAX_AUTO = 100.0

CELLS = {
    "ex04_pow": '''@add_to(Value)
def __pow__(self, k):
    assert isinstance(k, (int, float)), "指数は定数（int か float）だけ扱います"
    out = Value(self.data ** k, (self,), f"**{k}")

    def _backward(out):
        self.grad += k * self.data ** k - 1 * out.grad
    out._backward = _backward
    return out
''',
    "ex04_exp": '''@add_to(Value)
def exp(self):
    # YOUR CODE HERE
    raise NotImplementedError("ex04 問3 指数関数 `exp`: まだ実装されていません")
''',
    "ex04_tanh": '''@add_to(Value)
def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward(out):
        self.grad += (1 - self.data ** 2) * out.grad
    out._backward = _backward
    return out
''',
    "ex04_backward": '''@add_to(Value)
def backward(self):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)
    visit(self)
    self.grad = 1.0
    for node in reversed(order):
        if node._backward is not None:
            node._backward(node)
''',
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
