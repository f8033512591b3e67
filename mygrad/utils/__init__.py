"""``mygrad.utils``: data loading (``mygrad.utils.data``), as in ``torch.utils``."""

from . import data

__all__ = ["data"]
