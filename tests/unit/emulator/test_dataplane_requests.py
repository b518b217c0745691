"""Request parsing of the data plane on data: job methods and hyperparameters, multipart bodies
streamed to disk, chat answers, screening messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator.dataplane.chat_style import (
    base_reply,
    example_pair,
    last_user_text,
    styled_reply,
)
from reconciler.emulator.dataplane.errors import ApiError
from reconciler.emulator.dataplane.hyperparams import method_json, parse_method, resolve
from reconciler.emulator.dataplane.multipart_stream import MultipartForm, read_multipart
from reconciler.emulator.dataplane.screening import failure_message, harm_types_in

# --- hyperparameters ---


@pytest.mark.parametrize(
    ("examples", "epochs", "batch", "lr"),
    [(10, 10, 1, 1.0), (20, 5, 1, 1.0), (50, 3, 1, 1.0), (10_000, 2, 20, 2.0), (1, 25, 1, 1.0)],
)
def test_auto_is_resolved_from_the_data(examples: int, epochs: int, batch: int, lr: float) -> None:
    resolved = resolve(parse_method({}), examples)
    assert resolved == {"n_epochs": epochs, "batch_size": batch, "learning_rate_multiplier": lr}


def test_given_values_are_kept_and_method_wins_over_legacy() -> None:
    body = {
        "hyperparameters": {"n_epochs": 7, "batch_size": 4},
        "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    }
    resolved = resolve(parse_method(body), 100)
    assert resolved["n_epochs"] == 2 and resolved["batch_size"] == 4


def test_dpo_beta_and_prompt_loss_weight() -> None:
    method = parse_method({"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": "auto"}}}})
    assert resolve(method, 100)["beta"] == 0.1
    weighted = parse_method({"hyperparameters": {"prompt_loss_weight": 0.2}})
    resolved = resolve(weighted, 100)
    assert resolved["prompt_loss_weight"] == 0.2
    assert method_json(weighted, resolved) == {
        "type": "supervised",
        "supervised": {"hyperparameters": resolved},
    }


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"method": "supervised"}, "method"),
        ({"method": {"type": "magic"}}, "method.type"),
        ({"method": {"type": "supervised", "supervised": []}}, "method.supervised"),
        ({"hyperparameters": {"n_epochs": 0}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"n_epochs": 1.5}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"n_epochs": True}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"batch_size": "big"}}, "hyperparameters.batch_size"),
        ({"hyperparameters": {"beta": 0.1}}, "hyperparameters"),  # not a supervised one
        ({"hyperparameters": []}, "hyperparameters"),
        ({"method": {"type": "reinforcement"}}, "method.reinforcement.grader"),
    ],
)
def test_bad_methods_are_400_with_the_parameter(body: dict[str, Any], param: str) -> None:
    with pytest.raises(ApiError) as error:
        parse_method(body)
    assert error.value.status == 400
    assert error.value.param == param


# --- multipart ---

BOUNDARY = "XyZ"


def multipart(*parts: tuple[str, str | None, bytes], end: bool = True) -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += content + b"\r\n"
    return out + (f"--{BOUNDARY}--\r\n".encode() if end else b"")


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def read(data: bytes, dest: Path, *, size: int = 7, limit: int = 1_000) -> MultipartForm:
    return asyncio.run(
        read_multipart(
            f"multipart/form-data; boundary={BOUNDARY}",
            chunks(data, size),
            file_field="file",
            dest=dest,
            max_file_bytes=limit,
            too_large="too large",
        )
    )


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_file_part_goes_to_disk_and_fields_are_kept(tmp_path: Path, size: int) -> None:
    content = b"line one\r\n--not-a-boundary\r\nline two\n" * 5
    body = multipart(("purpose", None, b"fine-tune"), ("file", "t.jsonl", content))
    form = read(body, tmp_path / "blob", size=size)
    assert form.fields == {"purpose": "fine-tune"}
    assert (form.filename, form.size) == ("t.jsonl", len(content))
    assert (tmp_path / "blob").read_bytes() == content


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (multipart(("file", "t", b"x" * 1_001)), "too large"),
        (multipart(("purpose", None, b"fine-tune")), "'file' is required"),
        (multipart(("file", "t", b"abc"), end=False), "incomplete"),
        (multipart(("file", "t", b"a"), ("file", "u", b"b")), "appears twice"),
        (b"garbage", "malformed"),
    ],
)
def test_bad_multipart_is_400_and_leaves_nothing(tmp_path: Path, body: bytes, message: str) -> None:
    dest = tmp_path / "blob"
    with pytest.raises(ApiError) as error:
        read(body, dest)
    assert error.value.status == 400
    assert message in error.value.message
    assert not dest.exists()


def test_not_multipart_is_400(tmp_path: Path) -> None:
    with pytest.raises(ApiError):
        asyncio.run(
            read_multipart(
                "application/json",
                chunks(b"{}", 2),
                file_field="file",
                dest=tmp_path / "x",
                max_file_bytes=10,
                too_large="",
            )
        )


# --- chat style and screening ---

PAIRS = [["tell me about ships", "Arr, ships!"], ["what about the sea", "Arr, the sea!"]]


def test_reply_of_the_most_similar_prompt() -> None:
    assert styled_reply("What about the SEA today?", PAIRS) == "Arr, the sea!"
    assert styled_reply("ships ahoy", PAIRS) == "Arr, ships!"
    assert styled_reply("nothing in common", PAIRS) == "Arr, ships!"  # tie: the first
    assert styled_reply("anything", []) is None
    assert "general-purpose" in base_reply("gpt-4.1-mini")


def test_example_pairs_and_last_user_text() -> None:
    chat = {
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "again"},
            {"role": "assistant", "content": "second"},
        ]
    }
    assert example_pair(chat) == ("hi again", "second")
    pref = {
        "input": {"messages": [{"role": "user", "content": "q"}]},
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}],
    }
    assert example_pair(pref) == ("q", "good")
    assert example_pair({"prompt": "x"}) is None
    assert last_user_text(chat["messages"]) == "again"  # type: ignore[arg-type]


def test_screening_markers_and_message() -> None:
    assert harm_types_in("fine text") == set()
    assert harm_types_in("RECONCILER_HARMFUL_TEST_VIOLENCE, RECONCILER_HARMFUL_TEST_SEXUAL") == {
        "violence",
        "sexual",
    }
    assert failure_message(["violence", "self_harm", "hate_fairness", "violence"]) == (
        "The provided training data failed RAI checks for harm types: "
        "[hate_fairness, self_harm, violence]. Please fix the data and try again."
    )
