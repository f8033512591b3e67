"""The optimiser base class: parameter groups, per-parameter state, ``zero_grad`` and ``step``.

An optimiser updates parameters *in place* from their ``.grad``; it never writes into ``.grad``
(the update rules build new arrays from it). Subclasses implement ``_update(group)``, called
once per parameter group by ``step()``, and do their arithmetic on the numpy arrays behind
the tensors, with the same formulas and in the same order as torch's single-tensor code path
so that the numbers agree to float32 rounding.

Lecture 9's ``Optimizer`` keeps a parameter list and a state dict per parameter, and its
subclasses write ``update(g, state)``, the step to subtract. Here the same idea carries torch's
interface: parameter *groups* (each with its own ``lr``), ``state`` keyed by parameter, and
``_update(group)`` doing ``p -= lr * step`` on the arrays (see ``sgd.py``: momentum is
``buf = momentum * buf + g``, as in the lecture's Momentum).
"""

import numpy as np

from .. import no_grad
from ..autograd import versions as _versions
from ..nn.parameter import zero_grad

__all__ = ["Optimizer"]


def _array(t):
    """The numpy array that stores a tensor's values (updated in place by the optimisers).

    A 0-d tensor may hold a numpy scalar, which cannot be updated in place: it is replaced
    by a 0-d array first."""
    arr = t._data
    if not isinstance(arr, np.ndarray):
        arr = t._data = np.array(arr)
    return arr


def _grad_array(p):
    """The numpy array of ``p.grad``, or None if the parameter has no gradient."""
    g = p._grad
    return None if g is None else np.asarray(g._data)


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimisers (``torch.optim.Optimizer``)."""

    def __init__(self, params, defaults):
        from ..tensor import Tensor

        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__module__}.{type(params).__name__}"
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional hyper-parameters)."""
        from ..tensor import Tensor

        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__module__}.{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = {"params": params}
        for name, default in self.defaults.items():
            value = param_group.get(name, default)
            if value is required:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            group[name] = value
        for name, value in param_group.items():
            group.setdefault(name, value)

        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to ``None`` (default, like torch) or to zeros."""
        zero_grad((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient; returns ``closure()``."""
        loss = None
        if closure is not None:
            from .. import enable_grad

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update(group)
        return loss

    def _update(self, group):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    def _params_with_grad(self, group):
        """Yield ``(param_array, grad_array, state)`` for the parameters that have a gradient.

        The gradient is negated (a new array) when the group has ``maximize=True``; it is
        otherwise the ``.grad`` array itself and must only be read.
        """
        maximize = group.get("maximize", False)
        for p in group["params"]:
            g = _grad_array(p)
            if g is None:
                continue
            arr = _array(p)
            _versions.bump(arr)  # an in-place update, as torch counts it (t._version)
            yield arr, (-g if maximize else g), self.state.setdefault(p, {})

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self):
        """The optimiser's state and hyper-parameters, with parameters replaced by indices."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: (v.copy() if isinstance(v, np.ndarray) else v)
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what :meth:`state_dict` returned (same parameter layout required)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, saved in zip(self.param_groups, groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    "of optimizer's group"
                )
        self.state = {}
        for mine, saved in zip(self.param_groups, groups):
            for p, i in zip(mine["params"], saved["params"]):
                if i in state_dict["state"]:
                    self.state[p] = {
                        k: (v.copy() if isinstance(v, np.ndarray) else v)
                        for k, v in state_dict["state"][i].items()
                    }
            mine.update({k: v for k, v in saved.items() if k != "params"})

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
