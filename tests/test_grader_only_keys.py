"""Case keys starting with "_" reach the reference but never the student's sandbox."""

import json

import pytest

from autograder import grader
from autograder.spec import Assignment, probe_arguments


def probe_echo(ns, x):
    return {"x": x}


def test_probe_arguments_drop_grader_only_keys():
    case = {"x": [1.0, 2.0], "_labels": [0, 1]}
    assert probe_arguments(case) == {"x": [1.0, 2.0]}
    assert case == {"x": [1.0, 2.0], "_labels": [0, 1]}  # the reference still gets everything


def test_the_sandbox_job_never_contains_grader_only_values(monkeypatch):
    secret = 0.123456789
    spec = Assignment("tmp")
    spec.task("tmp_check", probe=probe_echo,
              cases=lambda rng: [{"x": 1.0, "_secret": secret}],
              reference=lambda x, _secret: {"x": x})
    sent = {}

    class Stop(Exception):
        pass

    def fake_run(job, limits):
        sent["job"] = json.dumps(job)
        raise Stop

    monkeypatch.setattr(grader.sandbox, "run", fake_run)

    class Ctx:
        pass

    ctx = Ctx()
    ctx.spec = spec
    ctx.limits = None
    ctx.run = fake_run  # where the job goes (sandbox.run here, a Dask worker with --dask)

    class T:
        manual = False
        grade_id = "tmp_check"

    class Reduced:
        steps = []

    with pytest.raises(Stop):
        grader._run_and_score(ctx, Reduced(), [T()], None)
    assert "job" in sent, "the grader did not reach the sandbox"
    assert "_secret" not in sent["job"] and repr(secret) not in sent["job"]
    assert '"x": 1.0' in sent["job"]
