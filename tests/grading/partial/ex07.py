"""A realistic partly correct ex07 submission for the end-to-end grader tests.

The student:
- 問1: a forward difference instead of the central one: both gradient values fail the
  tolerances (every f''_ii >= 0.5 by construction of the hidden functions), only the
  "x unchanged" check passes -> 1/5 of 15 = 3;
- 問2-1: correct -> 8;
- 問2-2: divides the weighted sum by 2h (the central-difference habit) -> every case off by a
  factor 2 -> 0 / 12;
- 問3-1: reads off the forward-difference optimum (1e-8) -> 0 / 5;
- 問3-2: believes a smaller h is always better and returns min(hs) = 1e-12: the h is one of
  hs, but round-off makes the central error there about 1e-4, far above the minimum (below
  1e-9) -> 3 of 6 checks -> 5 / 10;
- 問3-3 (5 points) is graded by hand and stays ungraded here;
- 問4: not attempted (the stub still raises NotImplementedError) -> 0 / 20;
- 問5: applies rules 2-5 but never folds constants: every value is right, the node counts are
  too large in the five cases with all-constant subtrees; the symbolic derivative case has none
  and passes -> 7 of 12 checks -> 5.83 / 10;
- 問6-1: correct -> 7;
- 問6-2: counts only the distinct operation nodes, forgetting x and the constants -> 0 / 8.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex07_numgrad_check": 3.0,
    "ex07_fd_weights_check": 8.0,
    "ex07_fd_derivative_check": 0.0,
    "ex07_h_best_check": 0.0,
    "ex07_best_h_check": 5.0,
    "ex07_diff_check": 0.0,
    "ex07_simplify_check": 5.83,
    "ex07_count_tree_check": 7.0,
    "ex07_count_dag_check": 0.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 28.83 of 95 autograded points
MAX_AUTO = 95.0

FORWARD_DIFFERENCE = '''def numerical_gradient(f, x, h=1e-5):
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
'''


def make(solution_nb: dict) -> dict:
    src = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
           for c in solution_nb["cells"] if "nbgrader" in c.get("metadata", {})}
    cells = {
        "ex07_numgrad": FORWARD_DIFFERENCE,
        "ex07_h_best": src["ex07_h_best"].replace("h_best = 1e-5", "h_best = 1e-8"),
        "ex07_fd_derivative": src["ex07_fd_derivative"].replace(
            "for j, wj in zip(range(-k, k + 1), w)) / h",
            "for j, wj in zip(range(-k, k + 1), w)) / (2 * h)"),
        "ex07_best_h": src["ex07_best_h"].replace(
            "return hs[int(np.argmin(errors))]", "return min(hs)"),
        "ex07_diff": "def diff(e):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n",
        "ex07_simplify": src["ex07_simplify"].replace(
            "    if all(is_num):\n        return evaluate((op, *args), 0.0)\n", ""),
        "ex07_count_dag": src["ex07_count_dag"].replace(
            "    return len(seen)", "    return sum(isinstance(n, tuple) for n in seen)"),
    }
    for gid, new in cells.items():
        assert new != src[gid], gid
    return replace_cells(solution_nb, cells)
