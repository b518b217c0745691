"""Random bodies to the admin API (NaN, Infinity, huge numbers, lone surrogates, deep nesting,
backtracking patterns) get a 4xx in the admin shape or are applied, never a 500, and after every
example the emulator still serves ARM and the data plane."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.emulator.process import RunningEmulator
from tests.integration.emulator.poison_support import (
    TEXT,
    assert_admin_refusal,
    assert_still_serves,
    encode,
)

CONFIG_FIELDS = ["latency_ms", "provision_seconds", "arm_page_size"]
FAULT_FIELDS = ["path", "status", "count", "retry_after", "when", "drop", "message", "method"]
PATTERNS = st.sampled_from(
    ["^/(a|aa)+$", "(a+)+$", "(.*a){25}", "(a{1000}){1000}", "x" * 600, "(", ".*", "\\"]
)
NUMBERS = (
    st.integers()
    | st.integers(min_value=2**62, max_value=2**200)
    | st.floats()  # NaN and the infinities included
    | st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324])
)
LEAVES = st.none() | st.booleans() | NUMBERS | TEXT | PATTERNS
VALUES = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=10,
)


def objects(fields: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly well-formed objects of an endpoint's own fields (so a bad value is what gets
    tested, not only an unknown key), sometimes anything at all."""
    return st.dictionaries(st.sampled_from(fields), values, min_size=1) | VALUES


CLOCK = objects(["advance"], NUMBERS)
CONFIG = objects(CONFIG_FIELDS, NUMBERS | LEAVES)
FAULTS = st.lists(objects(FAULT_FIELDS, LEAVES), max_size=3) | objects(FAULT_FIELDS, LEAVES)
# A path that makes the backtracking PATTERNS above work hard.
EVIL_PATH = "/" + "a" * 36 + "!"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, private_emulator: Any) -> Iterator[Any]:
    """A server of this module's own: the fuzz changes its config and clock."""
    emulator: RunningEmulator = private_emulator(tmp_path_factory.mktemp("admin-fuzz"))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def http(running: RunningEmulator, make_http_client: Any) -> Iterator[httpx2.Client]:
    with make_http_client(running.connection) as client:
        yield client


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(clock=CLOCK, config=CONFIG, faults=FAULTS, deep=st.integers(min_value=0, max_value=3))
# found by hypothesis: a drop fault without a path cuts every request, the test's own too
@example(clock=None, config=None, faults={"drop": True}, deep=0)
def test_random_admin_bodies_never_break_the_emulator(
    running: RunningEmulator, http: httpx2.Client, clock: Any, config: Any, faults: Any, deep: int
) -> None:
    for path, body in (
        ("/_emulator/clock", clock),
        ("/_emulator/config", config),
        ("/_emulator/faults", faults),
    ):
        raw = encode(body)
        if deep:
            levels = (60, 70, 5000)[deep - 1]
            raw = b"[" * levels + raw + b"]" * levels
        answer = http.post(path, content=raw, headers={"Content-Type": "application/json"})
        assert answer.status_code in (200, 400), (path, raw[:200], answer.text[:300])
        if answer.status_code == 400:
            assert_admin_refusal(answer)
    # Whatever was applied is within bounds and renders; active faults cannot stall requests.
    settings_now = http.get("/_emulator/config").json()
    assert 0 <= settings_now["latency_ms"] <= 60_000
    assert 1 <= settings_now["arm_page_size"] <= 1000
    assert http.get("/_emulator/faults").status_code == 200
    assert http.get("/_emulator/state").status_code == 200
    assert http.post("/_emulator/config", json={"latency_ms": 0}).status_code == 200
    started = time.monotonic()
    # a `drop` fault matching every path may cut it, as asked: only the time is checked
    with contextlib.suppress(httpx2.RemoteProtocolError):
        http.get(EVIL_PATH, timeout=30)
    assert time.monotonic() - started < 2, "a fault pattern stalled the request"
    assert http.delete("/_emulator/faults").status_code == 200
    assert_still_serves(http, running.connection)
