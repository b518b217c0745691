"""The wire log (`--log-http FILE`): every HTTP exchange with Azure, as JSON Lines.

Two records per exchange, paired by ``seq``: ``request`` (plane, method, url, headers, body or
multipart summary) and ``response`` (status, elapsed_ms, headers, body). Secrets are redacted
before a record is built into a line, so no token or key ever reaches the file.

Hooks: the data plane (openai over httpx2) through the client's event hooks; the management
plane (azure-core) through a per-retry pipeline policy, so LRO polls are logged too. Neither
changes what the SDK sends or receives: a response body is logged from the bytes the SDK itself
reads (data plane) or has read (ARM), never by reading a stream ahead of it.

A failure to write (disk full, permission) is reported once on stderr and the command goes on;
logging must never be the reason a command fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import httpx2
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy

REDACTED = "[REDACTED]"
#: larger bodies are logged as their size only
MAX_BODY_BYTES = 1024 * 1024

_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "x-ms-authorization-auxiliary",
        "ocp-apim-subscription-key",
        "cookie",
        "set-cookie",
    }
)
_SECRET_HEADER_WORDS = ("key", "token", "secret", "signature")
# SAS parts (sig, se, st), OAuth codes, and anything named like a credential
_SECRET_QUERY_PARAMS = frozenset({"sig", "se", "st", "code", "token", "key", "secret"})
_SECRET_QUERY_WORDS = ("key", "token", "secret", "signature", "password")
# pagination cursors named like a token (ARM's nextLink) are no credential
_PUBLIC_QUERY_PARAMS = frozenset({"$skiptoken", "skiptoken"})
# a JSON member is secret when a word of its name (camelCase, snake_case, digits dropped) is
# one of these: `key1`, `accessToken`, `client_secret`, but not `trained_tokens` or
# `FineTuneTokensMaxValue`; a number (`"maxContextToken": "128000"`) is no credential
_SECRET_JSON_WORDS = frozenset({"key", "apikey", "token", "secret", "password", "signature"})
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# the scheme word is kept (it says how the call authenticated); the credential never is
_AUTH_SCHEMES = frozenset({"bearer", "basic", "digest", "pop", "sharedkey", "sharedkeylite"})


# --- redaction: pure functions over data ---------------------------------------------------


def redact_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered not in _SECRET_HEADERS and not any(w in lowered for w in _SECRET_HEADER_WORDS):
        return value
    scheme, space, _credential = value.strip().partition(" ")
    if space and scheme.lower() in _AUTH_SCHEMES:
        return f"{scheme} {REDACTED}"
    return REDACTED


def redact_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names lower-cased; a repeated header's values joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        shown = redact_header(key, value)
        headers[key] = f"{headers[key]}, {shown}" if key in headers else shown
    return headers


def _secret_query_param(name: str) -> bool:
    lowered = unquote_plus(name).lower()
    if lowered in _PUBLIC_QUERY_PARAMS:
        return False
    return lowered in _SECRET_QUERY_PARAMS or any(w in lowered for w in _SECRET_QUERY_WORDS)


def _secret_member(name: object, value: object) -> bool:
    if not isinstance(name, str) or value is None or isinstance(value, bool | int | float):
        return False
    if isinstance(value, str) and value.isdigit():
        return False
    words = {w.lower() for w in _NAME_WORDS.findall(name) if not w.isdigit()}
    return bool(words & _SECRET_JSON_WORDS)


def redact_url(url: str) -> str:
    """The URL as sent, with secret query values and any userinfo password replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:{REDACTED}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        params = []
        for param in query.split("&"):
            name, equals, value = param.partition("=")
            if equals and value and _secret_query_param(name):
                param = f"{name}={REDACTED}"
            params.append(param)
        query = "&".join(params)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_json(value: Any) -> Any:
    """A copy of a parsed JSON value in which every string member named like a credential
    (``key``, ``key1``, ``apiKey``, ``access_token``, ``clientSecret``, ``password``, …) has the
    value ``"[REDACTED]"``, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if _secret_member(k, v) else redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def parse_json_body(content: bytes, content_type: str | None) -> Any:
    """The body as redacted JSON when it is JSON and small enough, else None."""
    if not content or not _is_json(content_type) or len(content) > MAX_BODY_BYTES:
        return None
    try:
        return redact_json(json.loads(content))
    except ValueError:
        return None


def multipart_summary(stream: object) -> dict[str, Any] | None:
    """Fields and file sizes of an httpx2 multipart request stream, without reading the files:
    ``{"fields": {name: value}, "files": {name: {filename, content_type, bytes}}}``."""
    fields = getattr(stream, "fields", None)
    if not isinstance(fields, list):
        return None
    values: dict[str, Any] = {}
    files: dict[str, dict[str, Any]] = {}
    for field in fields:
        name = str(getattr(field, "name", ""))
        if hasattr(field, "filename"):
            headers = getattr(field, "headers", {}) or {}
            content_type = next(
                (v for k, v in headers.items() if str(k).lower() == "content-type"), None
            )
            files[name] = {
                "filename": field.filename,
                "content_type": content_type,
                "bytes": _file_field_size(field),
            }
        else:
            value = getattr(field, "value", None)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            values[name] = value
    return {"fields": redact_json(values), "files": files}


def _file_field_size(field: Any) -> int | None:
    """The file's size as httpx2 itself works it out for Content-Length (from the file's
    descriptor or by seeking, never by reading); None when it cannot know."""
    try:
        total = field.get_length()
        return None if total is None else int(total) - len(field.render_headers())
    except Exception:  # a file object that cannot say: the size is unknown, not an error
        return None


# --- the file ------------------------------------------------------------------------------

_seq_lock = threading.Lock()
_seq = 0


def _next_seq() -> int:
    """Unique per process, whichever log or client asks."""
    global _seq
    with _seq_lock:
        _seq += 1
        return _seq


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _warn_on_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class WireLog:
    """One JSON Lines file, appended to by every client and thread of the process.

    Each record is one ``os.write`` of one whole line to a descriptor opened with O_APPEND,
    under a lock: lines from threads of this process and from other processes writing the
    same file never interleave.
    """

    def __init__(self, path: Path, *, warn: Callable[[str], None] = _warn_on_stderr) -> None:
        self.path = path
        self._warn = warn
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._failed = False
        # responses whose body the SDK has not read yet: written when it has, or at close
        self._pending: set[_Pending] = set()
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(path, flags, 0o600)  # bodies may hold prompts: owner only
        except OSError as exc:
            self.disable(exc.strerror or type(exc).__name__)

    @property
    def ok(self) -> bool:
        return not self._failed

    def write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        data = line.encode("utf-8", "backslashreplace")
        with self._lock:
            if self._fd is None:
                return
            try:
                view = memoryview(data)
                while view:  # a regular file takes it in one write; a short one is finished
                    view = view[os.write(self._fd, view) :]
            except OSError as exc:
                self._disable_locked(exc.strerror or type(exc).__name__)

    def disable(self, reason: str) -> None:
        """Stop logging; the first reason is reported on stderr, later ones are not."""
        with self._lock:
            self._disable_locked(reason)

    def _disable_locked(self, reason: str) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if not self._failed:
            self._failed = True
            self._warn(
                f"warning: cannot write the HTTP log {self.path}: {reason}; going on without it"
            )

    def hold(self, record: _Pending) -> None:
        with self._lock:
            self._pending.add(record)

    def release(self, record: _Pending) -> None:
        with self._lock:
            self._pending.discard(record)

    def close(self) -> None:
        """Write the records still pending (with what is known of their bodies) and close."""
        with self._lock:
            pending = list(self._pending)
        for record in pending:
            record.flush()
        with self._lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None

    def __repr__(self) -> str:
        return f"WireLog({self.path})"


class _Pending(Protocol):
    def flush(self) -> None: ...


def _request_record(
    seq: int,
    started: str,
    plane: str,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: Any,
    body_bytes: int | None,
    multipart: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "kind": "request",
        "seq": seq,
        "pid": os.getpid(),
        "time": started,
        "plane": plane,
        "method": method,
        "url": redact_url(url),
        "headers": redact_headers(headers),
        "body": body,
        "body_bytes": body_bytes,
        "multipart": multipart,
    }


def _response_record(
    seq: int,
    answered: str,
    plane: str,
    status: int,
    elapsed_s: float,
    headers: Iterable[tuple[str, str]],
    body: Any,
    body_bytes: int | None,
) -> dict[str, Any]:
    return {
        "kind": "response",
        "seq": seq,
        "pid": os.getpid(),
        "time": answered,
        "plane": plane,
        "status": status,
        "elapsed_ms": round(elapsed_s * 1000, 1),
        "headers": redact_headers(headers),
        "body": body,
        "body_bytes": body_bytes,
    }


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _guarded(log: WireLog, action: Callable[[], None]) -> None:
    """Run a logging step; a bug in it is reported (once) instead of failing the call."""
    try:
        action()
    except Exception as exc:  # never let the log break the command
        log.disable(f"internal error ({type(exc).__name__})")


# --- data plane: httpx2 event hooks --------------------------------------------------------


class _TeeStream(httpx2.SyncByteStream):
    """Hands the SDK the response's bytes unchanged, keeping a copy (JSON bodies up to
    MAX_BODY_BYTES only) for the log once the SDK has read them and closed the response."""

    def __init__(self, inner: httpx2.SyncByteStream, keep: bool, record: _PendingResponse) -> None:
        self._inner = inner
        self._keep = keep
        self._record = record
        self._chunks: list[bytes] = []
        self._count = 0
        self._complete = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._count += len(chunk)
            if self._keep:
                if self._count <= MAX_BODY_BYTES:
                    self._chunks.append(chunk)
                else:
                    self._keep = False
                    self._chunks.clear()
            yield chunk
        self._complete = True

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            if self._complete:
                self._record.finish(b"".join(self._chunks) if self._keep else None, self._count)
            else:  # closed before the end: neither body nor size is known
                self._record.finish(None, None)


def _decoded(raw: bytes, headers: httpx2.Headers) -> bytes | None:
    """The body as the SDK sees it (gzip and friends undone, as httpx2 does); None when this
    process cannot decode it (an encoding without its decoder installed)."""
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    try:
        return httpx2.Response(200, headers={"content-encoding": encoding}, content=raw).content
    except httpx2.DecodingError:
        return None


class _PendingResponse:
    """A data-plane response record, written once: when the SDK closes the response (having
    read the body, or not), or when the log closes if the SDK never does."""

    def __init__(self, log: WireLog, seq: int, elapsed: float, response: httpx2.Response) -> None:
        self._log = log
        self._seq = seq
        self._answered = _now()
        self._elapsed = elapsed
        self._status = response.status_code
        self._headers = response.headers
        self._lock = threading.Lock()
        self._written = False
        log.hold(self)

    def flush(self) -> None:
        self.finish(None, None)

    def finish(self, kept: bytes | None, count: int | None, *, decoded: bool = False) -> None:
        """``kept``: the body as received (``decoded``: as the SDK reads it), or None when it
        is not kept; ``count``: its size as received, or None when unknown."""
        with self._lock:
            if self._written:
                return
            self._written = True
        self._log.release(self)
        _guarded(self._log, lambda: self._write(kept, count, decoded))

    def _write(self, kept: bytes | None, count: int | None, decoded: bool) -> None:
        body = None
        content = kept if decoded or kept is None else _decoded(kept, self._headers)
        if content is not None:
            body = parse_json_body(content, self._headers.get("content-type"))
        self._log.write(
            _response_record(
                self._seq,
                self._answered,
                "data",
                self._status,
                self._elapsed,
                self._headers.multi_items(),
                body,
                count,
            )
        )


@dataclass
class _Sent:
    seq: int
    started: float


class DataPlaneHooks:
    """httpx2 event hooks: the request record as the request leaves; the response record when
    the SDK has read (or closed) the body, which it still reads as a stream."""

    def __init__(self, log: WireLog) -> None:
        self._log = log
        self._lock = threading.Lock()
        # a request that never gets a response (connection failed) leaves nothing behind
        self._sent: weakref.WeakKeyDictionary[httpx2.Request, _Sent] = weakref.WeakKeyDictionary()

    def as_event_hooks(self) -> dict[str, list[Callable[[Any], None]]]:
        return {"request": [self.on_request], "response": [self.on_response]}

    def on_request(self, request: httpx2.Request) -> None:
        _guarded(self._log, lambda: self._on_request(request))

    def on_response(self, response: httpx2.Response) -> None:
        _guarded(self._log, lambda: self._on_response(response))

    def _on_request(self, request: httpx2.Request) -> None:
        seq = _next_seq()
        started = _now()
        with self._lock:
            self._sent[request] = _Sent(seq, time.perf_counter())
        body: Any = None
        body_bytes = _content_length(request.headers)
        multipart = None
        try:
            content = request.content
        except httpx2.RequestNotRead:  # a streamed body (multipart upload): never read here
            multipart = multipart_summary(request.stream)
        else:
            body_bytes = len(content)
            body = parse_json_body(content, request.headers.get("content-type"))
        self._log.write(
            _request_record(
                seq,
                started,
                "data",
                request.method,
                str(request.url),
                request.headers.multi_items(),
                body,
                body_bytes,
                multipart,
            )
        )

    def _on_response(self, response: httpx2.Response) -> None:
        with self._lock:
            sent = self._sent.pop(response.request, None)
        if sent is None:
            return
        record = _PendingResponse(self._log, sent.seq, time.perf_counter() - sent.started, response)
        try:
            content = response.content
        except httpx2.ResponseNotRead:  # as from the network: the SDK reads it, through the tee
            pass
        else:  # a response made already read: nothing left to stream
            record.finish(content, len(content), decoded=True)
            return
        stream = response.stream
        if not isinstance(stream, httpx2.SyncByteStream):
            record.finish(None, None)
            return
        keep = _is_json(response.headers.get("content-type"))
        response.stream = _TeeStream(stream, keep, record)


def data_plane_event_hooks(log: WireLog | None) -> dict[str, list[Callable[[Any], None]]]:
    """``event_hooks=`` for an httpx2 client (none without a log)."""
    return DataPlaneHooks(log).as_event_hooks() if log is not None else {}


# --- management plane: an azure-core pipeline policy ---------------------------------------


def _arm_content(http: Any) -> bytes | None:
    """The body if the transport or the SDK has read it; never reads it (an unread stream is
    the SDK's to read, e.g. with ``stream_download``)."""
    try:
        content = http.content
    except Exception:  # azure-core raises ResponseNotReadError while a stream is unread
        return None
    return content if isinstance(content, bytes) else None


class _PendingArmResponse:
    """An ARM response record, written once the body is known: at once for a read answer; for a
    streamed one (an LRO's first answer) when the SDK has read it, which the policy checks at
    its next request, or at the log's close."""

    def __init__(self, log: WireLog, seq: int, answered: str, elapsed: float, http: Any) -> None:
        self._log = log
        self._seq = seq
        self._answered = answered
        self._elapsed = elapsed
        self._http = http
        self._lock = threading.Lock()
        self._written = False

    def ready(self) -> bool:
        return _arm_content(self._http) is not None

    def flush(self) -> None:
        with self._lock:
            if self._written:
                return
            self._written = True
        self._log.release(self)
        _guarded(self._log, self._write)

    def _write(self) -> None:
        http = self._http
        content = _arm_content(http)
        headers = {k.lower(): v for k, v in http.headers.items()}
        content_type = headers.get("content-type")
        length = _content_length(headers)
        self._log.write(
            _response_record(
                self._seq,
                self._answered,
                "arm",
                http.status_code,
                self._elapsed,
                http.headers.items(),
                parse_json_body(content, content_type) if content is not None else None,
                length if length is not None else (len(content) if content is not None else None),
            )
        )


class ArmWireLogPolicy(HTTPPolicy[Any, Any]):
    """Logs each try of each ARM request (initial calls and LRO polls alike).

    It sits after the retry policy and before authentication, so the request record is
    written once the call returns: then it holds the headers as sent, Authorization included.
    """

    def __init__(self, log: WireLog) -> None:
        super().__init__()
        self._log = log
        self._lock = threading.Lock()
        self._unread: list[_PendingArmResponse] = []

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        self._flush_read()
        seq = _next_seq()
        started = _now()
        t0 = time.perf_counter()
        try:
            response: PipelineResponse[Any, Any] = self.next.send(request)
        except BaseException:
            # no response arrived: the request alone says what was tried
            _guarded(self._log, lambda: self._write_request(seq, started, request))
            raise
        elapsed = time.perf_counter() - t0
        _guarded(self._log, lambda: self._write_request(seq, started, request))
        _guarded(self._log, lambda: self._answer(seq, _now(), elapsed, response))
        return response

    def _answer(
        self, seq: int, answered: str, elapsed: float, response: PipelineResponse[Any, Any]
    ) -> None:
        record = _PendingArmResponse(self._log, seq, answered, elapsed, response.http_response)
        if record.ready() or getattr(response.http_response, "is_stream_consumed", True):
            record.flush()
            return
        self._log.hold(record)
        with self._lock:
            self._unread.append(record)

    def _flush_read(self) -> None:
        with self._lock:
            ready = [r for r in self._unread if r.ready()]
            self._unread = [r for r in self._unread if r not in ready]
        for record in ready:
            record.flush()

    def _write_request(self, seq: int, started: str, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        raw = getattr(http, "content", None)
        content = raw.encode("utf-8") if isinstance(raw, str) else raw
        body: Any = None
        body_bytes = _content_length({k.lower(): v for k, v in http.headers.items()})
        if isinstance(content, bytes):
            body_bytes = len(content)
            body = parse_json_body(content, http.headers.get("Content-Type"))
        self._log.write(
            _request_record(
                seq,
                started,
                "arm",
                http.method,
                http.url,
                http.headers.items(),
                body,
                body_bytes,
                None,
            )
        )


def arm_policies(log: WireLog | None) -> dict[str, Any]:
    """Keyword arguments for CognitiveServicesManagementClient (none without a log)."""
    return {"per_retry_policies": [ArmWireLogPolicy(log)]} if log is not None else {}
