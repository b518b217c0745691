"""No input, however broken, gets anything but a report or a ReconcilerError."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.datasets import DatasetReport, inspect_dataset, split_dataset
from reconciler.errors import ReconcilerError

from .helpers import chat

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        ["system", "user", "assistant", "tool", "text", "image_url", "data:image/png;base64,AAAA"]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "messages",
                    "role",
                    "content",
                    "weight",
                    "name",
                    "type",
                    "text",
                    "image_url",
                    "url",
                    "input",
                    "preferred_output",
                    "non_preferred_output",
                    "tool_calls",
                    "function",
                    "arguments",
                    "tools",
                    "detail",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


def mutated_chat(index: int, key: str, value: Any) -> dict[str, Any]:
    example = chat(index)
    example["messages"][index % 3][key] = value
    return example


lines = st.one_of(
    st.binary(max_size=80),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(
        mutated_chat,
        st.integers(0, 5),
        st.sampled_from(["role", "content", "weight", "name", "tool_calls"]),
        json_values,
    ).map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b"NaN",
            b'{"messages": Infinity}',
            b"[" * 5000,
            b'{"messages": [' * 3000,
            b"\xef\xbb\xbf{}",
            b"\xff\xfe{\x00}\x00",
            b'{"a": "\\ud800"}',
            b'{"messages": [{"role": "user", "content": "\\udfff"}, '
            b'{"role": "assistant", "content": "\\ud800"}]}',
            b"1" * 5000,
            b'{"1": 2, "1": 3}',
            b"\x00\x00\x00",
        ]
    ),
)


def check(data: bytes, **options: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.jsonl"
        path.write_bytes(data)
        for attempt in range(2):  # the second answer comes from the cache
            try:
                report = inspect_dataset(path, cache_dir=Path(tmp) / "cache", **options)
            except ReconcilerError:
                continue
            assert isinstance(report, DatasetReport)
            assert report.from_cache == (attempt == 1)
            assert len(report.diagnostics) <= 21
            for diagnostic in report.diagnostics:
                assert diagnostic.location is not None and diagnostic.location.path
        with contextlib.suppress(ReconcilerError):
            split_dataset(path, 0.3, 1, Path(tmp) / "out", cache_dir=Path(tmp) / "cache")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    check(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(lines, max_size=15),
    st.sampled_from([None, "chat", "preference"]),
    st.booleans(),
    st.sampled_from([None, 1, 50]),
)
def test_random_json_ish_lines(
    chosen: list[bytes], format: str | None, images: bool, limit: int | None
) -> None:
    check(b"\n".join(chosen), format=format, allow_images=images, max_example_tokens=limit)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n",
        b"\n\n\n",
        b"\xef\xbb\xbf",
        b"\xfe\xff",
        b"\x00\x00\xfe\xff\x00\x00\x00{",
        b'{"messages": [' * 200_000,
        b"{" + b'"a":' * 100_000 + b"1" + b"}" * 100_000,
        b'{"messages": [{"role": "user", "content": [{"type": "image_url", '
        b'"image_url": {"url": "data:image/png;base64,' + b"A" * 20_000_000 + b'"}}]}]}',
    ],
    ids=[
        "empty",
        "newline",
        "newlines",
        "bom-only",
        "utf16be-bom",
        "utf32be-bom",
        "deep-list",
        "deep-object",
        "huge-image",
    ],
)
def test_nasty_files(data: bytes) -> None:
    check(data, allow_images=True)
