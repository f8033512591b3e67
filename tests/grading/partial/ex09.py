"""A realistic partly correct ex09 (final project) submission for the end-to-end grader tests.

The student:
- 問1, 問2: correct -> 15 + 15;
- 問3: sums the cross-entropy over the batch instead of averaging: loss and gradient are N
  times too large in every case -> 0 / 15;
- 問4: Adam without the bias correction (uses m and v directly): every trajectory is off from
  the first step -> 0 / 20;
- 問5: never shuffles (np.arange order every epoch): batch sizes, "every sample once" and
  "same seed, same batches" pass, "a new order each epoch" fails -> 6 of 8 -> 7.5 / 10;
- 問6: trains with those parts anyway (Adam normalises the gradient scale) and still labels
  over 90 % of a fresh test set right -> 25 / 25.
"""

from __future__ import annotations

from tests.grading.partial import replace_cells

EXPECTED = {
    "ex09_linear_check": 15.0,
    "ex09_mlp_check": 15.0,
    "ex09_cross_entropy_check": 0.0,
    "ex09_adam_check": 0.0,
    "ex09_dataloader_check": 7.5,
    "ex09_train_check": 25.0,
}
EXPECTED_TOTAL = sum(EXPECTED.values())  # 62.5 of 100
MAX_AUTO = 100.0


def make(solution_nb: dict) -> dict:
    src = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
           for c in solution_nb["cells"] if "nbgrader" in c.get("metadata", {})}
    cells = {
        "ex09_cross_entropy": src["ex09_cross_entropy"].replace(
            "[mygrad.arange(n), labels].sum() / n", "[mygrad.arange(n), labels].sum()"),
        "ex09_adam": src["ex09_adam"].replace(
            "            m_hat = self.m[i] / (1 - self.beta1**self.t)\n"
            "            v_hat = self.v[i] / (1 - self.beta2**self.t)\n",
            "            m_hat, v_hat = self.m[i], self.v[i]\n"),
        "ex09_dataloader": src["ex09_dataloader"].replace(
            "order = self.rng.permutation(n) if self.shuffle else np.arange(n)",
            "order = np.arange(n)"),
    }
    for gid, new in cells.items():
        assert new != src[gid], gid
    return replace_cells(solution_nb, cells)
