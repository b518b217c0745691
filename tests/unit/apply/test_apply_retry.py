"""retry_call with an injected clock: backoff, jitter, Retry-After, budgets, look-again."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from reconciler.apply.retry import RetryPolicy, describe, retry_call
from reconciler.errors import (
    AzureError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    TransientError,
)

OP = "PUT deployment clippy-swc in aoai-clippy-swc"


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def conflict() -> ConflictError:
    return ConflictError(
        "RequestConflict: Another operation is being performed on the parent resource",
        operation=OP,
        status=409,
        code="RequestConflict",
    )


def failing(errors: list[BaseException], result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """A call raising ``errors`` in turn, then returning ``result``; counts its calls."""
    calls = [0]

    def fn() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return result

    return fn, calls


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    t = FakeTime()
    fn, calls = failing([conflict() for _ in range(9)])
    result = retry_call(
        OP,
        fn,
        policy=RetryPolicy(max_attempts=20, total_seconds=1000),
        sleep=t.sleep,
        clock=t.clock,
        jitter=lambda: 1.0,  # the top of each jitter range
    )
    assert result == "ok"
    assert calls[0] == 10
    assert t.sleeps == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_full_jitter_stays_within_its_range_and_varies() -> None:
    t = FakeTime()
    policy = RetryPolicy(max_attempts=40, total_seconds=10_000)
    fn, _ = failing([ThrottledError("busy", status=429) for _ in range(30)])
    rng = random.Random(7)
    retry_call(OP, fn, policy=policy, sleep=t.sleep, clock=t.clock, jitter=rng.random)
    assert len(t.sleeps) == 30
    for number, delay in enumerate(t.sleeps, start=1):
        assert 0 <= delay <= policy.ceiling(number)
    capped = t.sleeps[10:]
    assert len(set(capped)) == len(capped)  # jittered, not a fixed cap
    assert max(capped) > 15 and min(capped) < 15


def test_retry_after_is_honoured_as_a_floor() -> None:
    t = FakeTime()
    errors: list[BaseException] = [
        ThrottledError("TooManyRequests", status=429, retry_after=7.0),
        TransientError("ServiceUnavailable", status=503, retry_after=2.5, ambiguous=False),
    ]
    fn, _ = failing(errors)
    retry_call(OP, fn, sleep=t.sleep, clock=t.clock, jitter=lambda: 0.0)
    assert t.sleeps == [7.0, 2.5]


def test_total_time_is_bounded_and_the_final_error_names_everything() -> None:
    t = FakeTime()
    fn, calls = failing([conflict() for _ in range(1000)])
    with pytest.raises(ConflictError) as caught:
        retry_call(
            OP,
            fn,
            policy=RetryPolicy(max_attempts=1000, total_seconds=60),
            sleep=t.sleep,
            clock=t.clock,
            jitter=lambda: 1.0,
        )
    elapsed = t.now - 1000.0
    assert elapsed <= 60
    # 0.5+1+2+4+8+16 = 31.5 s slept; the next 30 s would pass the 60 s budget.
    assert calls[0] == 7
    message = str(caught.value)
    assert message == (
        f"{OP}: gave up after 7 attempts over 32 s: 409 RequestConflict: "
        "Another operation is being performed on the parent resource"
    )
    assert caught.value.status == 409 and caught.value.code == "RequestConflict"
    assert isinstance(caught.value.__cause__, ConflictError)


def test_a_retry_after_beyond_the_budget_gives_up_without_sleeping() -> None:
    t = FakeTime()
    fn, calls = failing([ThrottledError("slow down", status=429, retry_after=600)])
    with pytest.raises(ThrottledError, match="gave up after 1 attempt over 0 s: 429 slow down"):
        retry_call(OP, fn, sleep=t.sleep, clock=t.clock)
    assert calls[0] == 1 and t.sleeps == []


def test_max_attempts() -> None:
    t = FakeTime()
    fn, calls = failing([TransientError("502 Bad Gateway", ambiguous=False) for _ in range(10)])
    with pytest.raises(TransientError, match="gave up after 3 attempts"):
        retry_call(OP, fn, policy=RetryPolicy(max_attempts=3), sleep=t.sleep, clock=t.clock)
    assert calls[0] == 3
    assert len(t.sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [
        AzureError("InvalidCapacity: capacity 30", operation=OP, status=400),
        NotFoundError("ResourceNotFound", operation=OP, status=404),
        ValueError("a bug, not Azure"),
    ],
)
def test_what_is_not_retryable_is_raised_at_once_unchanged(error: BaseException) -> None:
    t = FakeTime()
    fn, calls = failing([error])
    with pytest.raises(type(error)) as caught:
        retry_call(OP, fn, sleep=t.sleep, clock=t.clock)
    assert caught.value is error
    assert calls[0] == 1 and t.sleeps == []


def test_a_custom_predicate_decides_what_is_retried() -> None:
    t = FakeTime()
    fn, calls = failing([conflict()])
    with pytest.raises(ConflictError):
        retry_call(OP, fn, is_retryable=lambda e: False, sleep=t.sleep, clock=t.clock)
    assert calls[0] == 1


def test_on_retry_is_told_each_retry() -> None:
    t = FakeTime()
    told: list[tuple[int, float, str]] = []
    fn, _ = failing([conflict(), conflict()])
    retry_call(
        OP,
        fn,
        sleep=t.sleep,
        clock=t.clock,
        jitter=lambda: 0.5,
        on_retry=lambda n, delay, err: told.append((n, delay, type(err).__name__)),
    )
    assert told == [(1, 0.25, "ConflictError"), (2, 0.5, "ConflictError")]


def test_ambiguous_failure_then_looking_again_finds_the_job_and_does_not_create_twice() -> None:
    t = FakeTime()
    jobs: list[str] = []
    creates = [0]
    looks = [0]

    def create() -> str:
        creates[0] += 1
        jobs.append("ftjob-1")  # the service made it...
        raise TransientError("timed out", operation="POST job clippy", ambiguous=True)  # ...but

    def look_again() -> str | None:
        looks[0] += 1
        return jobs[0] if jobs else None

    result = retry_call(
        "POST job clippy",
        create,
        before_retry=look_again,
        idempotent=False,
        sleep=t.sleep,
        clock=t.clock,
    )
    assert result == "ftjob-1"
    assert creates[0] == 1 and looks[0] == 1
    assert jobs == ["ftjob-1"]


def test_looking_again_and_finding_nothing_creates_again() -> None:
    t = FakeTime()
    fn, calls = failing(
        [TransientError("500 InternalServerError", status=500, ambiguous=True)], "ftjob-2"
    )
    looks = [0]

    def look_again() -> str | None:
        looks[0] += 1
        return None

    assert retry_call(OP, fn, before_retry=look_again, sleep=t.sleep, clock=t.clock) == "ftjob-2"
    assert calls[0] == 2 and looks[0] == 1


def test_the_first_attempt_does_not_look() -> None:
    looks = [0]

    def look_again() -> str | None:
        looks[0] += 1
        return "found"

    assert retry_call(OP, lambda: "created", before_retry=look_again) == "created"
    assert looks[0] == 0


def test_non_idempotent_without_a_way_to_look_is_not_retried_after_an_ambiguous_error() -> None:
    t = FakeTime()
    fn, calls = failing([TransientError("connection dropped", ambiguous=True)])
    with pytest.raises(TransientError, match="not retried, it may have taken effect"):
        retry_call(OP, fn, idempotent=False, sleep=t.sleep, clock=t.clock)
    assert calls[0] == 1


def test_non_idempotent_is_retried_when_the_request_never_reached_the_service() -> None:
    t = FakeTime()
    fn, calls = failing([TransientError("connection refused", ambiguous=False)])
    assert retry_call(OP, fn, idempotent=False, sleep=t.sleep, clock=t.clock) == "ok"
    assert calls[0] == 2


def test_describe_strips_the_operation_and_adds_the_status() -> None:
    assert describe(conflict()) == (
        "409 RequestConflict: Another operation is being performed on the parent resource"
    )
    assert describe(TransientError("timed out", operation=OP)) == "timed out"


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
