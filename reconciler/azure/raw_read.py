"""List calls read as raw JSON: no SDK model object per listed item, no SDK on the way.

An SDK's list turns every item into a model object, which the reader then turns back into a
dict (0.49 s of CPU for a 200-deployment stack, 0.94 s at 1,000); and importing the SDKs and
their HTTP stacks costs more than a no-op plan's reads take. Here the same requests go out over
``https_json`` (the standard library's http.client), and the answers are parsed once, by
``json``:

- ARM: `ArmReader`, the list operations' own URLs (the paths and api-version of the generated
  ``build_list_*_request`` of azure-mgmt-cognitiveservices, whose default api-version a test
  pins to ``ARM_API_VERSION``) with ``Accept: application/json`` and a bearer token of the
  subscription's tenant for ``ARM_SCOPE``, pages followed by ``nextLink`` as the SDK does.
  `arm_list` does the same through a management client's own pipeline, for callers that hold
  one.
- data plane: `DataPlaneReader`, a GET carrying the same credential as the openai client would
  (a key or an Entra token, as ``Authorization: Bearer``), cursor pages followed as openai's
  ``SyncCursorPage`` does (``after`` = the last item's id while ``has_more`` is not false).

Both write the wire log (`--log-http`) as the SDK clients' hooks do. Reads only: no write
passes here, so the write gate has nothing to check.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.azure.errors import _openai_body_error
from reconciler.azure.https_json import (
    HttpsJson,
    json_object,
    status_error,
)
from reconciler.azure.https_json import tls_context as tls_context

if TYPE_CHECKING:
    from azure.core.rest import HttpRequest
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

JSON = dict[str, Any]
DataPlaneKey = str | Callable[[], str]
#: azure-mgmt-cognitiveservices' default api-version (a test pins it), the vendored contract's
ARM_API_VERSION = "2025-09-01"
PROVIDER = "Microsoft.CognitiveServices"
# a token is asked for again this long before it expires (as azure-core's bearer policy does)
_TOKEN_REFRESH_S = 300.0


# --- ARM --------------------------------------------------------------------------------------


def arm_list(
    arm: CognitiveServicesManagementClient, build: Callable[..., HttpRequest], *path: str
) -> list[JSON]:
    """Every item of an ARM list, following ``nextLink``. ``build`` is the SDK's own
    ``build_list_*_request``: called with the ``path`` parameters, then the client's
    subscription and api-version (the client's private config is read here only)."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        ResourceNotModifiedError,
        map_error,
    )
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    # the generated list operations' error map
    error_map: dict[int, type[HttpResponseError]] = {
        401: ClientAuthenticationError,
        404: ResourceNotFoundError,
        409: ResourceExistsError,
        304: ResourceNotModifiedError,
    }
    api_version = str(arm._config.api_version)
    first = build(*path, arm._config.subscription_id, api_version=api_version)
    items: list[JSON] = []
    request: HttpRequest | None = first
    while request is not None:
        # the client's pipeline (credential, retry policy, write gate, wire log)
        response = arm._send_request(request)
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map=error_map)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        page = response.json()
        items.extend(page.get("value") or ())
        next_link = page.get("nextLink")
        request = None
        if next_link:
            # as the generated pager: the link's path and query, our api-version
            parsed = urllib.parse.urlparse(next_link)
            params = {
                key: [urllib.parse.quote(v) for v in values]
                for key, values in urllib.parse.parse_qs(parsed.query).items()
                if key.lower() != "api-version"
            }
            params["api-version"] = [api_version]
            request = HttpRequest(
                "GET", urllib.parse.urljoin(next_link, parsed.path), params=params
            )
    return items


def _arm_error(status: int, body: Any, reason: str) -> tuple[str | None, str]:
    """(code, text) of an ARM error answer, worded as the management SDK's errors were
    (``HttpResponseError`` with ARM's error format: ``code: message``)."""
    code, message = _openai_body_error(body)  # {"error": {"code", "message"}}
    message = message or reason
    return code, f"{code}: {message}" if code else (message or f"HTTP {status}")


