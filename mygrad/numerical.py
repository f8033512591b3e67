"""Numerical differentiation: difference quotients, a float64 gradient check, and the error
analysis of the step size h (lecture 3).

The three difference quotients for f'(x) and their errors (Taylor expansion, M_k = |f^(k)|):

==========  ===========================  ===================  =====================
formula     expression                   truncation error     best h in float64
==========  ===========================  ===================  =====================
forward     (f(x + h) - f(x)) / h        h M_2 / 2            ~ sqrt(eps) ~ 1e-8
backward    (f(x) - f(x - h)) / h        h M_2 / 2            ~ sqrt(eps) ~ 1e-8
central     (f(x + h) - f(x - h)) / 2h   h^2 M_3 / 6          ~ eps^(1/3) ~ 6e-6
==========  ===========================  ===================  =====================

Rounding adds about eps |f(x)| / h (eps = 2.2e-16 in float64): making h smaller first helps
(truncation shrinks) and then hurts (cancellation in f(x + h) - f(x) grows).  Plotted on log-log
axes the total error is a V; :func:`step_size_errors` measures it and
:func:`plot_step_size_errors` draws it.

A gradient of f: R^n -> R needs n + 1 evaluations of f with forward differences and 2n with
central differences (:func:`numerical_gradient`); reverse-mode autodiff needs one forward and
one backward pass.  That is why numerical gradients are for *checking* (:func:`gradcheck`),
not for training.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "forward_difference",
    "backward_difference",
    "central_difference",
    "numerical_gradient",
    "gradcheck",
    "GradcheckError",
    "step_size_errors",
    "plot_step_size_errors",
]

_METHODS = ("forward", "backward", "central")


def _check_step(h):
    if not np.all(np.asarray(h) > 0):
        raise ValueError(f"the step size h must be positive, got h={h!r}")


def forward_difference(f, x, h=1e-5):
    """``(f(x + h) - f(x)) / h``: first-order accurate (error ~ h f''/2)."""
    _check_step(h)
    return (f(x + h) - f(x)) / h


def backward_difference(f, x, h=1e-5):
    """``(f(x) - f(x - h)) / h``: first-order accurate (error ~ h f''/2)."""
    _check_step(h)
    return (f(x) - f(x - h)) / h


def central_difference(f, x, h=1e-5):
    """``(f(x + h) - f(x - h)) / (2h)``: second-order accurate (error ~ h^2 f'''/6)."""
    _check_step(h)
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-6, method="central"):
    """The gradient of ``f: ndarray -> float`` at ``x`` by difference quotients.

    Each coordinate is moved by ``h`` in turn: ``method="central"`` evaluates ``f`` 2n times,
    ``"forward"`` and ``"backward"`` n + 1 times (``f(x)`` once, then one call per coordinate).
    ``f`` always receives a float64 array shaped like ``x``; the result has that shape too.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    _check_step(h)
    x = np.array(x, dtype=np.float64)  # a private copy that we may perturb
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views
    fx = None if method == "central" else float(f(x))
    for i in range(flat.size):
        old = flat[i]
        if method == "central":
            flat[i] = old + h
            fp = float(f(x))
            flat[i] = old - h
            fm = float(f(x))
            gflat[i] = (fp - fm) / (2 * h)
        elif method == "forward":
            flat[i] = old + h
            gflat[i] = (float(f(x)) - fx) / h
        else:
            flat[i] = old - h
            gflat[i] = (fx - float(f(x))) / h
        flat[i] = old
    return grad


# ---------------------------------------------------------------------------- gradcheck


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when analytic and numerical gradients disagree."""


def _as_tuple(inputs):
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def _flat_outputs(out, Tensor):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(
                f"gradcheck: the function must return a Tensor or a tuple of Tensors, "
                f"output {k} is {type(o).__name__}"
            )
    return outs


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check the gradients of a mygrad function against central differences, in float64.

    ``f(*inputs)`` must return a Tensor (any shape) or a tuple of Tensors.  Every input Tensor
    with ``requires_grad=True`` is checked: the full Jacobian is computed twice, by backward
    passes (one per output element) and by central differences with step ``eps`` (two
    evaluations per input element), and every entry must satisfy
    ``|analytic - numerical| <= atol + rtol * |numerical|``, as in ``torch.autograd.gradcheck``.
    Inputs are copied to float64 first (float32 is far too coarse for this test); non-Tensor
    inputs are passed through unchanged.

    Returns True, or on failure raises :class:`GradcheckError` (``raise_exception=False``:
    returns False) naming the worst entry: which input and output, the element indices, both
    values and their difference.
    """
    import mygrad

    Tensor = mygrad.Tensor
    inputs = _as_tuple(inputs)
    arrays = {}
    for k, inp in enumerate(inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            arrays[k] = np.array(inp.detach().numpy(), dtype=np.float64)
    if not arrays:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")

    def call(values, requires_grad):
        args = list(inputs)
        for k, inp in enumerate(inputs):
            if isinstance(inp, Tensor):
                data = values[k] if k in values else np.array(inp.detach().numpy())
                if k in arrays:
                    args[k] = mygrad.tensor(data, dtype=mygrad.float64,
                                            requires_grad=requires_grad)
                else:
                    args[k] = mygrad.tensor(data)
        return args, _flat_outputs(f(*args), Tensor)

    # analytic Jacobian, one backward pass per output element
    args, outs = call(arrays, True)
    out_sizes = [int(np.prod(o.shape)) for o in outs]
    n_out = sum(out_sizes)
    analytic = {k: np.zeros((n_out, a.size)) for k, a in arrays.items()}
    row = 0
    for o, size in zip(outs, out_sizes):
        if not o.requires_grad:  # output does not depend on any checked input
            row += size
            continue
        for j in range(size):
            seed = np.zeros(size)
            seed[j] = 1.0
            for k in arrays:
                args[k].grad = None
            o.backward(gradient=mygrad.tensor(seed.reshape(o.shape), dtype=o.dtype),
                       retain_graph=True)
            for k in arrays:
                g = args[k].grad
                if g is not None:
                    analytic[k][row + j] = np.asarray(g.numpy(), dtype=np.float64).reshape(-1)
        row += size

    # numerical Jacobian, one central difference per input element
    numerical = {k: np.zeros((n_out, a.size)) for k, a in arrays.items()}
    with mygrad.no_grad():
        for k, base in arrays.items():
            flat = base.reshape(-1)
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + eps
                plus = np.concatenate([np.asarray(o.numpy(), np.float64).reshape(-1)
                                       for o in call(arrays, False)[1]])
                flat[i] = old - eps
                minus = np.concatenate([np.asarray(o.numpy(), np.float64).reshape(-1)
                                        for o in call(arrays, False)[1]])
                flat[i] = old
                numerical[k][:, i] = (plus - minus) / (2 * eps)

    # the worst entry, measured against its own tolerance
    worst = None
    for k in arrays:
        a, n = analytic[k], numerical[k]
        with np.errstate(invalid="ignore"):
            excess = np.abs(a - n) / (atol + rtol * np.abs(n))
        excess = np.where(np.isnan(excess), np.inf, excess)
        if excess.size and (worst is None or excess.max() > worst[0]):
            r, c = np.unravel_index(int(np.argmax(excess)), excess.shape)
            worst = (float(excess[r, c]), k, r, c)
    if worst is None or worst[0] <= 1.0:
        return True

    _, k, r, c = worst
    out_index, offset = 0, r
    while offset >= out_sizes[out_index]:
        offset -= out_sizes[out_index]
        out_index += 1
    out_elem = np.unravel_index(offset, tuple(outs[out_index].shape))
    in_elem = np.unravel_index(c, arrays[k].shape)
    a_val, n_val = analytic[k][r, c], numerical[k][r, c]
    message = (
        f"gradcheck failed: Jacobian mismatch for output {out_index} with respect to input {k}"
        f" (input shape {tuple(arrays[k].shape)}, output shape {tuple(outs[out_index].shape)}),"
        f" worst at output element {tuple(int(i) for i in out_elem)}, input element"
        f" {tuple(int(i) for i in in_elem)}: analytic {a_val:.10g}, numerical {n_val:.10g},"
        f" |difference| {abs(a_val - n_val):.3g} > atol + rtol*|numerical|"
        f" = {atol + rtol * abs(n_val):.3g}"
    )
    if raise_exception:
        raise GradcheckError(message)
    return False


# ---------------------------------------------------------------------------- step size


def step_size_errors(f, df, x, hs=None):
    """Absolute error of each difference quotient of ``f`` at ``x`` for every step in ``hs``.

    ``df`` is the exact derivative (a function).  ``hs`` defaults to ``logspace(-16, 0, 161)``.
    Returns ``{"h": hs, "forward": ..., "backward": ..., "central": ...}``, float64 arrays.
    """
    hs = np.logspace(-16, 0, 161) if hs is None else np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or hs.size == 0:
        raise ValueError(f"hs must be a non-empty 1-D sequence of step sizes, got shape {hs.shape}")
    _check_step(hs)
    exact = float(df(x))
    result = {"h": hs}
    for name, formula in (
        ("forward", forward_difference),
        ("backward", backward_difference),
        ("central", central_difference),
    ):
        result[name] = np.array([abs(float(formula(f, x, h)) - exact) for h in hs])
    return result


def plot_step_size_errors(result, ax=None):
    """Draw the output of :func:`step_size_errors` on log-log axes; returns the Axes.

    Exact zeros (a difference that happens to be exact) cannot be shown on a log axis and are
    left out.  A dotted line marks machine epsilon.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    hs = np.asarray(result["h"])
    styles = {"forward": ("C0", "o"), "backward": ("C1", "v"), "central": ("C2", "s")}
    for name, (color, marker) in styles.items():
        if name not in result:
            continue
        err = np.asarray(result[name], dtype=np.float64)
        shown = err > 0
        ax.loglog(hs[shown], err[shown], marker=marker, ms=3, lw=1, color=color, label=name)
    ax.axhline(np.finfo(np.float64).eps, color="gray", ls=":", lw=1, label="machine epsilon")
    ax.set_xlabel("step size h")
    ax.set_ylabel("absolute error")
    ax.legend()
    return ax
