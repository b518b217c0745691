"""Apply against a flaky Azure: storms of 409 / 429 / 500 and failures after the request took
effect (``when: after``, a dropped connection) on every mutating route still converge, with no
file, job or deployment made twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .apply_support import (
    Admin,
    apply,
    deployment,
    fresh_plan,
    no_duplicates,
)
from .conftest import Converged, TrainedStack

FILES = r"/openai/v1/files$"
JOBS = r"/openai/v1/fine_tuning/jobs$"
DEPLOYMENT = r"/deployments/[^/]+$"


def _stack(trained_stack: TrainedStack, name: str) -> Path:
    return trained_stack(
        name,
        "storms",
        validation="calm",
        deployments={
            f"{name}-swc": deployment("swc", {"job": name}),
            f"{name}-ncus": deployment("ncus", {"job": name}),
            f"{name}-base": deployment("swc", "gpt-4.1-mini-2025-04-14"),
        },
    ).root


def _count(requests: list[tuple[str, str]], method: str, suffix: str) -> int:
    return sum(1 for m, p in requests if m == method and p.endswith(suffix))


def test_storms_of_409_429_500_are_retried_until_done(
    env: dict[str, str], admin: Admin, trained_stack: TrainedStack, converged: Converged
) -> None:
    spec = _stack(trained_stack, "storm")
    admin.faults(
        [
            {"method": "POST", "path": FILES, "status": 429, "count": 3, "retry_after": 0.1},
            {"method": "POST", "path": JOBS, "status": 500, "count": 3},
            {"method": "PUT", "path": DEPLOYMENT, "status": 409, "count": 4},
            {"method": "PUT", "path": DEPLOYMENT, "status": 503, "count": 2, "retry_after": 0.1},
        ]
    )
    admin.clear_requests()

    result = apply(spec)

    assert result.code == 0, result.text
    assert admin.unspent_faults() == []
    requests = admin.requests()
    assert _count(requests, "POST", "/files") == 2 + 3  # two uploads, three refused
    assert _count(requests, "POST", "/fine_tuning/jobs") == 1 + 3
    puts = sum(1 for m, p in requests if m == "PUT" and "/deployments/" in p)
    assert puts == 3 + 4 + 2
    assert len(admin.jobs("storm")) == 1
    assert len(admin.deployments("storm")) == 3
    converged("storm", spec)


def test_failures_after_the_request_took_effect_never_duplicate(
    env: dict[str, str], admin: Admin, trained_stack: TrainedStack, converged: Converged
) -> None:
    spec = _stack(trained_stack, "after")
    admin.faults(
        [
            {"method": "POST", "path": FILES, "status": 500, "count": 2, "when": "after"},
            {"method": "POST", "path": JOBS, "status": 502, "count": 1, "when": "after"},
            {"method": "PUT", "path": DEPLOYMENT, "status": 500, "count": 3, "when": "after"},
        ]
    )

    result = apply(spec)

    assert result.code == 0, result.text
    assert admin.unspent_faults() == []
    files = [f for f in admin.files("after-")]
    assert sorted(f["filename"].split(".")[0] for f in files) == ["after-train", "after-valid"]
    assert len(admin.jobs("after")) == 1
    assert len(admin.deployments("after")) == 3
    converged("after", spec)

    # A deployment that leaves the spec is deleted, even when the DELETE fails after the fact.
    stack_file = spec / "stack.yaml"
    stack_file.write_text(
        stack_file.read_text().replace("after-base:", "after-gone:"), encoding="utf-8"
    )
    admin.faults(
        [{"method": "DELETE", "path": DEPLOYMENT, "status": 500, "count": 1, "when": "after"}]
    )
    admin.clear_requests()

    result = apply(spec)

    assert result.code == 0, result.text
    assert admin.unspent_faults() == []
    assert set(admin.deployments("after")) == {
        "aoai-swc/after-swc",
        "aoai-ncus/after-ncus",
        "aoai-swc/after-gone",
    }
    methods = Counter(m for m, _ in admin.mutations())
    # the DELETE took effect; looking again found it gone, so it was not sent twice
    assert methods["DELETE"] == 1 and methods["PUT"] == 1
    assert not fresh_plan(spec).has_changes


def test_dropped_connections_on_creates_never_duplicate(
    env: dict[str, str], admin: Admin, trained_stack: TrainedStack
) -> None:
    spec = _stack(trained_stack, "drop")
    admin.faults(
        [
            {"method": "POST", "path": FILES, "drop": True, "count": 1, "when": "after"},
            {"method": "POST", "path": JOBS, "drop": True, "count": 1, "when": "after"},
        ]
    )

    result = apply(spec)

    assert result.code == 0, result.text
    assert admin.unspent_faults() == []
    assert len(admin.files("drop-")) == 2
    assert len(admin.jobs("drop")) == 1
    no_duplicates(admin, "drop")
