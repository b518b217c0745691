"""The wire log (`--log-http FILE`) of real runs against the emulator: every exchange is there,
paired, and no secret or file content is.

The tests of this module run in order on one emulator: plan and apply first (everything is
created), then runs on the stack as it is.
"""

from __future__ import annotations

import json
import re
import ssl
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import openai
import pytest

from reconciler.azure.wire_log import WireLog, data_plane_event_hooks

from .conftest import Cli

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SWC = "aoai-clippy-swc"


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def path_of(url: str) -> str:
    return unquote(urlsplit(url).path)


def by_exchange(found: list[dict[str, Any]], kind: str) -> dict[tuple[int, int], dict[str, Any]]:
    chosen = [r for r in found if r["kind"] == kind]
    keyed = {(r["pid"], r["seq"]): r for r in chosen}
    assert len(keyed) == len(chosen), f"a {kind} record written twice"
    return keyed


def test_plan_and_apply_log_every_exchange_and_no_secret(cli: Cli, tmp_path: Path) -> None:
    log = tmp_path / "wire.jsonl"
    cli.clear_requests()
    assert cli.run("plan", str(cli.stack), "--log-http", str(log)).code == 0
    run = cli.run("apply", str(cli.stack), "--auto-approve", "--wait", "--log-http", str(log))
    assert run.code == 0, run.err
    sent = cli.requests()

    found = records(log)
    requests = by_exchange(found, "request")
    responses = by_exchange(found, "response")
    assert len(requests) + len(responses) == len(found)
    assert requests.keys() == responses.keys()  # every request with its response
    assert len({pid for pid, _ in requests}) == 2  # two processes appended to one file
    logged = Counter((r["method"], path_of(r["url"])) for r in requests.values())
    assert logged == Counter(sent)  # exactly what the emulator received

    text = log.read_text(encoding="utf-8")
    connection = json.loads((cli.emulator.data_dir / "connection.json").read_text())
    secrets = [t for pair in connection["tenants"].values() for t in pair.values()]
    secrets += list(connection["api_keys"].values())
    assert len(secrets) >= 4
    for secret in secrets:
        assert secret not in text
    training = (cli.stack / "data" / "clippy-train.jsonl").read_text(encoding="utf-8")
    # requests only: the example's smoke test asks the deployed model, whose logged answer is
    # a training reply (the emulator's fine-tuned models answer so)
    sent_text = "\n".join(json.dumps(r, ensure_ascii=False) for r in requests.values())
    for line in training.splitlines():
        reply = json.loads(line)["messages"][-1]["content"]
        assert reply not in sent_text  # the upload is summarised, never logged as bytes

    for key, request in requests.items():
        response = responses[key]
        assert request["plane"] == response["plane"] in ("arm", "data")
        assert TIME.match(request["time"]) and TIME.match(response["time"])
        assert response["elapsed_ms"] >= 0
        assert request["headers"]["authorization"] == "Bearer [REDACTED]"
        assert all(name == name.lower() for name in request["headers"])

    uploads = [r for r in requests.values() if r["multipart"] is not None]
    assert len(uploads) == 2
    for upload in uploads:
        assert (upload["plane"], upload["method"], path_of(upload["url"])) == (
            "data",
            "POST",
            f"/dp/{SWC}/openai/v1/files",
        )
        assert upload["body"] is None
        assert upload["multipart"]["fields"] == {"purpose": "fine-tune"}
        assert upload["multipart"]["files"]["file"]["filename"].startswith("clippy-")
        # sized, not chunked: the dataset's bytes, and a Content-Length on the request
        dataset = upload["multipart"]["files"]["file"]["filename"].split(".")[0]
        size = (cli.stack / "data" / f"{dataset}.jsonl").stat().st_size
        assert upload["multipart"]["files"]["file"]["bytes"] == size
        assert int(upload["headers"]["content-length"]) > size
        assert "transfer-encoding" not in upload["headers"]
        uploaded = responses[(upload["pid"], upload["seq"])]
        assert uploaded["body"]["object"] == "file"  # a JSON answer is logged parsed

    created = [
        r
        for r in requests.values()
        if r["method"] == "POST" and path_of(r["url"]).endswith("/fine_tuning/jobs")
    ]
    assert [r["body"]["model"] for r in created] == ["gpt-4.1-mini-2025-04-14"]

    puts = [k for k, r in requests.items() if r["plane"] == "arm" and r["method"] == "PUT"]
    assert len(puts) == 2
    polled = {path_of(r["url"]) for r in requests.values() if r["method"] == "GET"}
    for key in puts:
        assert requests[key]["body"]["properties"]["model"]["format"] == "OpenAI"
        answer = responses[key]
        assert answer["status"] in (200, 201)
        # the LRO's first answer is streamed to the SDK; logged once the SDK has read it
        assert answer["body"]["properties"]["provisioningState"]
        # and the status it points to was polled through the same log
        assert path_of(answer["headers"]["azure-asyncoperation"]) in polled


