"""A realistic partly correct ex06 submission for the end-to-end grader tests.

``make(solution_nb)`` returns the submission; ``EXPECTED`` is the score per check cell.

The student:
- 問1 (SimpleGraph.forward): correct -> 10 / 10;
- 問2 (sq_loss): returns the *mean* squared error instead of the element-wise one, so the
  shape is () instead of (n,) -> 0 / 10;
- 問3 (train): forgets ``optimizer.zero_grad()``, so gradients pile up from the second epoch on
  and the loss record, w and b all drift from torch's -> 0 / 15;
- 問4-1 (GradientDescent): correct -> 10 / 10;
- 問4-2 (Momentum): uses the dampened "exponential moving average" velocity
  v <- mu*v + (1-mu)*g, which is not torch's rule -> 0 / 10;
- 問4-3 (Adam): leaves out the bias correction -> 0 / 10;
- 問5 (fit_sine): correct -> 15 / 15;
- 問6 (make_moons): not attempted, the stub still raises -> 0 / 20.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex06_simple_graph_check": 10.0,
    "ex06_sq_loss_check": 0.0,
    "ex06_train_check": 0.0,
    "ex06_gd_check": 10.0,
    "ex06_momentum_check": 0.0,
    "ex06_adam_check": 0.0,
    "ex06_fit_sine_check": 15.0,
    "ex06_moons_check": 0.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 35.0 of 100
MAX_AUTO = 100.0

CELLS = {
    "ex06_sq_loss": '''def sq_loss(y_true, y_prediction):
    return ((y_true - y_prediction) ** 2).mean()
''',
    "ex06_train": '''def train(features, labels, model, loss_fun, optimizer, n_epochs):
    loss_record = []
    for _ in range(n_epochs):
        predictions = model(features)
        loss = loss_fun(predictions, labels)
        loss.backward()
        optimizer.step()
        loss_record.append(loss.item())
    return loss_record
''',
    "ex06_momentum": '''class Momentum(OptimizerBase):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.velocity = [mygrad.zeros_like(p.data) for p in self.params]

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            self.velocity[i] = self.momentum * self.velocity[i] + (1 - self.momentum) * p.grad.data
            p.data = p.data - self.lr * self.velocity[i]
''',
    "ex06_adam": '''class Adam(OptimizerBase):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [mygrad.zeros_like(p.data) for p in self.params]
        self.v = [mygrad.zeros_like(p.data) for p in self.params]

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad.data
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
            p.data = p.data - self.lr * self.m[i] / (mygrad.sqrt(self.v[i]) + self.eps)
''',
    "ex06_moons": '''def train_moons_classifier(X_train, y_train):
    # YOUR CODE HERE
    raise NotImplementedError()
''',
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
