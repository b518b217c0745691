"""The pure parts of the shared lock: the lease duration setting, the CI run URL, and the
holder's metadata as written to and read from a blob (another run's text: cut and cleaned)."""

from __future__ import annotations

import pytest

from reconciler.apply.blob_lock import (
    MAX_METADATA_CHARS,
    ci_run_url,
    holder_from_metadata,
    holder_metadata,
)
from reconciler.apply.lock import LockHolder
from reconciler.apply.stack_lock import LEASE_SECONDS_VARIABLE, lease_seconds
from reconciler.errors import LockError


def test_the_lease_lasts_60_s_unless_set_within_azures_range() -> None:
    assert lease_seconds({}) == 60
    assert lease_seconds({LEASE_SECONDS_VARIABLE: "15"}) == 15
    for wrong in ("14", "61", "-1", "soon", "30.5"):
        with pytest.raises(LockError, match="from 15 to 60") as caught:
            lease_seconds({LEASE_SECONDS_VARIABLE: wrong})
        assert wrong not in str(caught.value)  # names the variable, never echoes its value


def test_the_run_url_of_github_actions_and_azure_pipelines() -> None:
    github = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_RUN_ID": "17",
    }
    assert ci_run_url(github) == "https://github.com/acme/models/actions/runs/17"
    devops = {
        "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
        "SYSTEM_TEAMPROJECT": "ml",
        "BUILD_BUILDID": "9",
    }
    assert ci_run_url(devops) == "https://dev.azure.com/acme/ml/_build/results?buildId=9"
    assert ci_run_url({"GITHUB_RUN_ID": "17"}) == ""


def test_the_holder_round_trips_through_metadata() -> None:
    holder = LockHolder(
        "alice@runner",
        "runner",
        42,
        "2026-11-30T09:00:00Z",
        "reconciler apply specs",
        "https://x/1",
    )
    assert holder_from_metadata(holder_metadata(holder)) == holder
    assert holder.describe() == "alice@runner (pid 42) since 2026-11-30T09:00:00Z, run https://x/1"


def test_metadata_is_ascii_and_short_both_ways() -> None:
    holder = LockHolder("zoë@runner", "runner", 1, "t", "reconciler apply " + "x" * 1000)
    written = holder_metadata(holder)
    assert written["owner"] == "zo?@runner"
    assert len(written["command"]) == MAX_METADATA_CHARS
    assert "run_url" not in written  # not in CI: left out
    shown = holder_from_metadata({"owner": "mallory\x1b[2J", "pid": "not-a-number"})
    assert shown is not None
    assert shown.owner == "mallory?[2J"
    assert shown.pid == 0
    assert holder_from_metadata({}) is None
