"""mygrad.utils.data: datasets, mini-batches, seeded shuffling, torch-compatible collation."""

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import mygrad
from mygrad.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _xy(n=10):
    X = mygrad.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2))
    y = mygrad.tensor(np.arange(n))
    return X, y


def test_tensor_dataset_indexing_and_length():
    X, y = _xy()
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    assert x3.tolist() == [6.0, 7.0] and y3.item() == 3
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(X, mygrad.zeros(9))
    with pytest.raises(TypeError, match="mygrad Tensors"):
        TensorDataset(np.zeros((3, 2)))


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True),
                                                      (10, 5, False), (7, 10, False),
                                                      (7, 10, True)])
def test_batches_cover_every_sample_once_per_epoch(n, batch_size, drop_last):
    X, y = _xy(n)
    mygrad.manual_seed(0)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                        drop_last=drop_last)
    th_len = len(tdata.DataLoader(tdata.TensorDataset(torch.zeros(n)), batch_size=batch_size,
                                  drop_last=drop_last))
    assert len(loader) == th_len
    orders = []
    for _ in range(3):
        seen = []
        batches = list(loader)
        assert len(batches) == len(loader)
        for xb, yb in batches:
            assert xb.shape[1:] == (2,) and xb.shape[0] == yb.shape[0]
            assert xb.dtype == mygrad.float32 and yb.dtype == mygrad.int64
            # rows stay paired with their labels
            np.testing.assert_array_equal(xb.numpy()[:, 0], 2 * yb.numpy())
            seen.extend(yb.tolist())
        sizes = [b[1].shape[0] for b in batches]
        assert all(s == batch_size for s in sizes[:-1])
        if drop_last:
            assert sorted(seen) == sorted(set(seen)) and len(seen) == (n // batch_size) * batch_size
        else:
            assert sorted(seen) == list(range(n))  # every sample exactly once
        orders.append(seen)
    if n > batch_size or not drop_last:
        assert orders[0] != orders[1] or orders[1] != orders[2]  # reshuffled every epoch


def test_no_shuffle_keeps_order():
    X, y = _xy(7)
    batches = [yb.tolist() for _, yb in DataLoader(TensorDataset(X, y), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]


def test_shuffle_is_reproducible_with_manual_seed_and_generator():
    X, y = _xy(50)
    ds = TensorDataset(X, y)

    def epoch(loader):
        return [v for _, yb in loader for v in yb.tolist()]

    mygrad.manual_seed(123)
    a = epoch(DataLoader(ds, batch_size=8, shuffle=True))
    mygrad.manual_seed(123)
    b = epoch(DataLoader(ds, batch_size=8, shuffle=True))
    assert a == b and a != list(range(50))
    g1 = mygrad.Generator().manual_seed(7)
    g2 = mygrad.Generator().manual_seed(7)
    c = epoch(DataLoader(ds, batch_size=8, shuffle=True, generator=g1))
    mygrad.manual_seed(999)  # the global seed does not matter when a generator is given
    d = epoch(DataLoader(ds, batch_size=8, shuffle=True, generator=g2))
    assert c == d
    e = epoch(DataLoader(ds, batch_size=8, shuffle=True,
                         generator=np.random.default_rng(7)))
    assert sorted(e) == list(range(50))


class PairDataset(Dataset):
    """A dataset like the seed lecture's: numpy rows and Python / numpy scalars."""

    def __init__(self, n=5):
        rng = np.random.default_rng(0)
        self.X = rng.standard_normal((n, 2))
        self.y = rng.integers(0, 2, n)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], int(self.y[i]), float(self.X[i, 0]), {"w": self.X[i, 1]}


def test_default_collate_matches_torch_types_and_values():
    ds = PairDataset()
    (mg,) = list(DataLoader(ds, batch_size=5))
    (th,) = list(tdata.DataLoader(ds, batch_size=5))
    assert type(mg) is type(th) is list and len(mg) == len(th) == 4
    for a, b in [(mg[0], th[0]), (mg[1], th[1]), (mg[2], th[2]), (mg[3]["w"], th[3]["w"])]:
        assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tensor_dataset_batches_match_torch_collation():
    X, y = _xy(6)
    (mx, my), = list(DataLoader(TensorDataset(X, y), batch_size=6))
    (tx, ty), = list(tdata.DataLoader(tdata.TensorDataset(torch.tensor(X.numpy()),
                                                          torch.tensor(y.numpy())),
                                      batch_size=6))
    np.testing.assert_array_equal(mx.numpy(), tx.numpy())
    np.testing.assert_array_equal(my.numpy(), ty.numpy())


def test_collate_keeps_graph_for_tensors_that_require_grad():
    w = mygrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    batch = default_collate([w[0] * 2, w[1] * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[2.0, 2.0], [3.0, 3.0]])


def test_batch_size_none_and_errors():
    X, y = _xy(3)
    items = list(DataLoader(TensorDataset(X, y), batch_size=None))
    assert len(items) == 3 and items[2][1].item() == 2
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            DataLoader(TensorDataset(X, y), batch_size=bad)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(TensorDataset(X, y), shuffle=True, generator=42)
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


def test_random_split():
    X, y = _xy(10)
    ds = TensorDataset(X, y)
    a, b = random_split(ds, [7, 3], generator=mygrad.Generator().manual_seed(0))
    assert isinstance(a, Subset) and len(a) == 7 and len(b) == 3
    ids = sorted([a[i][1].item() for i in range(7)] + [b[i][1].item() for i in range(3)])
    assert ids == list(range(10))
    c, d = random_split(ds, [0.75, 0.25])
    assert (len(c), len(d)) == (8, 2)  # torch gives the remainder round-robin: 8 + 2
    assert [len(s) for s in tdata.random_split(range(10), [0.75, 0.25])] == [8, 2]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [5, 4])
    loader = DataLoader(a, batch_size=4)
    assert [len(yb) for _, yb in loader] == [4, 3]
    concat = a + b
    assert len(concat) == 10 and concat[7][1].item() == b[0][1].item()
