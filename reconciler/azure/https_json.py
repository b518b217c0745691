"""GETs of JSON over the standard library's ``http.client``: the reads every Azure command sends.

A no-op plan is reads only (lists of ARM and of each account's data plane). Sending them
through the SDKs' HTTP stacks (azure-core over requests/urllib3, httpx) costs a quarter of a
second of imports per process, more than the reads themselves; ``http.client`` is already
loaded by the interpreter's standard library. What the stacks did for a read is done here:

- keep-alive: a pool of connections per host shared by the threads, each reused once its
  answer is read; a reused connection the server had closed meanwhile is opened anew once (a
  GET may be sent again, as urllib3 does);
- TLS: one ``ssl.SSLContext`` per command, shared (the caller's: the emulator's CA, else the
  system's, or certifi's for ARM as requests uses it);
- proxies: ``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` as requests and httpx honour them
  (a CONNECT tunnel);
- the wire log (`--log-http`): a request record as it leaves, a response record with its body;
- errors: the project's ``AzureError`` subclasses by status, with the service's code and
  message, and Retry-After; a failed connection is a ``TransientError``.

Writes never come here: they go through the SDKs (write gate, LROs, multipart uploads).
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.errors import AzureError, TransientError

if TYPE_CHECKING:
    from reconciler.azure.wire_log import WireLog

JSON = dict[str, Any]
USER_AGENT = "reconciler (python http.client)"
# as httpx (openai's client) and azure-core's RedirectPolicy follow them for a GET
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20
# idle connections kept per host: every account's lists may go to one host at once (ARM)
MAX_IDLE_PER_HOST = 64


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


# (status, body, reason) -> (code, message) of the service's error format
ErrorReader = Callable[[int, Any, str], tuple[str | None, str]]


class HttpsJson:
    """GETs over HTTPS through a pool of keep-alive connections per host, shared by the
    threads (a connection serves one request at a time); ``close`` closes them."""

    def __init__(
        self,
        tls: ssl.SSLContext,
        *,
        timeout: float,
        plane: str,
        wire_log: WireLog | None = None,
    ) -> None:
        self._tls = tls
        self._timeout = timeout
        self._plane = plane  # "arm" or "data", as the wire log names them
        self._wire_log = wire_log
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, int], list[http.client.HTTPSConnection]] = {}
        self._closed = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _checkout(self, host: str, port: int) -> tuple[http.client.HTTPSConnection, bool]:
        """(connection, reused): an idle one to host:port, else a new one."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the reader is closed")
            idle = self._idle.get((host, port))
            if idle:
                return idle.pop(), True  # the most recently used: the least likely stale
        proxy = _proxy_for(host)
        if proxy is None:
            return http.client.HTTPSConnection(
                host, port, timeout=self._timeout, context=self._tls
            ), False
        connection = http.client.HTTPSConnection(
            proxy[0], proxy[1], timeout=self._timeout, context=self._tls
        )
        connection.set_tunnel(host, port, headers=proxy[2])
        return connection, False

    def _checkin(self, host: str, port: int, connection: http.client.HTTPSConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault((host, port), [])
            if not self._closed and len(idle) < MAX_IDLE_PER_HOST:
                idle.append(connection)
                return
        connection.close()

    def get(self, url: str, headers: Mapping[str, str], operation: str) -> Answer:
        """The answer to ``GET url`` (any status but a redirect, which is followed as the SDKs'
        clients follow it: at most ``MAX_REDIRECTS``, the credential dropped on the way to
        another origin); a connection that fails is a TransientError."""
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._get_once(url, sent, operation)
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                return answer
            to = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(to).scheme != "https":
                raise AzureError(
                    f"refused to follow a redirect off HTTPS (HTTP {answer.status})",
                    operation=operation,
                )
            if _origin(to) != _origin(url):
                sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
            url = to
        raise AzureError(f"more than {MAX_REDIRECTS} redirects", operation=operation)

    def _get_once(self, url: str, sent: Mapping[str, str], operation: str) -> Answer:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https":
            raise AzureError(f"not an HTTPS URL: {parts.scheme}://…", operation=operation)
        host, port = parts.hostname or "", parts.port or 443
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        while True:
            connection, reused = self._checkout(host, port)
            seq = self._log_request(url, sent)
            started = time.perf_counter()
            try:
                connection.request("GET", target, headers=sent)
                response = connection.getresponse()
                body = response.read()
            except (
                http.client.RemoteDisconnected,
                ConnectionResetError,
                BrokenPipeError,
                ssl.SSLEOFError,
                ssl.SSLZeroReturnError,
            ):
                connection.close()
                if reused:  # the server closed an idle connection: a fresh one, once
                    continue
                raise TransientError(
                    "connection failed: the server closed the connection",
                    operation=operation,
                    ambiguous=True,
                ) from None
            except TimeoutError:
                connection.close()
                raise TransientError("timed out", operation=operation, ambiguous=True) from None
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                raise TransientError(
                    f"connection failed: {exc}", operation=operation, ambiguous=True
                ) from None
            answer = Answer(
                response.status,
                response.reason,
                {k.lower(): v for k, v in response.getheaders()},
                body,
            )
            if response.will_close:
                connection.close()
            else:
                self._checkin(host, port, connection)
            self._log_response(seq, time.perf_counter() - started, answer)
            return answer

    def _log_request(self, url: str, headers: Mapping[str, str]) -> int:
        log = self._wire_log
        if log is None:
            return 0
        from reconciler.azure import wire_log

        seq = wire_log._next_seq()
        record = wire_log._request_record(
            seq, wire_log._now(), self._plane, "GET", url, headers.items(), None, 0, None
        )
        wire_log._guarded(log, lambda: log.write(record))
        return seq

    def _log_response(self, seq: int, elapsed: float, answer: Answer) -> None:
        log = self._wire_log
        if log is None:
            return
        from reconciler.azure import wire_log

        def write() -> None:
            body = wire_log.parse_json_body(answer.body, answer.headers.get("content-type"))
            log.write(
                wire_log._response_record(
                    seq,
                    wire_log._now(),
                    self._plane,
                    answer.status,
                    elapsed,
                    answer.headers.items(),
                    body,
                    len(answer.body),
                )
            )

        wire_log._guarded(log, write)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or 443


def status_error(answer: Answer, operation: str, read_error: ErrorReader) -> AzureError:
    """The project's error for an answer of status 400 or more."""
    from reconciler.azure.errors import _by_status, _retry_after

    try:
        body: Any = answer.json()
    except ValueError:
        body = answer.body.decode("utf-8", "replace")
    code, text = read_error(answer.status, body, answer.reason)
    return _by_status(
        answer.status,
        text,
        operation=operation,
        code=code,
        retry_after=_retry_after(answer.headers),
    )


def json_object(answer: Answer, operation: str) -> JSON:
    try:
        body = answer.json()
    except ValueError:
        raise AzureError("unexpected answer: not JSON", operation=operation) from None
    if not isinstance(body, dict):
        raise AzureError(f"unexpected answer: {type(body).__name__}", operation=operation)
    return body


def _proxy_for(host: str) -> tuple[str, int, dict[str, str]] | None:
    """(host, port, CONNECT headers) of the proxy the environment names for ``host``, as
    requests and httpx read it; None for a direct connection."""
    names = {k.lower() for k in os.environ}
    if "https_proxy" not in names and "all_proxy" not in names:
        return None
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    url = proxies.get("https") or proxies.get("all")
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if not url or bypass(host, proxies):
        return None
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    headers: dict[str, str] = {}
    if parts.username is not None:
        import base64

        user = urllib.parse.unquote(parts.username)
        word = urllib.parse.unquote(parts.password or "")
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(
            f"{user}:{word}".encode()
        ).decode("ascii")
    return parts.hostname or "", parts.port or 80, headers


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The emulator's CA, else the system's (as httpx's default). Made once per command and
    shared: loading the CAs costs milliseconds each time."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


def arm_tls_context(ca_file: str | None) -> ssl.SSLContext:
    """For ARM: the emulator's CA, else the CAs requests trusts (``REQUESTS_CA_BUNDLE``,
    ``CURL_CA_BUNDLE``, else certifi's bundle), as the management SDK's transport did."""
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not bundle:
        import certifi

        bundle = certifi.where()
    return ssl.create_default_context(cafile=bundle)


__all__ = ["Answer", "HttpsJson", "arm_tls_context", "json_object", "status_error", "tls_context"]
