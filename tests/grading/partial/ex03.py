"""A realistic partly correct ex03 submission for the end-to-end grader tests.

``make(solution_nb)`` takes the instructor's source notebook (nbformat dict) and returns the
submission; ``EXPECTED`` is the score per check cell, ``EXPECTED_TOTAL`` their sum (all 100
points of ex03 are autograded). A task scores points x passed / all checks over 3 hidden cases.

The student:
- 問1-1 forward: correct -> 5;
- 問1-2 local derivatives: d cos(z)/dz written as +sin(z); 1 of 8 values wrong -> 7/8 of 10 = 8.75;
- 問1-3 backward: correct (graded with the torch local derivatives) -> 10;
- 問2-1, 問2-2: correct -> 5 + 5;
- 問2-3 backward: overwrites x's gradient on each of the three paths instead of adding them;
  1 of 6 values wrong -> 5/6 of 15 = 12.5;
- 問3-1 forward: correct -> 5;
- 問3-2 local derivatives: quotient rule with the sign dropped, d(a/b)/db = +a/b^2; 1 of 8
  values wrong (a = 2x is never 0 on the hidden points: |x| >= 0.2) -> 7/8 of 5 = 4.375;
- 問3-3 backward: correct (graded with the torch local derivatives) -> 10;
- 問4-1 forward: correct -> 10;
- 問4-2 backward: forgets the sigmoid's local derivative; y_hat, psi, v right, the other 6 of
  9 values wrong -> 3/9 of 20 = 6.666...
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex03_toy_forward_check": 5.0,
    "ex03_toy_local_check": 8.75,
    "ex03_toy_backward_check": 10.0,
    "ex03_sqrtlog_forward_check": 5.0,
    "ex03_sqrtlog_local_check": 5.0,
    "ex03_sqrtlog_backward_check": 12.5,
    "ex03_tanhlog_forward_check": 5.0,
    "ex03_tanhlog_local_check": 5.0 * 7 / 8,
    "ex03_tanhlog_backward_check": 10.0,
    "ex03_net_forward_check": 10.0,
    "ex03_net_backward_check": 20.0 / 3.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 82.2916... of 100
MAX_AUTO = 100.0

CELLS = {
    "ex03_toy_local": '''def toy_local(x1, x2, y, theta1, theta2, theta3, fwd):
    """問1 の局所偏微分 8 つを辞書で返す。fwd は forward の値の辞書。"""
    return {
        "dz1_dtheta3": 1.0,
        "dz2_dz1": math.sin(fwd["z1"]),
        "dz3_dz2": theta2,
        "dz3_dtheta2": fwd["z2"],
        "dz4_dtheta1": x1,
        "dyhat_dz3": -1.0,
        "dyhat_dz4": 1.0,
        "dloss_dyhat": 2 * (fwd["y_hat"] - y),
    }
''',
    "ex03_sqrtlog_backward": '''def sqrtlog_backward(local):
    """問2 の backward。{"y", "z1", "z2", "z3", "z4", "x"} について dy/d(・) を返す。"""
    g = {"y": 1.0}
    g["z1"] = g["y"] * local["dy_dz1"]
    g["z2"] = g["y"] * local["dy_dz2"]
    g["z3"] = g["z1"] * local["dz1_dz3"]
    g["z4"] = g["z1"] * local["dz1_dz4"]
    g["x"] = g["z2"] * local["dz2_dx"]
    g["x"] = g["z3"] * local["dz3_dx"]
    g["x"] = g["z4"] * local["dz4_dx"]
    return g
''',
    "ex03_tanhlog_local": '''def tanhlog_local(x, y, z, fwd):
    """問3 の局所偏微分 8 つを辞書で返す。fwd は forward の値の辞書。"""
    return {
        "da_dx": 2.0,
        "db_dy": math.cos(y),
        "dc_da": 1 / fwd["b"],
        "dc_db": fwd["a"] / fwd["b"] ** 2,
        "dd_dc": z,
        "dd_dz": fwd["c"],
        "de_dd": 1 / (1 + fwd["d"]),
        "df_de": 1 - fwd["f"] ** 2,
    }
''',
    "ex03_net_backward": '''def net_backward(x, y, theta, phi, psi, fwd):
    """問4 の backward。L の勾配を辞書で返す（各値は対応する量と同じ形）。"""
    g = {}
    g["y_hat"] = -2 * (y - fwd["y_hat"])
    g["psi"] = g["y_hat"] * fwd["v"]
    g["v"] = g["y_hat"] * psi
    g["b"] = g["v"]
    g["phi"] = np.outer(fwd["u"], g["b"])
    g["u"] = phi @ g["b"]
    g["a"] = g["u"]
    g["theta"] = np.outer(x, g["a"])
    g["x"] = theta @ g["a"]
    return g
''',
}


def make(solution_nb: dict) -> dict:
    return replace_cells(solution_nb, CELLS)
