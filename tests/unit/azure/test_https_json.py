"""https_json: keep-alive, a stale connection opened anew once, failures as TransientError,
and the proxy the environment names (as requests and httpx read it), against a local HTTPS
server (a trustme CA)."""

from __future__ import annotations

import http.server
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import trustme

from reconciler.azure.https_json import HttpsJson, _proxy_for
from reconciler.errors import AzureError, TransientError


@dataclass
class Server:
    url: str
    tls: ssl.SSLContext  # the client's: trusts the server's CA
    connections: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    # close the connection after each answer without saying so (a server's idle timeout)
    drop_silently: bool = False


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server(ca: trustme.CA) -> Iterator[Server]:
    yield from _server(ca)


@pytest.fixture
def other_server(ca: trustme.CA) -> Iterator[Server]:
    yield from _server(ca)


def _server(ca: trustme.CA) -> Iterator[Server]:
    cert = ca.issue_cert("127.0.0.1")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    state = Server(url="", tls=client_tls)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            state.connections.append(id(self.connection))

        def do_GET(self) -> None:
            state.paths.append(self.path)
            state.authorizations.append(self.headers.get("Authorization"))
            if self.path.startswith("/to?"):
                self.send_response(307)
                self.send_header("Location", self.path.split("?", 1)[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            if state.drop_silently:
                self.close_connection = True

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_tls.wrap_socket(httpd.socket, server_side=True)
    state.url = f"https://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_one_connection_serves_a_threads_requests(server: Server) -> None:
    https = HttpsJson(server.tls, timeout=5, plane="data")
    try:
        for n in range(3):
            answer = https.get(f"{server.url}/x?n={n}", {"Authorization": "Bearer t"}, "op")
            assert (answer.status, answer.json()) == (200, {"ok": True})
    finally:
        https.close()
    assert server.paths == ["/x?n=0", "/x?n=1", "/x?n=2"]
    assert len(server.connections) == 1


def test_threads_share_the_pool_so_connections_stay_bounded(server: Server) -> None:
    """Each plan's observe runs in new threads: their connections are the pool's, reused by the
    next threads, not one more set per round (a long `apply --wait` observes again and again)."""
    https = HttpsJson(server.tls, timeout=5, plane="data")
    try:
        for _ in range(3):
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda n: https.get(f"{server.url}/z?n={n}", {}, "op"), range(8)))
    finally:
        https.close()
    assert len(server.paths) == 24
    assert len(server.connections) <= 4


def test_a_connection_the_server_closed_is_opened_anew_once(server: Server) -> None:
    server.drop_silently = True
    https = HttpsJson(server.tls, timeout=5, plane="arm")
    try:
        for n in range(3):
            assert https.get(f"{server.url}/y?n={n}", {}, "op").status == 200
    finally:
        https.close()
    assert server.paths == ["/y?n=0", "/y?n=1", "/y?n=2"]  # each sent once that was answered
    assert len(server.connections) == 3


def test_no_server_is_a_transient_error_naming_the_operation() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    https = HttpsJson(ssl.create_default_context(), timeout=5, plane="data")
    with pytest.raises(TransientError, match=r"^list files in a: connection failed: "):
        https.get(f"https://127.0.0.1:{port}/files", {}, "list files in a")
    https.close()


def test_a_server_that_never_answers_is_a_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        https = HttpsJson(ssl.create_default_context(), timeout=0.3, plane="data")
        with pytest.raises(TransientError, match="timed out") as caught:
            https.get(f"https://127.0.0.1:{port}/files", {}, "op")
        assert caught.value.ambiguous
        select.select([], [], [], 0)
        https.close()


@pytest.mark.parametrize(
    ("environ", "host", "expected"),
    [
        ({}, "management.azure.com", None),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "management.azure.com", ("proxy", 3128, {})),
        ({"https_proxy": "proxy.corp"}, "a.openai.azure.com", ("proxy.corp", 80, {})),
        ({"ALL_PROXY": "http://proxy:8080"}, "a.openai.azure.com", ("proxy", 8080, {})),
        (
            {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".azure.com"},
            "management.azure.com",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "127.0.0.1,localhost"},
            "127.0.0.1",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://us%40er:p%3Ass@proxy:3128"},
            "management.azure.com",
            ("proxy", 3128, {"Proxy-Authorization": "Basic dXNAZXI6cDpzcw=="}),
        ),
        ({"HTTP_PROXY": "http://proxy:3128"}, "management.azure.com", None),  # https only
    ],
)
def test_the_proxy_is_the_one_requests_and_httpx_would_use(
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    host: str,
    expected: tuple[str, int, dict[str, str]] | None,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert _proxy_for(host) == expected


def test_a_proxy_tunnels_the_request(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a CONNECT proxy (a minimal one here), TLS still ends at the server."""
    tunnels: list[str] = []
    listener = socket.create_server(("127.0.0.1", 0))
    proxy_port = listener.getsockname()[1]

    def serve() -> None:
        client, _ = listener.accept()
        request = b""
        while b"\r\n\r\n" not in request:
            request += client.recv(4096)
        line = request.split(b"\r\n", 1)[0].decode()
        tunnels.append(line)
        target = line.split()[1]
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pair = {client: upstream, upstream: client}
        while True:
            ready, _, _ = select.select(list(pair), [], [], 5)
            if not ready:
                break
            data = ready[0].recv(65536)
            if not data:
                break
            pair[ready[0]].sendall(data)
        client.close()
        upstream.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    https = HttpsJson(server.tls, timeout=5, plane="data")
    try:
        assert https.get(f"{server.url}/via-proxy", {}, "op").json() == {"ok": True}
    finally:
        https.close()
        listener.close()
    port = server.url.rsplit(":", 1)[1]
    assert tunnels == [f"CONNECT 127.0.0.1:{port} HTTP/1.0"]
    assert server.paths == ["/via-proxy"]


def test_a_redirect_is_followed_with_the_credential_on_the_same_origin(server: Server) -> None:
    https = HttpsJson(server.tls, timeout=5, plane="data")
    try:
        answer = https.get(f"{server.url}/to?/landed", {"Authorization": "Bearer t"}, "op")
    finally:
        https.close()
    assert (answer.status, answer.json()) == (200, {"ok": True})
    assert server.paths == ["/to?/landed", "/landed"]
    assert server.authorizations == ["Bearer t", "Bearer t"]


def test_a_redirect_to_another_origin_does_not_carry_the_credential(
    server: Server, other_server: Server
) -> None:
    https = HttpsJson(server.tls, timeout=5, plane="data")
    try:
        answer = https.get(
            f"{server.url}/to?{other_server.url}/landed", {"Authorization": "Bearer t"}, "op"
        )
    finally:
        https.close()
    assert answer.json() == {"ok": True}
    assert server.authorizations == ["Bearer t"]
    assert (other_server.paths, other_server.authorizations) == (["/landed"], [None])


def test_a_redirect_off_https_is_refused(server: Server) -> None:
    https = HttpsJson(server.tls, timeout=5, plane="data")
    try:
        with pytest.raises(AzureError, match="off HTTPS"):
            https.get(f"{server.url}/to?http://127.0.0.1:1/x", {"Authorization": "t"}, "op")
    finally:
        https.close()
