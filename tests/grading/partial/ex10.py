"""A realistic partly correct ex10 submission for the end-to-end grader tests.

The student:
- 問1: correct -> 10;
- 問2: calls f.backward() and returns x.grad instead of torch.autograd.grad: the gradient is
  right, but x.grad is written, and the task is all-or-nothing -> 0 / 10;
- 問3: correct -> 10;
- 問4: forgets y.detach(): L, x.grad and the updated x are right, but y.grad is written, so
  the "gradient flows only to x" check fails in both cases -> 6/8 of 10 = 7.5;
- 問5-1: correct -> 10;
- 問5-2: tanh's backward rule computes 1 - tanh² as a float: every value and first derivative
  is right, the second derivatives through tanh are not (the tanh case's ∂²f/∂x² and the mixed
  case's ∂²f/∂x²; the mixed ∂²f/∂x∂y has no tanh in it) -> 11/13 of 15 = 12.69;
- 問5-3: never switches the grad mode, so create_graph=False still records the gradients:
  only that one check fails, 15 of 16 pass -> 18.75;
- 問5-4: not attempted (the stub still raises NotImplementedError) -> 0 / 15.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex10_accumulate_check": 10.0,
    "ex10_autograd_grad_check": 0.0,
    "ex10_vjp_check": 10.0,
    "ex10_detach_check": 7.5,
    "ex10_grad_mode_check": 10.0,
    "ex10_rules_check": 12.69,
    "ex10_backward_check": 18.75,
    "ex10_derivatives_check": 0.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 68.94 of 100
MAX_AUTO = 100.0

CELLS = {
    "ex10_autograd_grad": '''def grad_by_autograd(x):
    f = torch.log(1 + (x ** 2).sum())
    f.backward()
    return x.grad
''',
    "ex10_detach": '''def pull_toward_target(x, y, lr):
    loss = ((x - y) ** 2).sum()
    loss.backward()
    with torch.no_grad():
        x -= lr * x.grad
    return loss.item()
''',
    "ex10_tanh": '''def tanh(a):
    t = math.tanh(a.data)
    return new_value(t, (a,), lambda g: (g * (1 - t ** 2),))
''',
    "ex10_backward": '''def backward(y, create_graph=False):
    order, seen, stack = [], set(), [(y, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    grads = {id(y): Value(1.0)}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if not node.parents:
            node.grad = g if node.grad is None else node.grad + g
            continue
        for parent, gp in zip(node.parents, node.backward_fn(g)):
            grads[id(parent)] = gp if id(parent) not in grads else grads[id(parent)] + gp
''',
    "ex10_derivatives": '''def derivatives(f, x0, n):
    # YOUR CODE HERE
    raise NotImplementedError()
''',
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
