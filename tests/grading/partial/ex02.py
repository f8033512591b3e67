"""A realistic partly correct ex02 submission for the end-to-end grader tests.

``make(solution_nb)`` takes the instructor's source notebook (nbformat dict) and returns the
submission; ``EXPECTED`` is the score per check cell, ``EXPECTED_TOTAL`` their sum (autograded
points only: 問6-2, 5 points, is graded by hand and stays ungraded here).

The student:
- 問1, 問2: correct (15 + 20);
- 問3-1: the sign slip of one seed slide (differentiates x^2 - e^(-x): 2x + e^(-x)) -> 0 / 10;
- 問3-2: so gradient descent heads the wrong way and x_min1 is wrong -> 0 / 5;
- 問4-1: not attempted (the stub still raises NotImplementedError) -> 0 / 10;
- 問4-2: finds the minimum anyway by a fine grid search -> 10 / 10;
- 問5: a forward difference instead of the central one: both gradient values fail the
  tolerances (every f''_ii >= 0.5 by construction of the hidden functions), only the
  "x unchanged" check passes -> 1/5 of 20 = 4;
- 問6-1: reads off the forward-difference optimum (1e-8) -> 0 / 5.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex02_fun_dz_check": 15.0,
    "ex02_gd_check": 20.0,
    "ex02_df1_check": 0.0,
    "ex02_xmin1_check": 0.0,
    "ex02_d_difficult_check": 0.0,
    "ex02_xmin2_check": 10.0,
    "ex02_numgrad_check": 4.0,
    "ex02_h_best_check": 0.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 49.0 of 95 autograded points
MAX_AUTO = 95.0

CELLS = {
    "ex02_df1": '''def df1(x):
    """f(x) = x^2 + e^(-x) の導関数。x は float または numpy 配列。"""
    return 2 * x + np.exp(-x)
''',
    "ex02_xmin1": '''x_min1 = None   # 最小点 (float) をここに入れます
path1 = gradient_descent(f1, df1, 3.0, lr=0.1, steps=20)
x_min1 = float(path1[-1, 0])
print("x_min1 =", x_min1, " f(x_min1) =", f1(x_min1), " f'(x_min1) =", df1(x_min1))
''',
    "ex02_d_difficult": '''def d_difficult(x):
    """「難しい関数」の導関数 g'(x)。x は float または numpy 配列。"""
    # YOUR CODE HERE
    raise NotImplementedError()
''',
    "ex02_xmin2": '''x_min2 = None   # 最小点 (float) をここに入れます
xs_fine = np.linspace(-5, 5, 200001)
x_min2 = float(xs_fine[np.argmin(difficult(xs_fine))])
print("x_min2 =", x_min2, " g(x_min2) =", difficult(x_min2))
''',
    "ex02_numgrad": '''def numerical_gradient(f, x, h=1e-5):
    """中心差分による f の勾配の近似。x と同じ形の float 配列を返す。"""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad
''',
    "ex02_h_best": '''h_best = None   # 選んだ h (float) をここに入れます
h_best = 1e-8
print("h_best =", h_best)
''',
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
