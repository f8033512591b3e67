"""A realistic partly correct ex07 submission for the end-to-end grader tests.

The student:
- 問1-1: correct -> 10;
- 問1-2: divides the weighted sum by 2h (the central-difference habit) -> every case off by a
  factor 2 -> 0 / 15;
- 問2: believes a smaller h is always better and returns min(hs) = 1e-12: the h is one of
  hs, but round-off makes the central error there about 1e-4, far above the minimum (below
  1e-9) -> 3 of 6 checks -> 7.5 / 15;
- 問3: not attempted (the stub still raises NotImplementedError) -> 0 / 25;
- 問4: applies rules 2-5 but never folds constants: every value is right, the node counts are
  too large in the five cases with all-constant subtrees; the symbolic derivative case has none
  and passes -> 7 of 12 checks -> 8.75 / 15;
- 問5-1: correct -> 10;
- 問5-2: counts only the distinct operation nodes, forgetting x and the constants -> 0 / 10.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex07_fd_weights_check": 10.0,
    "ex07_fd_derivative_check": 0.0,
    "ex07_best_h_check": 7.5,
    "ex07_diff_check": 0.0,
    "ex07_simplify_check": 8.75,
    "ex07_count_tree_check": 10.0,
    "ex07_count_dag_check": 0.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 36.25 of 100
MAX_AUTO = 100.0


def make(solution_nb: dict) -> dict:
    src = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
           for c in solution_nb["cells"] if "nbgrader" in c.get("metadata", {})}
    cells = {
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