class ArmReader:
    """GETs of ARM list operations for one subscription, as raw JSON."""

    def __init__(
        self,
        endpoint: str,
        subscription_id: str,
        token: Callable[[], tuple[str, float]],
        https: HttpsJson,
        *,
        api_version: str = ARM_API_VERSION,
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self.subscription_id = subscription_id
        self._token_source = token
        self._https = https
        self.api_version = api_version
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None

    def _bearer(self) -> str:
        """The cached token, asked for anew near its expiry (once for all threads)."""
        with self._lock:
            if self._token is None or self._token[1] - time.time() < _TOKEN_REFRESH_S:
                self._token = self._token_source()
            return self._token[0]

    def url(self, *segments: tuple[str, str]) -> str:
        """``/subscriptions/{id}`` and then each (literal, value) pair, the value quoted as the
        SDK's serializer quotes a path parameter."""
        path = f"/subscriptions/{urllib.parse.quote(self.subscription_id, safe='')}"
        for literal, value in segments:
            path += f"/{literal}/{urllib.parse.quote(value, safe='')}"
        return self._endpoint + path

    def list(self, url: str, operation: str) -> list[JSON]:
        """Every item of an ARM list at ``url`` (without query), following ``nextLink``."""
        items: list[JSON] = []
        request: str | None = f"{url}?api-version={self.api_version}"
        while request is not None:
            headers = {
                "Authorization": f"Bearer {self._bearer()}",
                "x-ms-client-request-id": str(uuid.uuid4()),
            }
            answer = self._https.get(request, headers, operation)
            if answer.status != 200:
                raise status_error(answer, operation, _arm_error)
            page = json_object(answer, operation)
            items.extend(page.get("value") or ())
            next_link = page.get("nextLink")
            request = self._next(str(next_link)) if next_link else None
        return items

    def _next(self, next_link: str) -> str:
        """As the generated pager: the link's path and query, our api-version."""
        parsed = urllib.parse.urlparse(next_link)
        query = [
            f"{key}={urllib.parse.quote(value)}"
            for key, values in urllib.parse.parse_qs(parsed.query).items()
            if key.lower() != "api-version"
            for value in values
        ]
        query.append(f"api-version={self.api_version}")
        return urllib.parse.urljoin(next_link, parsed.path) + "?" + "&".join(query)


# --- data plane -------------------------------------------------------------------------------


class DataPlaneReader:
    """GETs of an account's v1 data-plane API (``{endpoint}/openai/v1``), answers as JSON."""

    def __init__(self, endpoint: str, key: DataPlaneKey, https: HttpsJson) -> None:
        self._base = endpoint.rstrip("/") + "/openai/v1"
        self._key = key
        self._https = https

    def close(self) -> None:
        """The connections belong to the ``HttpsJson`` shared by the command's readers."""

    def _headers(self) -> dict[str, str]:
        key = self._key() if callable(self._key) else self._key
        return {"Authorization": f"Bearer {key}"}

    def get(self, path: str, operation: str, params: Mapping[str, str | int] | None = None) -> JSON:
        url = self._base + path
        if params:
            url += "?" + urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        answer = self._https.get(url, self._headers(), operation)
        if answer.status >= 400:
            raise status_error(answer, operation, _data_plane_error)
        return json_object(answer, operation)

    def list_all(
        self, path: str, operation: str, params: Mapping[str, str | int] | None = None
    ) -> list[JSON]:
        """Every item of a cursor-paged list (as openai's ``SyncCursorPage`` follows it)."""
        return list(self._pages(path, operation, dict(params or {})))

    def _pages(self, path: str, operation: str, params: dict[str, str | int]) -> Iterator[JSON]:
        while True:
            page = self.get(path, operation, params)
            data = page.get("data") or []
            yield from data
            last = data[-1].get("id") if data and isinstance(data[-1], dict) else None
            if page.get("has_more") is False or last is None:
                return
            params = {**params, "after": str(last)}


def _data_plane_error(status: int, body: Any, reason: str) -> tuple[str | None, str]:
    code, message = _openai_body_error(body)
    return code, f"{code}: {message}" if code and message else (message or f"HTTP {status}")


__all__ = ["ARM_API_VERSION", "ArmReader", "DataPlaneReader", "arm_list", "tls_context"]
