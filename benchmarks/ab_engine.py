"""Before/after for an engine change, in ONE process: the current mygrad against the package
as it was at a git revision, timed in rotation with torch and the numpy floor.

    python benchmarks/ab_engine.py 1eeef72          # any revision git knows

The old package is extracted from git under the name ``mygrad_base`` (its imports are
relative); the two module-name strings by which Function recognises built-in ops are renamed
with it, or the old engine would copy every gradient and look slower than it was. Timing both
engines side by side makes the ratio between them robust to load from other processes (each
batch of one is next to a batch of the other), which separate runs are not.
"""

import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import engine as bench  # benchmarks/engine.py: its workloads and its rotation timer

import mygrad


def load_revision(rev, name="mygrad_base"):
    """The ``mygrad`` package at git revision ``rev``, imported as ``name``."""
    root = Path(__file__).resolve().parent.parent
    data = subprocess.run(["git", "archive", "--format=tar", rev, "mygrad"], cwd=root,
                          check=True, capture_output=True).stdout
    tmp = Path(tempfile.mkdtemp(prefix="ab-engine-"))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "mygrad").rename(tmp / name)
    for py in (tmp / name).rglob("*.py"):
        text = py.read_text(encoding="utf-8")
        new = text.replace('"mygrad._ops"', f'"{name}._ops"').replace(
            '"mygrad.nn.functional"', f'"{name}.nn.functional"')
        if new != text:
            py.write_text(new, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    return importlib.import_module(name)


def main(rev):
    base = load_revision(rev)
    torch = bench.torch
    rows = []
    X, y, params = bench.mlp_data(256, [784, 256, 10])
    rows.append(("MLP step 256x784-256-10", {
        "before": bench.lib_step(base, X, y, params), "after": bench.lib_step(mygrad, X, y, params),
        "torch": bench.lib_step(torch, X, y, params), "numpy": bench.numpy_step(X, y, params)}))
    X, y, params = bench.mlp_data(16, [2, 16, 16, 2])
    rows.append(("MLP step 16x2-16-16-2", {
        "before": bench.lib_step(base, X, y, params), "after": bench.lib_step(mygrad, X, y, params),
        "torch": bench.lib_step(torch, X, y, params), "numpy": bench.numpy_step(X, y, params)}))

    def tiny(lib):
        a = lib.tensor([float(i) for i in range(10)], requires_grad=True)
        b = lib.tensor([float(i) for i in range(10)], requires_grad=True)

        def f():
            a.grad = b.grad = None
            (a + b).sum().backward()
        return f
    rows.append(("(a + b).sum().backward(), (10,)",
                 {"before": tiny(base), "after": tiny(mygrad), "torch": tiny(torch)}))
    print(f"{'':34} {'before':>10} {'after':>10} {'torch':>10} {'numpy':>10}  after/before"
          "  before/ref  after/ref")
    for name, fns in rows:
        t = dict(zip(fns, bench.compare(fns)))
        ref = t.get("numpy") if name.startswith("MLP step 256") else t["torch"]
        print(f"{name:34} {t['before'] * 1e6:9.1f}u {t['after'] * 1e6:9.1f}u "
              f"{t['torch'] * 1e6:9.1f}u {t.get('numpy', float('nan')) * 1e6:9.1f}u "
              f"  {t['after'] / t['before']:10.3f}  {t['before'] / ref:10.3f} "
              f"{t['after'] / ref:10.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "HEAD~1")
