"""An upload's bytes are checked as they are sent: the last ones never leave for a file that is
not the one validated (other content, longer, shorter), and a part is never sent twice."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reconciler.datasets.upload_source import ChangedSinceValidation, VerifiedSource

VALIDATED = b'{"a": 1}\n' * 1000


def _source(path: Path, block: int = 1000) -> VerifiedSource:
    sha = hashlib.sha256(VALIDATED).hexdigest()
    return VerifiedSource(lambda: path.open("rb"), len(VALIDATED), sha, block_bytes=block)


def _send(source: VerifiedSource, part: int) -> bytes:
    """What a client would send, part by part, in 512-byte reads."""
    sent = bytearray()
    for start in range(0, source.size, part):
        window = source.window(start, min(part, source.size - start))
        while piece := window.read(512):
            sent += piece
    return bytes(sent)


@pytest.mark.parametrize("part", [9000, 4096, 777])
def test_the_validated_content_is_sent_whole_and_verified(tmp_path: Path, part: int) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(VALIDATED.replace(b"\n", b"\r\n"))  # CRLF: its canonical bytes are sent
    source = _source(path)
    assert _send(source, part) == VALIDATED
    assert source.verified and source.changed is None


@pytest.mark.parametrize(
    "now",
    [
        VALIDATED[:-5] + b"2}\n\n\n",  # same size, other content
        VALIDATED + b'{"b": 2}\n',  # longer
        VALIDATED[:-9],  # shorter
    ],
)
@pytest.mark.parametrize("part", [9000, 4096])
def test_a_changed_file_never_hands_out_its_last_bytes(
    tmp_path: Path, now: bytes, part: int
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(now)
    source = _source(path)
    with pytest.raises(ChangedSinceValidation) as raised:
        _send(source, part)
    assert raised.value.sha256 == hashlib.sha256(now).hexdigest()
    assert not source.verified
    # the client got less than the whole: the body (or the last part) never ends
    assert source.position < len(VALIDATED) or source.changed is not None
    with pytest.raises(ChangedSinceValidation):  # and it stays refused
        source.window(0, 10).read(10)


def test_a_part_cannot_be_read_twice(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(VALIDATED)
    source = _source(path)
    first = source.window(0, 4000)
    assert len(first.read(4000)) == 4000
    second = source.window(4000, 4000)
    assert len(second.read(100)) == 100
    second.seek(0)  # a retried part would start again: refused, not sent from elsewhere
    with pytest.raises(OSError, match="in order"):
        second.read(100)


def test_memory_is_bounded_by_a_block_not_a_part(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(VALIDATED)
    source = _source(path, block=256)
    window = source.window(0, len(VALIDATED))
    window.read(100)
    assert len(source._buffer) <= 256
