"""One request cannot poison the emulator (issue #10): garbage gets a 4xx in the service's
shape, nothing half-valid is stored, admin values are bounded, a fault pattern cannot stall the
server, and a clock poisoned by an earlier version does not break a restart."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from reconciler.emulator.process import RunningEmulator
from tests.integration.emulator.poison_support import (
    ACCOUNT,
    ARM_API,
    DP_API,
    assert_admin_refusal,
    assert_arm_refusal,
    assert_dp_refusal,
    assert_still_serves,
)

MODEL = {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}
DEEP = b"[" * 100_000 + b"]" * 100_000
# Parses under the interpreter's recursion limit, but deeper than any service body.
NESTED = b'{"seed": ' + b"[" * 500 + b"]" * 500 + b"}"
HUGE_INT = b"9" * 5000


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, private_emulator: Any) -> Iterator[Any]:
    """A server of this module's own: these tests change its config and clock."""
    emulator: RunningEmulator = private_emulator(tmp_path_factory.mktemp("poison"))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def http(running: RunningEmulator, make_http_client: Any) -> Iterator[httpx2.Client]:
    with make_http_client(running.connection) as client:
        yield client


@pytest.fixture()
def serves(running: RunningEmulator, http: httpx2.Client) -> Iterator[None]:
    """After the test: faults and config back to normal, and the emulator still serves."""
    yield
    http.delete("/_emulator/faults")
    http.post("/_emulator/config", json={"latency_ms": 0, "arm_page_size": 100})
    assert_still_serves(http, running.connection)


def post_raw(http: httpx2.Client, path: str, body: bytes, **kwargs: Any) -> httpx2.Response:
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return http.post(path, content=body, headers=headers, **kwargs)


# --- the admin API ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"advance": NaN}',
        b'{"advance": Infinity}',
        b'{"advance": -Infinity}',
        b'{"advance": 1e400}',
        b'{"advance": ' + HUGE_INT + b"}",
        b'{"advance": 315360001}',
        DEEP,
        b'{"advance": 1, "x": ' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"advance": 1, "\\ud800": 1}',
    ],
)
def test_clock_refuses_what_is_not_a_finite_bounded_advance(
    http: httpx2.Client, serves: None, body: bytes
) -> None:
    before = http.get("/_emulator/clock").json()["now"]
    assert_admin_refusal(post_raw(http, "/_emulator/clock", body))
    now = http.get("/_emulator/clock").json()["now"]
    assert math.isfinite(now) and before <= now < before + 60


def test_clock_stops_before_the_year_3000(http: httpx2.Client, serves: None) -> None:
    ten_years = 10 * 365 * 86400
    answers = [http.post("/_emulator/clock", json={"advance": ten_years}) for _ in range(110)]
    assert answers[0].status_code == 200
    assert_admin_refusal(answers[-1])
    assert http.get("/_emulator/clock").json()["now"] < 32503680000


@pytest.mark.parametrize(
    "body",
    [
        b'{"latency_ms": Infinity}',
        b'{"latency_ms": NaN}',
        b'{"latency_ms": 1e308}',
        b'{"latency_ms": 60001}',
        b'{"latency_ms": -1}',
        b'{"provision_seconds": NaN}',
        b'{"provision_seconds": 1e308}',
        b'{"provision_seconds": 86401}',
        b'{"arm_page_size": 1e308}',
        b'{"arm_page_size": 1001}',
        b'{"arm_page_size": ' + HUGE_INT + b"}",
        # Valid page size, invalid latency: nothing of it is applied.
        b'{"arm_page_size": 5, "latency_ms": 1e308}',
    ],
)
def test_config_refuses_unbounded_values_and_applies_nothing(
    http: httpx2.Client, serves: None, body: bytes
) -> None:
    assert_admin_refusal(post_raw(http, "/_emulator/config", body))
    config = http.get("/_emulator/config").json()
    assert config["latency_ms"] == 0 and config["arm_page_size"] == 100


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 99},
        {"status": 600},
        {"count": 10**12},
        {"count": 0},
        {"retry_after": 1e308},
        {"retry_after": 86401},
        {"path": "x" * 513},
        {"path": "(a{1000}){1000}"},
        {"path": "a{99999999999}"},
        {"path": "("},
        {"message": "m" * 1025},
        {"method": "GET /x"},
    ],
)
def test_fault_specs_are_bounded(http: httpx2.Client, serves: None, fault: dict[str, Any]) -> None:
    assert_admin_refusal(http.post("/_emulator/faults", json=[fault]))
    assert http.get("/_emulator/faults").json() == {"faults": []}


