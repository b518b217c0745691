"""Reading a plan file: what is not one says what a plan file is; a stale plan says which side
(the spec, or Azure) moved since it was made."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ReconcilerError, StalePlanError
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore, DeploymentReason
from reconciler.plan.model import Action, Because, Change, Plan, ResourceType
from reconciler.plan.saved import check_current, load_saved_plan, save_plan, saved_plan_of

WHAT = "a plan file is what `reconciler plan --out FILE` writes"


MODEL = {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}


def _plan(digest: str, capacity: int = 1) -> Plan:
    change = Change(
        address="deployment.d",
        type=ResourceType.DEPLOYMENT,
        action=Action.UPDATE,
        because=Because(DeploymentReason.DIFFERS),
        before=DeploymentBefore("a", "aoai-a", "d", MODEL, "Standard", 1, {}, "Succeeded"),
        after=DeploymentAfter("a", "aoai-a", "d", MODEL, "Standard", capacity, {}),
    )
    return Plan(stack="s", changes=(change,), observed_digest=digest)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"junk\n", "it is not JSON"),
        (b"\xff\xfe junk", "it is not text"),
        (b'{"stack": "s"}', "it is JSON, but not a saved plan"),
        (b"[1, 2]", "it is JSON, but not a saved plan"),
        (
            b'{"saved": {"kind": "reconciler-saved-plan", "spec_dir": "x"}, "format_version": "9"}',
            "it is a saved plan, but damaged or from another version",
        ),
    ],
)
def test_a_file_that_is_no_plan_says_what_a_plan_file_is(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    junk = tmp_path / "junk.plan"
    junk.write_bytes(content)
    with pytest.raises(ReconcilerError) as caught:
        saved_plan_of(junk)
    message = str(caught.value)
    assert message.startswith(f"{junk}: error: not a plan file: {reason}")
    assert WHAT in message


def test_a_directory_or_a_missing_path_is_a_spec_directory(tmp_path: Path) -> None:
    assert saved_plan_of(tmp_path) is None
    assert saved_plan_of(tmp_path / "specs") is None


def test_a_saved_plan_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "p.plan"
    save_plan(path, _plan("a"), tmp_path, frozenset({"job.x"}))
    saved = load_saved_plan(path)
    assert saved.plan == _plan("a")
    assert saved.replace == frozenset({"job.x"})
    assert saved.spec_digest is None  # no desired state given


def test_stale_names_the_spec_when_it_changed_even_if_the_observed_state_differs() -> None:
    with pytest.raises(StalePlanError, match="the spec or its data changed") as caught:
        check_current(_plan("a"), _plan("b"), spec_changed=True)
    assert "Azure" not in str(caught.value)


def test_stale_names_azure_when_the_spec_did_not_change() -> None:
    with pytest.raises(StalePlanError, match=r"Azure has changed .*; the spec has not"):
        check_current(_plan("a"), _plan("b"), spec_changed=False)


def test_stale_without_a_digest_of_the_spec_keeps_the_old_reading() -> None:
    with pytest.raises(StalePlanError, match="Azure has changed"):
        check_current(_plan("a"), _plan("b"), spec_changed=None)
    with pytest.raises(StalePlanError, match="the spec or its data changed"):
        check_current(_plan("a"), _plan("a", capacity=2), spec_changed=None)


def test_a_current_plan_passes() -> None:
    check_current(_plan("a"), _plan("a"), spec_changed=False)
