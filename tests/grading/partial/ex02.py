"""A realistic partly correct ex02 submission for the end-to-end grader tests.

``make(solution_nb)`` takes the instructor's source notebook (nbformat dict) and returns the
submission; ``EXPECTED`` is the score per check cell, ``EXPECTED_TOTAL`` their sum.

The student:
- 問1, 問2: correct (20 + 30);
- 問3-1: the sign slip of one seed slide (differentiates x^2 - e^(-x): 2x + e^(-x)) -> 0 / 12;
- 問3-2: so gradient descent heads the wrong way and x_min1 is wrong -> 0 / 8;
- 問4-1: not attempted (the stub still raises NotImplementedError) -> 0 / 15;
- 問4-2: finds the minimum anyway by a fine grid search -> 15 / 15.
(The central differences and the choice of h that were ex02 問5-6 are ex07 問1 and 問3 now.)
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex02_fun_dz_check": 20.0,
    "ex02_gd_check": 30.0,
    "ex02_df1_check": 0.0,
    "ex02_xmin1_check": 0.0,
    "ex02_d_difficult_check": 0.0,
    "ex02_xmin2_check": 15.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 65.0 of 100
MAX_AUTO = 100.0

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
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