def test_fault_table_is_bounded_and_a_batch_is_all_or_nothing(
    http: httpx2.Client, serves: None
) -> None:
    assert_admin_refusal(http.post("/_emulator/faults", json=[{"path": "^/nowhere$"}] * 101))
    assert_admin_refusal(http.post("/_emulator/faults", json=[{"path": "^/x$"}, {"status": 1}]))
    assert http.get("/_emulator/faults").json() == {"faults": []}


def test_admin_bodies_over_the_limit_are_413(http: httpx2.Client, serves: None) -> None:
    body = json.dumps({"advance": 1, "pad": "x" * (1024 * 1024)}).encode()
    assert_admin_refusal(post_raw(http, "/_emulator/clock", body), 413)


def test_a_backtracking_fault_path_cannot_stall_the_server(
    running: RunningEmulator, http: httpx2.Client, serves: None
) -> None:
    answer = http.post("/_emulator/faults", json=[{"path": "^/(a|aa)+$", "count": 5}])
    if answer.status_code == 400:
        return  # refused at POST time: as good
    assert answer.status_code == 200, answer.text
    evil = "/" + "a" * 40 + "!"
    done: list[float] = []

    def send_evil() -> None:
        started = time.monotonic()
        http.get(evil, timeout=30)
        done.append(time.monotonic() - started)

    worker = threading.Thread(target=send_evil)
    worker.start()
    try:
        time.sleep(0.1)
        started = time.monotonic()
        assert_still_serves(http, running.connection)
        assert time.monotonic() - started < 2
    finally:
        worker.join(30)
    assert done and done[0] < 2, done
    # The pattern timed out, so the fault is gone: it cannot cost time again.
    assert http.get("/_emulator/faults").json() == {"faults": []}


# --- ARM --------------------------------------------------------------------------------------


def put_deployment(http: httpx2.Client, name: str, body: bytes) -> httpx2.Response:
    return http.put(
        f"{ACCOUNT}/deployments/{name}?{ARM_API}",
        content=body,
        headers={"Content-Type": "application/json"},
    )


def deployment_body(tags: str) -> bytes:
    sku = '{"name": "Standard", "capacity": 1}'
    return (
        f'{{"sku": {sku}, "tags": {tags}, "properties": {{"model": {json.dumps(MODEL)}}}}}'.encode()
    )


@pytest.mark.parametrize(
    "tags",
    [
        '{"\\ud800": "v"}',
        '{"k": "\\udfff"}',
        '{"k": "\\ud83d\\u0041"}',
    ],
)
def test_lone_surrogates_in_tags_are_refused_and_lists_keep_working(
    http: httpx2.Client, serves: None, tags: str
) -> None:
    assert_arm_refusal(put_deployment(http, "poison-tags", deployment_body(tags)))
    answer = http.get(f"{ACCOUNT}/deployments/poison-tags?{ARM_API}")
    assert answer.status_code == 404
    for _ in range(100):  # the account is busy while an earlier case's deployment provisions
        made = put_deployment(http, "poison-patch", deployment_body('{"a": "b"}'))
        if made.status_code != 409:
            break
        time.sleep(0.05)
    assert made.status_code in (200, 201), made.text
    patched = http.patch(
        f"{ACCOUNT}/deployments/poison-patch?{ARM_API}",
        content=f'{{"tags": {tags}}}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_arm_refusal(patched)
    assert http.get(f"{ACCOUNT}/deployments/poison-patch?{ARM_API}").json()["tags"] == {"a": "b"}


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        NESTED,
        b'{"sku": {"name": "Standard", "capacity": NaN}}',
        b'{"sku": {"name": "Standard", "capacity": ' + HUGE_INT + b"}}",
        b'{"sku": {"name": "Standard", "capacity": 1e400}}',
    ],
)
def test_arm_bodies_out_of_json_are_refused(http: httpx2.Client, serves: None, body: bytes) -> None:
    assert_arm_refusal(put_deployment(http, "poison-body", body))


@pytest.mark.parametrize("token", ["9" * 5000, "9" * 10, "\u00b2", "\u0661"])
def test_arm_skip_tokens_are_bounded(http: httpx2.Client, serves: None, token: str) -> None:
    answer = http.get(
        f"{ACCOUNT}/deployments", params={"api-version": "2025-09-01", "$skipToken": token}
    )
    assert_arm_refusal(answer)


