"""How an assignment declares its graded tasks (the hidden side of every check cell).

An assignment's grading spec lives next to its source notebook, in
``solutions/<assignment>/grading.py`` (never released, never visible inside the sandbox)::

    from autograder.spec import Assignment
    from autograder.checks import Expect, ref_tensor

    assignment = Assignment("ex01")

    def probe_derivative(ns, x0):          # runs in the SANDBOX, on the student's namespace
        return {"f'(x0)": ns["derivative_at"](x0)}

    def reference_derivative(x0):          # runs in the GRADER, torch float64
        x = ref_tensor(x0, requires_grad=True)
        (x**2 + 2*x + 1).backward()
        return {"f'(x0)": Expect(x.grad)}

    assignment.task(
        "ex01_derivative_check",           # grade_id of the check cell that carries the points
        probe=probe_derivative,
        cases=lambda rng: [{"x0": float(rng.uniform(-5, 5))} for _ in range(3)],
        reference=reference_derivative,
    )

Rules (enforced by :meth:`Assignment.validate` and at grading time):

* ``probe`` is a top-level function of the spec module; only its *source text* is sent to the
  sandbox, so it must be self-contained (import inside its body) and return a dict of named
  values (numbers, tensors, arrays, lists). Its first argument is the student's namespace.
* ``cases(rng)`` returns a list of keyword-argument dicts of plain data (numbers, lists,
  strings); ``rng`` is a ``numpy.random.Generator`` seeded fresh at grading time.
* Keys of a case that start with ``_`` are *grader-only*: the reference receives them, the
  probe never does (they are not sent to the sandbox) — e.g. the true labels of a hidden test
  split.
* ``reference(**case)`` returns a dict with the same keys: :class:`~autograder.checks.Expect`
  objects (or plain numbers / tensors, which get the default tolerance).
* A task scores ``points * passed / total`` over all (case, key) checks, unless
  ``all_or_nothing=True``; points come from the check cell's nbgrader metadata.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .checks import Expect


@dataclass
class Task:
    grade_id: str
    probe: Callable
    cases: Callable[[Any], list]
    reference: Callable[..., dict]
    all_or_nothing: bool = False
    timeout: float | None = None

    @property
    def probe_source(self) -> str:
        return textwrap.dedent(inspect.getsource(self.probe))

    @property
    def probe_name(self) -> str:
        return self.probe.__name__

    def expectations(self, case: dict) -> dict[str, Expect]:
        ref = self.reference(**case)
        if not isinstance(ref, dict) or not ref:
            raise TypeError(f"reference of task {self.grade_id!r} must return a non-empty dict")
        return {k: v if isinstance(v, Expect) else Expect(v) for k, v in ref.items()}


class Assignment:
    def __init__(self, name: str, notebook: str | None = None):
        self.name = name
        self.notebook = notebook or f"{name}.ipynb"
        self.tasks: dict[str, Task] = {}

    def task(self, grade_id: str, *, probe: Callable, cases: Callable, reference: Callable,
             all_or_nothing: bool = False, timeout: float | None = None) -> Task:
        if grade_id in self.tasks:
            raise ValueError(f"{self.name}: task {grade_id!r} declared twice")
        if probe.__qualname__ != probe.__name__:
            raise ValueError(f"{self.name}: probe of {grade_id!r} must be a top-level function")
        t = Task(grade_id, probe, cases, reference, all_or_nothing, timeout)
        self.tasks[grade_id] = t
        return t

    def validate(self, autograded_cells: set[str]) -> list[str]:
        """Problems between this spec and the notebook's autograded check cells."""
        problems = []
        for gid in sorted(autograded_cells - set(self.tasks)):
            problems.append(f"{self.name}: check cell {gid!r} has no task in grading.py")
        for gid in sorted(set(self.tasks) - autograded_cells):
            problems.append(f"{self.name}: task {gid!r} has no autograded check cell")
        return problems


def probe_arguments(case: dict) -> dict:
    """The part of a case the probe may see: every key except grader-only ``_keys``."""
    return {k: v for k, v in case.items() if not k.startswith("_")}


def load_spec(path: Path) -> Assignment:
    """Import ``grading.py`` from ``path`` (a file or its folder) and return its assignment."""
    path = Path(path)
    if path.is_dir():
        path = path / "grading.py"
    if not path.exists():
        raise FileNotFoundError(f"grading spec not found: {path}")
    mod_name = f"_course_grading_{path.parent.name}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    assignment = getattr(module, "assignment", None)
    if not isinstance(assignment, Assignment):
        raise TypeError(f"{path} must define `assignment = Assignment(...)`")
    return assignment
