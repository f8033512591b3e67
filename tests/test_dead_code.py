"""mygrad has no dead code: vulture finds nothing beyond the torch API in the whitelist."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_vulture_finds_no_dead_code_in_mygrad():
    res = subprocess.run([sys.executable, "-m", "vulture", "mygrad", "tests/vulture_whitelist.py",
                          "--min-confidence", "60"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0 and not res.stdout, "dead code:\n" + res.stdout + res.stderr


def test_vulture_would_report_an_unused_helper(tmp_path):
    """The check can fail: a private helper nobody calls is reported."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text("def used():\n    return 1\n\n\ndef _helper():\n    return 2\n\n\n"
                                "print(used())\n")
    res = subprocess.run([sys.executable, "-m", "vulture", str(pkg), "--min-confidence", "60"],
                         capture_output=True, text=True)
    assert "_helper" in res.stdout
