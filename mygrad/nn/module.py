"""``Module``: the base class of every layer and model (``torch.nn.Module``).

Assigning a :class:`~mygrad.nn.Parameter` or another ``Module`` to an attribute registers it
(``__setattr__``), so ``parameters()`` finds every weight of a model without a list kept by
hand, ``state_dict()`` names them (``"0.weight"``, ``"fc.bias"``), and ``print(model)`` shows the
tree in torch's format.

Lecture 9 builds this class's core in a few lines: ``__setattr__`` files a Parameter under
``_parameters`` and a Module under ``_modules``, ``named_parameters`` walks them recursively
with dotted names, ``zero_grad`` resets every ``.grad``, and ``__call__`` runs ``forward``.
That core is here, with the same names; the rest is torch's API around it (buffers, hooks,
``state_dict``, ``train``/``eval``, ``to``, printing) and torch's rules for odd assignments.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from .._ops.shape import BackwardHook as _BackwardHook
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .parameter import Parameter, zero_grad

__all__ = ["Module"]

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _typename(value):
    if isinstance(value, Tensor):
        return value.type()  # "mygrad.FloatTensor", like torch.typename
    return type(value).__module__ + "." + type(value).__qualname__


def _addindent(text, n):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


class Module:
    """Base class for all neural-network modules; subclasses define ``forward``.

    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = Linear(2, 16)
    ...         self.fc2 = Linear(16, 2)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())

    # ------------------------------------------------------------------ forward
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        hooks = self.__dict__.get("_hooks")
        if not hooks:
            return self.forward(*args, **kwargs)
        return _call_with_hooks(self, hooks, args, kwargs)

    # ------------------------------------------------------------------ hooks (torch API)
    def _add_hook(self, kind, hook):
        hooks = self.__dict__.get("_hooks")
        if hooks is None:
            hooks = {"forward_pre": [], "forward": [], "backward": []}
            object.__setattr__(self, "_hooks", hooks)
        hooks[kind].append(hook)
        return _RemovableHandle(hooks[kind], hook)

    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` before forward; it may return new args."""
        return self._add_hook("forward_pre", hook)

    def register_forward_hook(self, hook):
        """``hook(module, args, output)`` after forward; it may return a new output."""
        return self._add_hook("forward", hook)

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's tensor inputs are computed; it may return a new grad_input."""
        return self._add_hook("backward", hook)

    register_backward_hook = register_full_backward_hook

    # ------------------------------------------------------------------ registration
    def _check_init(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for "no such parameter") under ``name``."""
        self._check_init("parameters")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(mygrad.nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a non-trainable tensor (saved in ``state_dict`` when ``persistent``)."""
        self._check_init("buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(mygrad Tensor or None required)"
            )
        self._buffers[name] = tensor
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def add_module(self, name, module):
        """Register a sub-module under ``name`` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        # lecture 9's registration (a Parameter -> _parameters, a Module -> _modules), plus
        # torch's rules: None clears a slot, a buffer stays a buffer, wrong types are refused
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._check_init("parameters")
            self._remove_from(name, self.__dict__, self._buffers, self._modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(mygrad.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, self.__dict__, self._parameters, self._buffers)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(mygrad.nn.Module or None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(mygrad.Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts):
        for d in dicts:
            d.pop(name, None)

    def __getattr__(self, name):  # only called when normal lookup fails
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = set(super().__dir__())
        keys.update(self._parameters, self._buffers, self._modules)
        return sorted(keys)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(name, module)`` for this module and every sub-module, depth first."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(n, m) for n, m in module._modules.items() if m is not None]
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, module)`` for the direct sub-modules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, store, prefix, recurse, remove_duplicate):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, parameter)``: ``("0.weight", ...)``, ``("0.bias", ...)``, ..."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Yield every parameter (each shared parameter once), in registration order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode=True):
        """Set training mode (``self.training``) here and in every sub-module; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradient of every parameter: to None (default, like torch) or to zeros."""
        zero_grad(self.parameters(), set_to_none)

    # ------------------------------------------------------------------ dtype and device
    def _cast(self, dtype):
        for module in self.modules():
            for store in (module._parameters, module._buffers):
                for t in store.values():
                    if t is not None and np.issubdtype(t._data.dtype, np.floating):
                        t._data = t._data.astype(dtype)
                        if t.grad is not None:
                            t.grad._data = t.grad._data.astype(dtype)
        return self

    def double(self):
        """Cast floating-point parameters and buffers to float64 (in place); returns self."""
        return self._cast(np.float64)

    def float(self):
        """Cast floating-point parameters and buffers to float32 (in place); returns self."""
        return self._cast(np.float32)

    def to(self, *args, **kwargs):
        """``to(device)`` / ``to(dtype)``: mygrad runs on the CPU only, so a device must be
        ``"cpu"``; a floating dtype casts the parameters. Returns self."""
        from .. import dtypes

        targets = list(args) + [kwargs[k] for k in ("device", "dtype") if k in kwargs]
        for target in targets:
            if isinstance(target, dtypes.dtype):
                np_dtype = target.np_dtype
                if not np.issubdtype(np_dtype, np.floating):
                    raise TypeError(
                        "nn.Module.to only accepts floating point dtypes, but got "
                        f"desired dtype={target}"
                    )
                self._cast(np_dtype)
            elif str(target).split(":")[0] != "cpu":
                raise RuntimeError(
                    f"mygrad runs on the CPU only; cannot move a module to device '{target}'"
                )
        return self

    def cpu(self):
        return self

    # ------------------------------------------------------------------ state dict
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict from dotted names to tensors (detached unless ``keep_vars``) that
        share memory with the parameters and persistent buffers."""
        out = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            dot = f"{module_prefix}." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else p.detach()
            skip = module.__dict__.get("_non_persistent", ())
            for name, b in module._buffers.items():
                if b is not None and name not in skip:
                    out[dot + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into the parameters and buffers (in place).

        With ``strict=True`` missing or unexpected keys are an error, like torch; a shape
        mismatch is always an error. Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = value._data if isinstance(value, Tensor) else np.asarray(value)
            if arr.shape != target._data.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {_size(arr.shape)} "
                    f"from checkpoint, the shape in current model is "
                    f"{_size(target._data.shape)}."
                )
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
                arr = value._data if isinstance(value, Tensor) else np.asarray(value)
                _writable(target)[...] = arr
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def extra_repr(self):
        """Extra text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(module), 2))
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _writable(t):
    """The tensor's array, made an ndarray (a 0-d tensor may hold a numpy scalar)."""
    if not isinstance(t._data, np.ndarray):
        t._data = np.array(t._data)
    return t._data


def _size(shape):
    return f"mygrad.Size([{', '.join(str(int(s)) for s in shape)}])"


class _RemovableHandle:
    """What the ``register_*_hook`` methods return: ``handle.remove()`` unregisters."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _call_with_hooks(module, hooks, args, kwargs):
    for h in list(hooks["forward_pre"]):
        r = h(module, args)
        if r is not None:
            args = r if isinstance(r, tuple) else (r,)
    back = hooks["backward"]
    state = None
    if back and is_grad_enabled():
        state = {"grad_output": None, "grad_input": [None] * len(args), "pending": 0}
        new_args = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a.requires_grad:
                a = _BackwardHook.apply(a)
                state["pending"] += 1
                a.register_hook(_input_hook(module, back, state, i))
            new_args.append(a)
        args = tuple(new_args)
    out = module.forward(*args, **kwargs)
    for h in list(hooks["forward"]):
        r = h(module, args, out)
        if r is not None:
            out = r
    if state is not None and isinstance(out, Tensor) and out.requires_grad:
        def out_hook(g):
            state["grad_output"] = (g,)
            if state["pending"] == 0:  # no input needs a gradient: torch calls with Nones
                for h in list(back):
                    h(module, tuple(state["grad_input"]), state["grad_output"])
            return None
        out = _BackwardHook.apply(out)
        out.register_hook(out_hook)
    return out


def _input_hook(module, back, state, i):
    def hook(g):
        state["grad_input"][i] = g
        state["pending"] -= 1
        if state["pending"] == 0:
            grad_input = tuple(state["grad_input"])
            for h in list(back):
                r = h(module, grad_input, state["grad_output"])
                if r is not None:
                    grad_input = tuple(r)
            return grad_input[i]
        return None
    return hook
