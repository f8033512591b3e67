"""Hidden grading of ex09 「最終課題: 自分の部品でニューラルネットを学習する」
(see docs/authoring.md).

The parts (問1-5) are probed with fresh random shapes, weights and inputs in float64 and compared
with torch (torch.nn.functional.linear / relu / cross_entropy, torch.optim.Adam). The trained
model (問6) labels a fresh make_moons test set drawn here in the grader; its labels are a
grader-only case key, and at least 90 % must be right.
"""

import numpy as np

from autograder.checks import Expect, ref_tensor
from autograder.spec import Assignment

assignment = Assignment("ex09")


def _r(a, nd=3):
    return np.round(np.asarray(a, dtype=float), nd).tolist()


# --- 問1: Linear -------------------------------------------------------------------------------
LIN_HINT = ("weight は (out, in)、bias は (out,) の Parameter を属性に代入し、forward は "
            "x @ weight.T + bias です。")


def probe_linear(ns, n_in, n_out, W, b, X):
    import numpy as np

    import mygrad

    layer = ns["Linear"](n_in, n_out)
    params = layer.parameters()
    shapes = [int(d) for p in params for d in p.shape]   # flattened: (out, in, out) ...
    layer.weight.data = mygrad.tensor(np.array(W))
    layer.bias.data = mygrad.tensor(np.array(b))
    out = layer(mygrad.tensor(np.array(X)))
    (out * out).sum().backward()
    return {"パラメータの形": shapes, "出力": out, "weight の勾配": layer.weight.grad,
            "bias の勾配": layer.bias.grad}


def reference_linear(n_in, n_out, W, b, X):
    import torch

    Wt, bt = ref_tensor(W, requires_grad=True), ref_tensor(b, requires_grad=True)
    out = torch.nn.functional.linear(ref_tensor(X), Wt, bt)
    (out * out).sum().backward()
    return {"パラメータの形": Expect([n_out, n_in, n_out], hint=LIN_HINT),
            "出力": Expect(out.detach(), hint=LIN_HINT),
            "weight の勾配": Expect(Wt.grad, hint=LIN_HINT),
            "bias の勾配": Expect(bt.grad, hint=LIN_HINT)}


def cases_linear(rng):
    out = []
    for _ in range(3):
        n_in, n_out, n = (int(v) for v in rng.integers(1, 6, 3))
        out.append({"n_in": n_in, "n_out": n_out, "W": _r(rng.normal(size=(n_out, n_in))),
                    "b": _r(rng.normal(size=n_out)), "X": _r(rng.normal(size=(n, n_in)))})
    return out


assignment.task("ex09_linear_check", probe=probe_linear, cases=cases_linear,
                reference=reference_linear)


# --- 問2: MLP ----------------------------------------------------------------------------------
MLP_HINT = ("Linear を順に通し、最後の層以外の出力にだけ ReLU をかけます。parameters() は "
            "1 層目の weight, bias, 2 層目の weight, bias, ... の順に並べてください。")


def probe_mlp(ns, sizes, weights, X, G):
    import numpy as np

    import mygrad

    net = ns["MLP"](sizes)
    params = net.parameters()
    shapes = [int(d) for p in params for d in p.shape]   # flattened: (out, in, out) ...
    for p, w in zip(params, weights):
        p.data = mygrad.tensor(np.array(w))
    out = net(mygrad.tensor(np.array(X)))
    (out * mygrad.tensor(np.array(G))).sum().backward()
    return {"パラメータの形": shapes, "ロジット": out,
            "1 層目の weight の勾配": params[0].grad, "最後の bias の勾配": params[-1].grad}


def reference_mlp(sizes, weights, X, G):
    import torch

    ws = [ref_tensor(w, requires_grad=True) for w in weights]
    h = ref_tensor(X)
    n = len(sizes) - 1
    for i in range(n):
        h = torch.nn.functional.linear(h, ws[2 * i], ws[2 * i + 1])
        if i < n - 1:
            h = torch.relu(h)
    (h * ref_tensor(G)).sum().backward()
    shapes = [d for i in range(n) for d in (sizes[i + 1], sizes[i], sizes[i + 1])]
    return {"パラメータの形": Expect(shapes, hint=MLP_HINT),
            "ロジット": Expect(h.detach(), hint=MLP_HINT),
            "1 層目の weight の勾配": Expect(ws[0].grad, hint=MLP_HINT),
            "最後の bias の勾配": Expect(ws[-1].grad, hint=MLP_HINT)}


