"""One epoch of make_moons training in mygrad vs torch (CPU), in one process.

The workload of the course's closing example: 1000 points, mini-batches of 32 (shuffled by a
DataLoader), an MLP 2 -> 16 -> 16 -> 2 with ReLU, cross-entropy, and an optimiser step per
batch. Both libraries start from the same weights and see the same batches. Threads are
pinned to one (tiny matrices: a thread pool only adds overhead and noise).

Run: python benchmarks/moons.py               (SGD+momentum and Adam; ~half a minute)
     python benchmarks/moons.py --quick       (fewer repeats)

Prints seconds per epoch for each library, the ratio mygrad / torch (target: <= 1.0) and the
final losses (which agree, as the same weights see the same data).
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
           "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.utils.data as tdata  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402

import mygrad  # noqa: E402
import mygrad.utils.data as mdata  # noqa: E402

torch.set_num_threads(1)
QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 7


def build(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16),
                             lib.nn.ReLU(), lib.nn.Linear(16, 2))


def setup(opt_name, opt_kwargs):
    X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
    X, y = X.astype(np.float32), y.astype(np.int64)
    torch.manual_seed(0)
    th_model = build(torch)
    mg_model = build(mygrad)
    mg_model.load_state_dict({k: v.detach().numpy().copy()
                              for k, v in th_model.state_dict().items()})
    th = dict(model=th_model, lib=torch,
              opt=getattr(torch.optim, opt_name)(th_model.parameters(), **opt_kwargs),
              loss=torch.nn.CrossEntropyLoss(),
              loader=tdata.DataLoader(tdata.TensorDataset(torch.tensor(X), torch.tensor(y)),
                                      batch_size=32, shuffle=True,
                                      generator=torch.Generator().manual_seed(0)))
    mg = dict(model=mg_model, lib=mygrad,
              opt=getattr(mygrad.optim, opt_name)(mg_model.parameters(), **opt_kwargs),
              loss=mygrad.nn.CrossEntropyLoss(),
              loader=mdata.DataLoader(mdata.TensorDataset(mygrad.tensor(X), mygrad.tensor(y)),
                                      batch_size=32, shuffle=True,
                                      generator=mygrad.Generator().manual_seed(0)))
    return mg, th


def epoch(s):
    """The 7-line training loop, once over the data; returns the last batch's loss."""
    model, opt, loss_fn = s["model"], s["opt"], s["loss"]
    for xb, yb in s["loader"]:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return loss.item()


def time_epochs(s):
    epoch(s)  # warm-up (torch imports its optimiser machinery on the first step)
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        epoch(s)
        times.append(time.perf_counter() - t0)
    return min(times)


def same_batches_check(opt_name, opt_kwargs):
    """Same weights, same batch order: the losses after one epoch agree (float32 rounding)."""
    mg, th = setup(opt_name, opt_kwargs)
    X = th["loader"].dataset.tensors[0].numpy()
    y = th["loader"].dataset.tensors[1].numpy()
    order = np.random.default_rng(0).permutation(len(X))
    batches = [order[i:i + 32] for i in range(0, len(X), 32)]
    out = []
    for s in (mg, th):
        lib = s["lib"]
        for idx in batches:
            s["opt"].zero_grad()
            loss = s["loss"](s["model"](lib.tensor(X[idx])), lib.tensor(y[idx]))
            loss.backward()
            s["opt"].step()
        out.append(loss.item())
    return out


def main():
    print(f"python {platform.python_version()} | numpy {np.__version__} | "
          f"torch {torch.__version__} | mygrad {mygrad.__version__} | threads 1")
    print("one epoch of make_moons: 1000 points, batch 32 (32 steps), MLP 2-16-16-2, ReLU, "
          "cross-entropy")
    print(f"{'optimiser':<16}{'mygrad ms':>11}{'torch ms':>10}{'ratio':>8}   "
          f"{'final loss mygrad / torch':>28}")
    for name, kwargs in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01})]:
        mg, th = setup(name, kwargs)
        t_mg = time_epochs(mg)
        t_th = time_epochs(th)
        lm, lt = same_batches_check(name, kwargs)
        label = f"{name}" + ("+momentum" if kwargs.get("momentum") else "")
        print(f"{label:<16}{t_mg * 1e3:>11.2f}{t_th * 1e3:>10.2f}{t_mg / t_th:>8.2f}   "
              f"{lm:>13.6f} / {lt:.6f}")
    print("ratio = mygrad time / torch time (target: <= 1.0); best of "
          f"{REPEAT} epochs each")


if __name__ == "__main__":
    main()