def test_the_variable_turns_it_on_and_the_option_wins(cli: Cli, tmp_path: Path) -> None:
    from_env, from_option = tmp_path / "env.jsonl", tmp_path / "option.jsonl"
    cli.env["RECONCILER_LOG_HTTP"] = str(from_env)
    try:
        assert cli.run("drift", str(cli.stack)).code == 0
        written = len(records(from_env))
        assert written > 0
        assert cli.run("drift", str(cli.stack), "--log-http", str(from_option)).code == 0
    finally:
        del cli.env["RECONCILER_LOG_HTTP"]
    assert len(records(from_env)) == written
    assert len(records(from_option)) == written


@pytest.mark.parametrize("where", ["not-a-directory", "disk-full"])
def test_a_log_that_cannot_be_written_warns_once_and_changes_nothing_else(
    cli: Cli, tmp_path: Path, where: str
) -> None:
    if where == "disk-full":
        if not Path("/dev/full").exists():
            pytest.skip("needs /dev/full")
        target = Path("/dev/full")
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        target = blocker / "wire.jsonl"
    plain = cli.run("plan", str(cli.stack), "--format", "json", "--detailed-exitcode")
    logged = cli.run(
        "plan", str(cli.stack), "--format", "json", "--detailed-exitcode", "--log-http", str(target)
    )
    assert logged.code == plain.code == 0
    assert json.loads(logged.out)["changes"] == json.loads(plain.out)["changes"]
    warnings = [line for line in logged.err.splitlines() if "HTTP log" in line]
    assert warnings == [warnings[0]] and "cannot write the HTTP log" in warnings[0]
    assert "Traceback" not in logged.err


def test_a_streamed_download_still_streams_with_the_log_on(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    log = WireLog(path)
    connection = cli.emulator.connection
    context = ssl.create_default_context(cafile=connection.ca_file)
    http_client = openai.DefaultHttpxClient(verify=context, event_hooks=data_plane_event_hooks(log))
    client = openai.OpenAI(
        base_url=connection.account_endpoint(SWC) + "openai/v1",
        api_key=connection.api_key(SWC),
        max_retries=0,
        http_client=http_client,
    )
    line = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    data = (json.dumps(line) + "\n").encode() * 30_000  # 2.5 MB: beyond any body kept
    try:
        uploaded = client.files.create(file=("big.jsonl", data), purpose="fine-tune")
        with client.files.with_streaming_response.content(uploaded.id) as download:
            # the hooks have not read the body: only the SDK does, as it streams
            assert not download.http_response.is_stream_consumed
            asked = [r for r in records(path) if r["kind"] == "request"][-1]
            assert path_of(asked["url"]).endswith(f"/files/{uploaded.id}/content")
            assert not [r for r in records(path) if r["seq"] == asked["seq"]][1:]
            got = b"".join(download.iter_bytes())
    finally:
        client.close()
        log.close()
    assert got == data

    found = records(path)
    answer = next(r for r in found if r["kind"] == "response" and r["seq"] == asked["seq"])
    assert (answer["status"], answer["body"], answer["body_bytes"]) == (200, None, len(data))
    upload = next(r for r in found if r["kind"] == "request" and r["multipart"])
    assert upload["multipart"]["files"]["file"] == {
        "filename": "big.jsonl",
        "content_type": "application/octet-stream",
        "bytes": len(data),
    }
    assert '"assistant"' not in path.read_text(encoding="utf-8")
