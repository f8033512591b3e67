"""Threshold checks (Expect.min_fraction), e.g. "at least 90 % of the labels are right"."""

import numpy as np
import pytest

from autograder.checks import CheckFailed, Expect, check, compare
from autograder.plain import to_plain


def _labels(n_wrong, n=20, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, size=n)
    pred = truth.copy()
    pred[:n_wrong] = 1 - pred[:n_wrong]
    return truth, pred


@pytest.mark.parametrize("n_wrong, passes", [(0, True), (2, True), (3, False), (20, False)])
def test_share_of_matching_elements_decides(n_wrong, passes):
    truth, pred = _labels(n_wrong)
    expect = Expect(truth, rtol=0.0, atol=0.5, min_fraction=0.9)
    outcome = compare("labels", to_plain(pred.tolist()), expect)
    assert outcome.ok is passes
    assert outcome.details["fraction"] == pytest.approx(1 - n_wrong / 20)
    assert f"{1 - n_wrong / 20:.1%}" in outcome.message


def test_visible_check_raises_below_the_line_and_names_both_numbers():
    truth, pred = _labels(5)
    with pytest.raises(CheckFailed) as err:
        check("accuracy", pred.tolist(), truth, rtol=0.0, atol=0.5, min_fraction=0.9)
    assert "75.0%" in str(err.value) and "90%" in str(err.value)


def test_wrong_shape_still_fails_before_the_threshold():
    truth, _ = _labels(0)
    outcome = compare("labels", to_plain([0, 1]), Expect(truth, atol=0.5, min_fraction=0.5))
    assert not outcome.ok and "shape" in outcome.message


def test_nan_never_counts_as_a_match():
    truth = np.zeros(10)
    pred = [float("nan")] * 10
    outcome = compare("labels", to_plain(pred), Expect(truth, atol=0.5, min_fraction=0.0001))
    assert not outcome.ok
