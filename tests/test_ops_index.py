"""The op list in mygrad/_ops/__init__.py names exactly the Op classes each module defines."""

import importlib
import inspect
import re

import mygrad._ops as ops
from mygrad._ops._common import Op


def _listed():
    listed, current = {}, None
    for line in ops.__doc__.splitlines():
        m = re.match(r"\* ``(\w+)``\s+(.*)", line)
        if m:
            current = m.group(1)
            listed[current] = m.group(2)
        elif current and line.startswith(" " * 10) and line.strip():
            listed[current] += " " + line.strip()
        else:
            current = None
    return {mod: {n.strip() for n in names.split(",")} for mod, names in listed.items()}


def _defined(module):
    mod = importlib.import_module(f"mygrad._ops.{module}")
    return {name for name, obj in vars(mod).items()
            if inspect.isclass(obj) and issubclass(obj, Op) and obj.__module__ == mod.__name__
            and not name.startswith("_")}


def test_every_module_with_ops_is_listed():
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(ops.__path__)
               if not m.name.startswith("_") and _defined(m.name)}
    assert modules == set(_listed())


def test_listed_ops_are_exactly_the_defined_ones():
    for module, names in _listed().items():
        assert names == _defined(module), module


def test_every_op_is_marked_built_in_and_every_user_function_is_not():
    from mygrad.autograd import Function

    class Mine(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    assert not Mine._builtin
    for module in _listed():
        mod = importlib.import_module(f"mygrad._ops.{module}")
        for obj in vars(mod).values():
            if inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function:
                assert obj._builtin, obj


def test_the_index_check_can_fail(monkeypatch):
    """A class added to a module without a line in the list is caught."""
    from mygrad._ops import arithmetic

    class Extra(Op):
        pass

    Extra.__module__ = arithmetic.__name__
    monkeypatch.setattr(arithmetic, "Extra", Extra, raising=False)
    assert _listed()["arithmetic"] != _defined("arithmetic")
