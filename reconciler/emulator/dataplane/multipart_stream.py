"""multipart/form-data read as it arrives: the one file field goes straight to a file on disk
(never whole in memory, with a size cap), the small text fields are kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from reconciler.emulator.dataplane.errors import ApiError, bad_request

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 32


class _TooLarge(Exception):
    pass


@dataclass
class MultipartForm:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None  # of the file part, as the client named it
    size: int = 0  # bytes written to the destination; -1 when the file part was absent


class _Reader:
    def __init__(self, file_field: str, dest: Path, max_file_bytes: int) -> None:
        self.file_field = file_field
        self.dest = dest
        self.max_file_bytes = max_file_bytes
        self.form = MultipartForm(size=-1)
        self.out: BinaryIO | None = None
        self.ended = False
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._name: str | None = None
        self._is_file = False
        self._buffer = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}
        self._name = None
        self._is_file = False
        self._buffer = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        raw_name = options.get(b"name")
        if raw_name is None:
            raise bad_request("A multipart part has no name in its Content-Disposition header")
        self._name = raw_name.decode("utf-8", "replace")
        if self._name == self.file_field:
            if self.out is not None:
                raise bad_request(f"The multipart field '{self.file_field}' appears twice")
            self._is_file = True
            raw_filename = options.get(b"filename")
            self.form.filename = raw_filename.decode("utf-8", "replace") if raw_filename else None
            self.form.size = 0
            self.dest.parent.mkdir(parents=True, exist_ok=True)
            self.out = open(self.dest, "wb")  # noqa: SIM115 - closed in read_multipart
        elif len(self.form.fields) >= MAX_FIELDS:
            raise bad_request("Too many multipart fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file and self.out is not None:
            self.form.size += end - start
            if self.form.size > self.max_file_bytes:
                raise _TooLarge()
            self.out.write(data[start:end])
        else:
            self._buffer += data[start:end]
            if len(self._buffer) > MAX_FIELD_BYTES:
                raise bad_request(f"The multipart field '{self._name}' is too large")

    def on_part_end(self) -> None:
        if not self._is_file and self._name is not None:
            self.form.fields[self._name] = self._buffer.decode("utf-8", "replace")
        self._is_file = False

    def on_end(self) -> None:
        self.ended = True


async def read_multipart(
    content_type: str | None,
    stream: AsyncIterator[bytes],
    *,
    file_field: str,
    dest: Path,
    max_file_bytes: int,
    too_large: str,
) -> MultipartForm:
    """Parse the body; the ``file_field`` part is written to ``dest``. On any error nothing is
    left at ``dest`` and an ApiError (400) is raised; ``too_large`` is its message when the file
    part exceeds ``max_file_bytes``."""
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise bad_request("The request must be multipart/form-data with a boundary")
    reader = _Reader(file_field, dest, max_file_bytes)
    try:
        try:
            parser = MultipartParser(boundary, reader.callbacks())
            async for chunk in stream:
                parser.write(chunk)
            parser.finalize()
        except _TooLarge:
            raise bad_request(too_large, param=file_field) from None
        except (FormParserError, ValueError) as exc:
            raise bad_request("The multipart body is malformed") from exc
        if not reader.ended:
            raise bad_request("The multipart body is incomplete")
        if reader.out is None:
            raise bad_request(f"The multipart field '{file_field}' is required", param=file_field)
    except ApiError:
        if reader.out is not None:
            reader.out.close()
            reader.out = None
        dest.unlink(missing_ok=True)
        raise
    finally:
        if reader.out is not None:
            reader.out.close()
    return reader.form
