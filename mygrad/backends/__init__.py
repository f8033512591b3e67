"""``mygrad.backends``: the flags seed-setting code writes (``cudnn.deterministic = True``)
exist and are honoured trivially — mygrad's CPU numpy code is deterministic already."""

from types import SimpleNamespace

__all__ = ["cudnn", "mps"]

cudnn = SimpleNamespace(
    deterministic=False, benchmark=False, enabled=True, allow_tf32=True,
    is_available=lambda: False, version=lambda: None,
)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