# --- the data plane ---------------------------------------------------------------------------


def dp_post(
    running: RunningEmulator, http: httpx2.Client, v1: bool, path: str, body: bytes
) -> httpx2.Response:
    url = f"/dp/aoai-swc/openai/v1{path}" if v1 else f"/dp/aoai-swc/openai{path}?{DP_API}"
    headers = {"api-key": running.connection.api_key("aoai-swc")}
    return post_raw(http, url, body, headers=headers)


UPLOAD = {"bytes": 10, "mime_type": "application/jsonl", "purpose": "fine-tune"}


@pytest.mark.parametrize("v1", [True, False])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/fine_tuning/jobs", DEEP),
        ("/fine_tuning/jobs", NESTED),
        ("/fine_tuning/jobs", b'{"seed": ' + HUGE_INT + b"}"),
        ("/fine_tuning/jobs", b'{"seed": -0.0, "hyperparameters": {"n_epochs": Infinity}}'),
        ("/uploads", json.dumps({**UPLOAD, "filename": "\ud800"}).encode()),
        ("/uploads", json.dumps({**UPLOAD, "filename": "x", "purpose": "\udc00"}).encode()),
        ("/uploads", json.dumps({**UPLOAD, "filename": "x", "bytes": 1e400}).encode()),
    ],
)
def test_data_plane_bodies_out_of_json_are_refused_in_the_style_shape(
    running: RunningEmulator, http: httpx2.Client, serves: None, v1: bool, path: str, body: bytes
) -> None:
    assert_dp_refusal(dp_post(running, http, v1, path, body), v1)


@pytest.mark.parametrize("v1", [True, False])
def test_lone_surrogates_in_job_metadata_are_not_stored(
    running: RunningEmulator, http: httpx2.Client, serves: None, v1: bool
) -> None:
    body = b'{"model": "gpt-4.1-mini-2025-04-14", "training_file": "file-x", '
    body += b'"metadata": {"\\ud800": "v"}, "suffix": "\\udfff"}'
    assert_dp_refusal(dp_post(running, http, v1, "/fine_tuning/jobs", body), v1)
    key = {"api-key": running.connection.api_key("aoai-swc")}
    assert http.get("/dp/aoai-swc/openai/v1/fine_tuning/jobs", headers=key).status_code == 200


@pytest.mark.parametrize("v1", [True, False])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/files", {"after": "x" * 5000}),
        ("/files", {"limit": "9" * 5000}),
        ("/fine_tuning/jobs", {"after": "x" * 5000}),
        ("/fine_tuning/jobs", {"limit": "9" * 5000}),
    ],
)
def test_data_plane_query_values_are_bounded(
    running: RunningEmulator,
    http: httpx2.Client,
    serves: None,
    v1: bool,
    path: str,
    params: dict[str, str],
) -> None:
    url = f"/dp/aoai-swc/openai/v1{path}" if v1 else f"/dp/aoai-swc/openai{path}"
    query = params if v1 else {**params, "api-version": "2025-04-01-preview"}
    key = {"api-key": running.connection.api_key("aoai-swc")}
    assert_dp_refusal(http.get(url, params=query, headers=key), v1)


@pytest.mark.parametrize(
    "line",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"messages": ' + HUGE_INT + b"}",
    ],
)
def test_training_files_with_pathological_lines_are_invalid_not_a_crash(
    running: RunningEmulator, http: httpx2.Client, serves: None, line: bytes
) -> None:
    key = {"api-key": running.connection.api_key("aoai-swc")}
    answer = http.post(
        "/dp/aoai-swc/openai/v1/files",
        headers=key,
        files={"file": ("train.jsonl", line + b"\n")},
        data={"purpose": "fine-tune"},
    )
    assert answer.status_code < 500, answer.text[:300]


# --- a clock poisoned by an earlier version ---------------------------------------------------


def test_a_stored_nan_clock_does_not_break_a_restart(
    tmp_path: Path, private_emulator: Any, make_http_client: Any
) -> None:
    with private_emulator(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / "state.sqlite")
    with db:
        db.execute(
            "UPDATE docs SET doc = ? WHERE kind = 'emulator' AND key = 'clock'",
            ('{"offset": NaN, "high_water": Infinity}',),
        )
    db.close()
    with private_emulator(tmp_path) as second, make_http_client(second.connection) as http:
        now = http.get("/_emulator/clock").json()["now"]
        assert math.isfinite(now) and abs(now - time.time()) < 600
        assert_still_serves(http, second.connection)
