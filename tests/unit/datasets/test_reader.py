from __future__ import annotations

import hashlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.datasets.reader import TOO_LONG, LineReader


def read(data: bytes, **options: int) -> tuple[list[tuple[int, bytes | None]], LineReader]:
    reader = LineReader(io.BytesIO(data), **options)
    return list(reader), reader


@pytest.mark.parametrize("block", [4, 5, 7, 64, 1 << 20])
def test_lines_across_block_boundaries(block: int) -> None:
    data = b'{"a": 1}\n{"bb": 22}\r\n\nlast-without-newline'
    lines, reader = read(data, block_bytes=block)
    assert lines == [
        (1, b'{"a": 1}'),
        (2, b'{"bb": 22}'),  # a CRLF line ending is a line ending (canonical bytes)
        (3, b""),
        (4, b"last-without-newline"),
    ]
    canonical = data.replace(b"\r\n", b"\n")
    assert reader.sha256.hexdigest() == hashlib.sha256(canonical).hexdigest()
    assert reader.bytes_read == len(data)
    assert reader.size == len(canonical)


def test_a_trailing_newline_does_not_make_a_line() -> None:
    assert read(b"a\nb\n")[0] == [(1, b"a"), (2, b"b")]
    assert read(b"")[0] == []


def test_utf8_bom_is_skipped_but_hashed() -> None:
    data = b"\xef\xbb\xbf{}\n{}\n"
    lines, reader = read(data)
    assert lines == [(1, b"{}"), (2, b"{}")]
    assert reader.had_bom
    assert reader.sha256.hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-16", "UTF-16 (little-endian)"), ("utf-32", "UTF-32 (little-endian)")],
)
def test_foreign_byte_order_marks_stop_line_output(encoding: str, name: str) -> None:
    data = '{"messages": []}\n'.encode(encoding) * 1000
    lines, reader = read(data, block_bytes=64)
    assert lines == []
    assert reader.foreign_encoding == name
    assert reader.sha256.hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("block", [3, 8, 1024])
def test_too_long_lines_are_reported_not_kept(block: int) -> None:
    data = b"short\n" + b"x" * 50 + b"\nok\n" + b"y" * 30
    lines, reader = read(data, block_bytes=block, max_line_bytes=20)
    assert lines == [(1, b"short"), (2, TOO_LONG), (3, b"ok"), (4, TOO_LONG)]
    assert reader.sha256.hexdigest() == hashlib.sha256(data).hexdigest()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=4, max_value=40))
def test_any_bytes_split_like_splitlines_on_newline(data: bytes, block: int) -> None:
    lines, reader = read(data, block_bytes=block)
    assert reader.sha256.hexdigest() == hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()
    data = data.replace(b"\r\n", b"\n")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] == b"\x00\x00\xfe\xff":
        assert lines == []
        return
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert [content for _, content in lines] == expected
    assert [number for number, _ in lines] == list(range(1, len(expected) + 1))