def cases_mlp(rng):
    out = []
    for depth in (2, 3, 4):
        sizes = [int(v) for v in rng.integers(2, 7, depth + 1)]
        weights = []
        for i in range(depth):
            weights += [_r(rng.normal(size=(sizes[i + 1], sizes[i]))),
                        _r(rng.normal(size=sizes[i + 1]))]
        n = int(rng.integers(3, 8))
        out.append({"sizes": sizes, "weights": weights, "X": _r(rng.normal(size=(n, sizes[0]))),
                    "G": _r(rng.normal(size=(n, sizes[-1])))})
    return out


assignment.task("ex09_mlp_check", probe=probe_mlp, cases=cases_mlp, reference=reference_mlp)


# --- 問3: cross-entropy ------------------------------------------------------------------------
CE_HINT = ("各行の log_softmax から正解ラベルの成分を取り出し、符号を変えて N で割った平均です"
           "（和ではなく平均）。")


def probe_cross_entropy(ns, Z, labels):
    import numpy as np

    import mygrad

    z = mygrad.tensor(np.array(Z), requires_grad=True)
    loss = ns["cross_entropy"](z, mygrad.tensor(np.array(labels)))
    loss.backward()
    return {"損失": loss, "ロジットの勾配": z.grad}


def reference_cross_entropy(Z, labels):
    import torch

    z = ref_tensor(Z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(labels, device=z.device))
    loss.backward()
    return {"損失": Expect(loss.detach(), hint=CE_HINT),
            "ロジットの勾配": Expect(z.grad, hint=CE_HINT)}


def cases_cross_entropy(rng):
    out = []
    for scale in (1.0, 10.0, 40.0):
        n, c = int(rng.integers(2, 9)), int(rng.integers(2, 6))
        Z = np.asarray(_r(rng.normal(size=(n, c)) * scale))
        labels = [int(v) for v in rng.integers(0, c, n)]
        if labels[0] == int(Z[0].argmax()):   # at least one wrong guess: the loss is not ~0
            labels[0] = (labels[0] + 1) % c
        out.append({"Z": Z.tolist(), "labels": labels})
    return out


assignment.task("ex09_cross_entropy_check", probe=probe_cross_entropy, cases=cases_cross_entropy,
                reference=reference_cross_entropy)


# --- 問4: Adam ---------------------------------------------------------------------------------
ADAM_HINT = ("m と v はパラメータごとに覚えておき、t は step() のたびに 1 増やします。バイアス補正 "
             "m/(1-β1^t), v/(1-β2^t) と、ε を √v̂ の外で足すことを確かめましょう。")


def probe_adam(ns, A, c, x0, lr, betas, steps):
    import numpy as np

    import mygrad

    p = mygrad.tensor(np.array(x0), requires_grad=True)
    q = mygrad.tensor(np.zeros(2), requires_grad=True)
    opt = ns["Adam"]([p, q], lr=lr, betas=tuple(betas))
    At, ct = mygrad.tensor(np.array(A)), mygrad.tensor(np.array(c))
    path = []
    for _ in range(steps):
        opt.zero_grad()
        r = At @ p - ct
        ((r * r).sum() + (q * q * 3.0).sum() + (p[0] * q[1]) * 0.5).backward()
        opt.step()
        path.append(np.concatenate([p.detach().numpy(), q.detach().numpy()]).tolist())
    return {"パラメータの軌跡": path}


def reference_adam(A, c, x0, lr, betas, steps):
    import torch

    p = ref_tensor(x0, requires_grad=True)
    q = ref_tensor([0.0, 0.0], requires_grad=True)
    opt = torch.optim.Adam([p, q], lr=lr, betas=tuple(betas))
    At, ct = ref_tensor(A), ref_tensor(c)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        r = At @ p - ct
        ((r * r).sum() + (q * q * 3.0).sum() + (p[0] * q[1]) * 0.5).backward()
        opt.step()
        path.append(torch.cat([p.detach(), q.detach()]))
    return {"パラメータの軌跡": Expect(torch.stack(path), hint=ADAM_HINT)}


