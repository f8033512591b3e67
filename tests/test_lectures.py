"""Every lecture notebook runs top to bottom, and its committed outputs come from one clean run.

Two kinds of test, both parametrised by notebook so that pytest-xdist can spread them:

* ``test_lecture_executes[NN_name]`` runs the notebook with nbclient (kernel ``python3``, at most
  300 s per cell, working directory ``lectures/``, one OpenMP/BLAS thread unless the environment
  says otherwise) on an in-memory copy and fails on the first error, naming the cell. The
  committed file is never modified.
* ``test_committed_outputs_are_one_in_order_run[NN_name]`` reads the committed file only: code
  cells are numbered 1..n in order (what ``jupyter nbconvert --execute --inplace`` produces), and
  there are no error outputs and no tracebacks on stderr.

Execution times: a line per notebook is written through pytest's terminal reporter as it
finishes (shown without ``-s``), and each test records an ``execution_seconds`` property, from
which ``tests/conftest.py`` prints the table of all notebooks and the total at the end of the
run (also under pytest-xdist, whose workers send the properties back).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbclient.exceptions import CellExecutionError, CellTimeoutError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LECTURES = ROOT / "lectures"
NOTEBOOKS = sorted(LECTURES.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 300
KERNEL = "python3"

pytestmark = pytest.mark.notebooks


def _ids(paths):
    return [p.stem for p in paths]


def _report(config, line: str) -> None:
    """Write a line to the terminal even when output is captured (no-op under xdist workers)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        reporter.ensure_newline()
        reporter.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        reporter.write_line(line)


def _kernel_env() -> dict[str, str]:
    """The kernel's environment: one BLAS/OpenMP thread unless the caller chose otherwise.

    The lectures train tiny models; on a busy machine (CI, several xdist workers) the default
    thread pools oversubscribe the cores and make such loops tens of times slower.
    """
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def _cell_label(nb, index: int) -> str:
    cell = nb.cells[index]
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "<empty>"
    return f"cell {index} ({cell.cell_type}, starts with {first[:60]!r})"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_lecture_executes(path, request, record_property):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name=KERNEL,
        allow_errors=False,
        resources={"metadata": {"path": str(LECTURES)}},
    )
    start = time.perf_counter()
    try:
        client.execute(env=_kernel_env())
    except CellTimeoutError as err:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S} s\n{err}", pytrace=False)
    except CellExecutionError as err:
        running = [
            i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)
        ]
        where = _cell_label(nb, running[0]) if running else "a cell"
        pytest.fail(f"{path.name}: {where} raised an error\n{err}", pytrace=False)
    seconds = time.perf_counter() - start
    record_property("execution_seconds", round(seconds, 2))
    _report(request.config, f"[lectures] {path.name}: executed in {seconds:.1f} s")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_outputs_are_one_in_order_run(path):
    nb = nbformat.read(path, as_version=4)
    problems = []
    expected = 0
    n_outputs = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not cell.source.strip():
            continue  # nbclient skips empty cells; they carry no execution count
        expected += 1
        if cell.execution_count != expected:
            problems.append(
                f"{_cell_label(nb, i)}: execution_count {cell.execution_count}, expected {expected}"
            )
        for out in cell.get("outputs", []):
            n_outputs += 1
            kind = out.get("output_type")
            if kind == "error":
                problems.append(f"{_cell_label(nb, i)}: error output {out.get('ename')}: "
                                f"{out.get('evalue')}")
            elif (kind == "stream" and out.get("name") == "stderr"
                  and "Traceback" in out.get("text", "")):
                problems.append(f"{_cell_label(nb, i)}: a traceback on stderr")
    if expected and n_outputs == 0:
        problems.append("no outputs at all: commit the notebook with the outputs of a fresh run")
    if len(problems) > 8:
        problems = problems[:8] + [f"... and {len(problems) - 8} more"]
    rel = path.relative_to(ROOT)
    rerun = f"python -m jupyter nbconvert --to notebook --execute --inplace {rel}"
    assert not problems, (
        f"{path.name} is not committed with the outputs of one fresh in-order run "
        f"(run `{rerun}`):\n  " + "\n  ".join(problems)
    )
