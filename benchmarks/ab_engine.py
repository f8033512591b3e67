"""Before/after for an engine change, in ONE process: the current mygrad against another copy
of the package (e.g. the previous commit's), timed in rotation with torch and the numpy floor.

    git worktree add --detach /tmp/base HEAD~1
    cp -r /tmp/base/mygrad /tmp/ab/mygrad_base      # any name; imports inside are relative
    PYTHONPATH=/tmp/ab python benchmarks/ab_engine.py mygrad_base

Timing both engines side by side makes the ratio between them robust to load from other
processes (each batch of one is next to a batch of the other), which separate runs are not.
"""

import importlib
import sys

import engine as bench  # benchmarks/engine.py: its workloads and its rotation timer

import mygrad


def main(base_name):
    base = importlib.import_module(base_name)
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
    main(sys.argv[1] if len(sys.argv) > 1 else "mygrad_base")
