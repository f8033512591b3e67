"""*Run All* on a partly finished exercise: report unfinished tasks as 未実装 and go on.

A released stub raises ``NotImplementedError("ex01 問3 微分係数: まだ実装されていません")``
(see :func:`autograder.release.name_stubs`). Without help, the first such error stops *Run All*,
so a student who finished 問3 but not 問1 never sees 問3's verdict. :func:`enable` (called when
:mod:`autograder.checks` is imported in a notebook kernel) registers an IPython handler that:

* for a stub's ``NotImplementedError`` (or any ``NotImplementedError`` in a check cell) prints
  one line, ``… 未実装 …``, and lets the run go on (the cell stops where the error was raised;
  the kernel reports the cell as finished);
* for a ``NameError`` in a check cell (first line ``# チェック（問k）``) after an unfinished
  top-level answer cell, prints ``問k: 未実装`` likewise (the answer cell never defined the name);
* shows every other error exactly as IPython would, and *Run All* stops there as usual.

Nothing changes outside an interactive IPython kernel: the grader (which never runs check cells
and executes answers in its own process), nbgrader (``NBGRADER_EXECUTION`` is set) and plain
Python see ordinary exceptions. Works with IPython 7.34 (Colab) and 8 / 9 (JupyterLab).
"""

from __future__ import annotations

import os
import re

STUB_MARK = "まだ実装されていません"
CHECK_CELL = re.compile(r"^\s*#\s*チェック（(?P<task>[^）]*)）")

_state = {"enabled": False, "unfinished": 0}


def _is_stub(value) -> bool:
    return isinstance(value, NotImplementedError) and STUB_MARK in str(value)


def _current_cell(shell) -> str:
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    info = getattr(result, "info", None)
    cell = getattr(info, "raw_cell", None)
    if cell is None:  # older IPython: the input history holds the running cell last
        history = getattr(shell, "user_ns", {}).get("_ih") or [""]
        cell = history[-1]
    return cell or ""


def _clear_error(shell) -> None:
    """Let the kernel report the cell as finished, so that Run All goes on."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    if result is not None:
        result.error_in_exec = None


def _handler(shell, etype, value, tb, tb_offset=None):
    cell = _current_cell(shell)
    check = CHECK_CELL.match(cell)
    if _is_stub(value) or (check and isinstance(value, NotImplementedError)):
        _state["unfinished"] += 1
        label = str(value).replace(f": {STUB_MARK}", "").strip() or "まだ書かれていません"
        where = f"{check.group('task')}: " if check else ""
        print(f"… {where}未実装 ({label})。解答を書いたら、このセルをもう一度実行してください。")
        _clear_error(shell)
        return None
    if isinstance(value, NameError) and check and _state["unfinished"]:
        name = getattr(value, "name", None) or str(value)
        print(f"… {check.group('task')}: 未実装 (`{name}` がまだ定義されていません。"
              "上の解答セルを書いて実行してから、このセルをもう一度実行してください)。")
        _clear_error(shell)
        return None
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return None


def enable() -> bool:
    """Install the handler in the running IPython kernel; return whether it is active."""
    if _state["enabled"]:
        return True
    if os.environ.get("NBGRADER_EXECUTION"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc") or shell.custom_exceptions:
        return False  # not a kernel, or someone else's handler is installed: leave it alone
    shell.set_custom_exc((NotImplementedError, NameError), _handler)
    _state["enabled"] = True
    return True
