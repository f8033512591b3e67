"""``mygrad.utils.data``: datasets and mini-batches (``torch.utils.data``).

A *dataset* answers two questions: how many samples (``len``) and what is sample *i*
(``dataset[i]``). A ``DataLoader`` walks a dataset in mini-batches: each epoch (each ``for``
loop over the loader) visits every sample exactly once, in a fresh random order when
``shuffle=True``, and stacks the samples of a batch into tensors.
"""

import collections.abc
import math
import numbers

import numpy as np

from ..tensor import Tensor
from ._rng import numpy_generator

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "DataLoader", "random_split",
    "default_collate",
]


class Dataset:
    """Base class: subclasses implement ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are slices of the given tensors along their first dimension:
    ``dataset[i] == (X[i], y[i])``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset expects mygrad Tensors, got {type(t).__name__} "
                    "(convert with mygrad.tensor(...) or mygrad.from_numpy(...))"
                )
            if t.ndim == 0:
                raise ValueError("TensorDataset tensors need a first (sample) dimension")
        sizes = [t.shape[0] for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(
                f"Size mismatch between tensors: first dimensions are {sizes}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (integers
    summing to ``len(dataset)``, or fractions summing to 1)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):  # hand out the remainder round-robin, like torch
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = numpy_generator(generator).permutation(n).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out


# ---------------------------------------------------------------------------- collation
def _stack(tensors):
    if any(t._rg for t in tensors):
        from .. import stack

        return stack(list(tensors))
    return Tensor._wrap(np.stack([t._data for t in tensors]))


def default_collate(batch):
    """Stack a list of samples into a batch, like torch's ``default_collate``: tensors and
    numpy arrays are stacked along a new first dimension, Python floats become a float64
    tensor and ints an int64 tensor, tuples/lists/dicts are collated field by field."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        return Tensor._wrap(np.stack(batch))
    if isinstance(elem, np.generic):
        return Tensor._wrap(np.asarray(batch))
    if isinstance(elem, bool):
        return Tensor._wrap(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor._wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )


# ---------------------------------------------------------------------------- loader
class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    ``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, generator=None,
    collate_fn=None)``: with ``shuffle=True`` each epoch uses a new permutation drawn from
    ``generator`` (a ``mygrad.Generator`` or ``numpy.random.Generator``) or, by default, from
    mygrad's global generator, so ``mygrad.manual_seed(s)`` makes the order reproducible.
    ``drop_last=True`` skips a final incomplete batch. ``num_workers`` and ``pin_memory`` are
    accepted for compatibility; loading always happens in the calling process.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, generator=None):
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
            or batch_size <= 0
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle should be a boolean value, but got shuffle={shuffle}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.sampler = sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.drop_last = drop_last
        self.generator = generator
        if generator is not None:
            numpy_generator(generator)  # validate early

    def _indices(self):
        if self.sampler is not None:
            return np.asarray(list(iter(self.sampler)), dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:
            return numpy_generator(self.generator).permutation(n)
        return np.arange(n)

    def __iter__(self):
        order = self._indices()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        bs = self.batch_size
        stop = len(order) - (len(order) % bs if self.drop_last else 0)
        fast = self.collate_fn is None and type(self.dataset) is TensorDataset
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            if fast:
                yield self._tensor_batch(idx)
            else:
                samples = [self.dataset[int(i)] for i in idx]
                yield (self.collate_fn or default_collate)(samples)

    def _tensor_batch(self, idx):
        """One batch of a TensorDataset by fancy indexing (what stacking the rows gives)."""
        out = []
        for t in self.dataset.tensors:
            if t._rg:
                out.append(_stack([t[int(i)] for i in idx]))
            else:
                out.append(Tensor._wrap(t._data[idx]))
        return out

    def __len__(self):
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
