"""A realistic partly correct ex08 submission for the end-to-end grader tests.

The student:
- 問1-1: the quotient rule with the sign of the tangent flipped; per case f' is wrong while f,
  g and g' (no division) are right -> 3/4 of 15 = 11.25;
- 問1-2: dlog forgets the chain factor (tangent 1/a instead of b/a); only the log case's
  derivative fails, 7 of 8 checks pass -> 15 * 7/8 = 13.125, floored to 13.12;
- 問2: correct -> 20;
- 問3-1: stacks the JVP columns as rows (J transposed): every case fails -> 0 / 15;
- 問3-2: not attempted (the stub still raises NotImplementedError) -> 0 / 15;
- 問4: the right gradient, but f is evaluated once more "to look at the value" first:
  the gradients pass, the call counts fail -> 2 of 4 checks -> 10 / 20.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex08_dual_check": 11.25,
    "ex08_functions_check": 13.12,
    "ex08_jvp_check": 20.0,
    "ex08_jac_columns_check": 0.0,
    "ex08_jac_rows_check": 0.0,
    "ex08_gradient_forward_check": 10.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 54.37 of 100
MAX_AUTO = 100.0


def make(solution_nb: dict) -> dict:
    cells = {}
    for cell in solution_nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        src = "".join(cell["source"])
        if gid == "ex08_dual":
            cells[gid] = src.replace(
                "(self.tangent * other.value - self.value * other.tangent) / other.value**2",
                "(self.value * other.tangent - self.tangent * other.value) / other.value**2")
        elif gid == "ex08_functions":
            cells[gid] = src.replace("return Dual(math.log(x.value), x.tangent / x.value)",
                                     "return Dual(math.log(x.value), 1 / x.value)")
        elif gid == "ex08_jac_columns":
            cells[gid] = src.replace(
                "return [[columns[j][i] for j in range(n)] for i in range(len(columns[0]))]",
                "return columns")
        elif gid == "ex08_jac_rows":
            cells[gid] = ("def jacobian_rows(f_torch, x):\n    # YOUR CODE HERE\n"
                          "    raise NotImplementedError()\n")
        elif gid == "ex08_gradient_forward":
            cells[gid] = src.replace("    n = len(x)\n", "    n = len(x)\n    print(f(x))\n")
    for gid, new in cells.items():
        assert new != "", gid
    assert all(cells[g] != "".join(c["source"]) for c in solution_nb["cells"]
               for g in [c.get("metadata", {}).get("nbgrader", {}).get("grade_id")] if g in cells)
    return replace_cells(solution_nb, cells)
