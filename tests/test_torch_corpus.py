"""Third-party torch code runs unchanged under ``import mygrad as torch`` (issue 13).

Every snippet in tests/corpus/snippets.py is run twice in one test, with torch and with mygrad
under the name ``torch``; what it prints (values, gradients, error messages' first words,
grad_fn names) must be the same text with the same numbers (rtol 1e-4: float32 sums may
differ in the last digits).
"""

import pytest

import mygrad
from tests.corpus.harness import compare, run
from tests.corpus.snippets import OUTSIDE, SNIPPETS


@pytest.mark.parametrize("name,source,code", SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_snippet_prints_what_torch_prints(name, source, code):
    out_t, out_m, problems = compare(code)
    assert out_t.strip(), f"{name}: the snippet printed nothing under torch"
    assert not problems, (f"{name} ({source}): {problems[:5]}\n--- torch ---\n{out_t}\n"
                          f"--- mygrad ---\n{out_m}")


@pytest.mark.parametrize("name,source,code,feature", OUTSIDE, ids=[s[0] for s in OUTSIDE])
def test_code_outside_the_subset_fails_loudly(name, source, code, feature):
    """Outside the subset mygrad raises an error naming the missing feature (and the snippet
    is real torch code: it runs under torch)."""
    import torch

    assert run(code, torch).strip()
    with pytest.raises(Exception, match=feature):
        run(code, mygrad)