def cases_adam(rng):
    out = []
    for _ in range(2):
        n = int(rng.integers(2, 5))
        out.append({"A": _r(rng.normal(size=(3, n))), "c": _r(rng.normal(size=3)),
                    "x0": _r(rng.normal(size=n)), "lr": float(_r(rng.uniform(0.01, 0.2))),
                    "betas": [float(_r(rng.uniform(0.8, 0.95))),
                              float(_r(rng.uniform(0.99, 0.9999), 4))],
                    "steps": int(rng.integers(5, 15))})
    return out


assignment.task("ex09_adam_check", probe=probe_adam, cases=cases_adam, reference=reference_adam)


# --- 問5: DataLoader ---------------------------------------------------------------------------
DL_HINT = ("順番は DataLoader が持つ np.random.default_rng(seed) で毎エポック permutation を作り、"
           "batch_size 件ずつ切り出します（最後は端数で構いません）。")


def probe_dataloader(ns, n, batch_size, seed):
    import numpy as np

    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = np.arange(n)

    def epochs(loader, k):
        return [[int(v) for _, yb in loader for v in np.asarray(yb.tolist()).ravel()]
                for _ in range(k)]

    loader = ns["DataLoader"](X, y, batch_size, shuffle=True, seed=seed)
    sizes = [len(yb.tolist()) for _, yb in loader]
    e1, e2 = epochs(loader, 2)
    again = epochs(ns["DataLoader"](X, y, batch_size, shuffle=True, seed=seed), 1)[0]
    fresh = epochs(ns["DataLoader"](X, y, batch_size, shuffle=True, seed=seed), 2)
    return {"ミニバッチの大きさ": sizes, "1 エポックで全件が 1 回ずつ": sorted(e1),
            "エポックごとに順番が変わる": int(e1 != e2),
            "同じ seed なら同じ列": int(fresh[0] == again)}


def reference_dataloader(n, batch_size, seed):
    sizes = [min(batch_size, n - s) for s in range(0, n, batch_size)]
    return {"ミニバッチの大きさ": Expect(sizes, hint=DL_HINT),
            "1 エポックで全件が 1 回ずつ": Expect(list(range(n)), hint=DL_HINT),
            "エポックごとに順番が変わる": Expect(1, hint=DL_HINT),
            "同じ seed なら同じ列": Expect(1, hint=DL_HINT)}


def cases_dataloader(rng):
    return [{"n": int(rng.integers(12, 40)), "batch_size": int(rng.integers(3, 8)),
             "seed": int(rng.integers(0, 1000))} for _ in range(2)]


assignment.task("ex09_dataloader_check", probe=probe_dataloader, cases=cases_dataloader,
                reference=reference_dataloader)


# --- 問6: the trained model on a fresh test set ------------------------------------------------
def _moons(n, noise, seed):
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    t = rng.uniform(0, np.pi, n)
    outer = np.stack([np.cos(t), np.sin(t)], axis=1)
    inner = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.where(label[:, None] == 0, outer, inner) + rng.normal(scale=noise, size=(n, 2))
    return X, label


def probe_train(ns, X):
    import numpy as np

    model = ns["train_model"]()      # trained here, as the check cell does for the student
    pred = np.asarray(ns["predict"](model, np.array(X, dtype=np.float32)))
    return {"テストデータの予測ラベル": pred.ravel().astype(float).tolist()}


def reference_train(X, _labels):
    return {"テストデータの予測ラベル": Expect(
        [float(v) for v in _labels], min_fraction=0.9,
        hint="新しいテストデータの 90 % 以上を正しく分類できていません。学習（エポック数・学習率・"
             "モデルの大きさ）を見直すか、predict が argmax のラベル（0/1）を返しているか"
             "確かめましょう。")}


def cases_train(rng):
    X, labels = _moons(300, 0.2, int(rng.integers(2, 10**6)))
    return [{"X": _r(X), "_labels": [int(v) for v in labels]}]


assignment.task("ex09_train_check", probe=probe_train, cases=cases_train, reference=reference_train)
