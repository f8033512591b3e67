"""The in-kernel twin of the hidden grading, for the instructor's source notebook.

The hidden region of a check cell in ``solutions/<assignment>/<assignment>.ipynb`` reads::

    ### BEGIN HIDDEN TESTS
    from autograder.hidden import run_hidden_task
    run_hidden_task("ex01_derivative_check", globals())
    ### END HIDDEN TESTS

Running the source notebook (``course release`` and the tests do) therefore exercises every task
of ``grading.py`` on fresh random inputs against the solution, with the same comparison code
as ``course grade``. ``course grade`` itself never executes check cells: it runs the same task
spec with the probe in the sandbox and the reference in the grader.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .checks import CheckFailed, compare
from .plain import tensor_grad, to_plain
from .spec import load_spec, probe_arguments


def _find_spec_dir() -> Path:
    here = Path(os.getcwd())
    for d in (here, *here.parents[:2]):
        if (d / "grading.py").exists():
            return d
    raise FileNotFoundError(
        f"grading.py not found from {here}: hidden checks run only beside the source notebook"
    )


def run_hidden_task(grade_id: str, namespace: dict, seed: int | None = None) -> None:
    assignment = load_spec(_find_spec_dir())
    task = assignment.tasks[grade_id]
    rng = np.random.default_rng(seed)
    probe_ns: dict = {"tensor_grad": tensor_grad}  # as in the sandbox (executor.py)
    exec(compile(task.probe_source, f"<probe {grade_id}>", "exec"), probe_ns)
    probe = probe_ns[task.probe_name]
    failures = []
    for case in task.cases(rng):
        got = probe(namespace, **probe_arguments(case))
        for key, expect in task.expectations(case).items():
            outcome = compare(key, to_plain(got.get(key)) if isinstance(got, dict)
                              else {"t": "none"}, expect)
            if not outcome.ok:
                failures.append(outcome.message)
    if failures:
        raise CheckFailed("\n".join(failures))
    print(f"✓ 隠しテスト {grade_id}: すべて一致しました")
