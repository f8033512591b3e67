"""Pictures for the lectures: loss curves, contour plots with gradient fields, decision boundaries,
and computation graphs.

Only numpy is imported at module level; matplotlib (and graphviz) are imported inside the
functions that need them, so ``import mygrad`` works with numpy alone.
"""

import numpy as np

__all__ = ["plot_loss_curves", "plot_contour", "plot_decision_boundary"]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _new_axes(ax, figsize=(5, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _to_numpy(x):
    """Convert a mygrad/torch tensor, a list of scalars or 0-d tensors, or an array to numpy."""
    if hasattr(x, "detach"):  # mygrad.Tensor or torch.Tensor
        x = x.detach()
        if hasattr(x, "cpu"):
            x = x.cpu()
        return np.asarray(x.numpy())
    if isinstance(x, (list, tuple)):
        return np.asarray([float(v.item()) if hasattr(v, "item") else v for v in x], dtype=float)
    return np.asarray(x)


def _check_lim(name, lim):
    try:
        lo, hi = (float(v) for v in lim)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {lim!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must satisfy low < high with finite values, got {lim!r}")
    return lo, hi


# --------------------------------------------------------------------------------------------
# loss curves
# --------------------------------------------------------------------------------------------
def plot_loss_curves(curves, ax=None, logy=False):
    """Plot one line per named loss curve and return the Axes.

    ``curves`` maps a label to a sequence of losses (floats, 0-d tensors, or an array), e.g.
    ``{"SGD": sgd_losses, "Adam": adam_losses}``; a bare sequence is plotted as ``"loss"``.
    The x axis is the step number (starting at 1). With ``logy=True`` the y axis is logarithmic.
    """
    if not isinstance(curves, dict):
        if isinstance(curves, (str, bytes)) or not hasattr(curves, "__len__"):
            raise TypeError(
                "curves must be a dict mapping a label to a sequence of losses, "
                f"got {type(curves).__name__}"
            )
        curves = {"loss": curves}
    if len(curves) == 0:
        raise ValueError("curves is empty: give at least one label -> sequence of losses")

    arrays = {}
    for label, values in curves.items():
        y = _to_numpy(values).astype(float).ravel()
        if y.size == 0:
            raise ValueError(f"loss curve {label!r} is empty")
        if logy and np.any(y[np.isfinite(y)] <= 0):
            raise ValueError(
                f"loss curve {label!r} has values <= 0, which a logarithmic y axis cannot show; "
                "use logy=False"
            )
        arrays[str(label)] = y

    ax = _new_axes(ax)
    for label, y in arrays.items():
        ax.plot(np.arange(1, y.size + 1), y, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    return ax


# --------------------------------------------------------------------------------------------
# contour + gradient field + optimiser paths
# --------------------------------------------------------------------------------------------
def plot_contour(f, xlim, ylim, ax=None, levels=30, gradient=None, paths=None, n=100):
    """Filled contour plot of ``f(X, Y)`` over ``xlim`` x ``ylim``; returns the Axes.

    ``f`` takes two numpy arrays ``X, Y`` of the same shape (from ``np.meshgrid``) and returns
    an array of that shape. ``gradient(X, Y) -> (U, V)``, if given, is drawn as arrows on a
    coarser grid (the gradient points uphill). ``paths`` maps a label to an array of shape
    ``(k, 2)`` of points, e.g. the iterates of gradient descent; each is drawn as a line with
    markers, starting point circled.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of (X, Y), got {type(f).__name__}")
    x0, x1 = _check_lim("xlim", xlim)
    y0, y1 = _check_lim("ylim", ylim)
    n = int(n)
    if n < 2:
        raise ValueError(f"n (grid points per axis) must be at least 2, got {n}")

    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    Z = _to_numpy(f(X, Y)).astype(float)
    if Z.shape != X.shape:
        if Z.size == 1:
            Z = np.full(X.shape, float(Z))
        else:
            raise ValueError(
                f"f(X, Y) must return an array of the grid's shape {X.shape}, got shape {Z.shape}"
            )
    if not np.any(np.isfinite(Z)):
        raise ValueError("f(X, Y) is not finite anywhere on the grid; check xlim / ylim")

    checked_paths = {}
    for label, pts in (paths or {}).items():
        p = _to_numpy(pts).astype(float)
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] == 0:
            raise ValueError(f"path {label!r} must be an array of shape (k, 2), got {p.shape}")
        checked_paths[str(label)] = p

    ax = _new_axes(ax, figsize=(5.5, 4.5))
    cs = ax.contourf(X, Y, np.ma.masked_invalid(Z), levels=levels, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax)

    if gradient is not None:
        m = max(2, min(n, 20))
        GX, GY = np.meshgrid(np.linspace(x0, x1, m), np.linspace(y0, y1, m))
        out = gradient(GX, GY)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ValueError("gradient(X, Y) must return a pair (U, V) of arrays")
        U, V = (np.broadcast_to(_to_numpy(c).astype(float), GX.shape) for c in out)
        ax.quiver(GX, GY, U, V, color="tab:red", angles="xy")

    for label, p in checked_paths.items():
        (line,) = ax.plot(p[:, 0], p[:, 1], "-o", markersize=3, label=label)
        ax.plot(p[0, 0], p[0, 1], "o", markersize=9, markerfacecolor="none",
                color=line.get_color())
    if checked_paths:
        ax.legend()

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return ax


# --------------------------------------------------------------------------------------------
# decision boundary
# --------------------------------------------------------------------------------------------
def plot_decision_boundary(predict, X, y, ax=None, n=200):
    """Shade the plane by a classifier's prediction and scatter the data on top; returns the Axes.

    ``predict(points)`` receives a numpy array of shape ``(m, 2)`` and returns ``m`` class
    scores or labels (numpy array or tensor). A ``(m, C)`` array of per-class scores is reduced
    with argmax. ``X`` is ``(N, 2)``, ``y`` holds the ``N`` labels.
    """
    if not callable(predict):
        raise TypeError(
            f"predict must be a function of points (m, 2), got {type(predict).__name__}"
        )
    X = _to_numpy(X).astype(float)
    y = _to_numpy(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}"
        )
    if X.shape[0] == 0:
        raise ValueError("X is empty")
    n = int(n)
    if n < 2:
        raise ValueError(f"n (grid points per axis) must be at least 2, got {n}")

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], n),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], n))
    points = np.c_[xx.ravel(), yy.ravel()]
    Z = _to_numpy(predict(points))
    if Z.ndim == 2 and Z.shape[0] == points.shape[0] and Z.shape[1] > 1:
        Z = Z.argmax(axis=1)
    Z = np.asarray(Z, dtype=float).reshape(-1)
    if Z.size != points.shape[0]:
        raise ValueError(
            f"predict(points) must return one score or label per point: got {Z.size} values "
            f"for {points.shape[0]} points"
        )
    Z = Z.reshape(xx.shape)

    ax = _new_axes(ax)
    values = np.unique(Z[np.isfinite(Z)])
    if 0 < values.size <= 10:  # labels: one band per label, boundaries half-way between them
        mids = (values[:-1] + values[1:]) / 2
        levels = np.concatenate([[values[0] - 0.5], mids, [values[-1] + 0.5]])
    else:  # continuous scores
        levels = 20
    ax.contourf(xx, yy, Z, levels=levels, alpha=0.3, cmap="coolwarm")
    classes = np.unique(y)
    cmap = _colormap("coolwarm")
    for i, c in enumerate(classes):
        mask = y == c
        color = cmap(i / max(1, len(classes) - 1))
        ax.scatter(X[mask, 0], X[mask, 1], s=12, color=color, edgecolors="k", linewidths=0.3,
                   label=str(c.item() if hasattr(c, "item") else c))
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.legend(title="class", loc="best")
    return ax


def _colormap(name):
    import matplotlib

    return matplotlib.colormaps[name]
