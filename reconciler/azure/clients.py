"""SDK clients, made once per subscription (ARM) and per account endpoint (data plane).

Retries are ours (reconciler/apply honours Retry-After and bounds the total time), so the SDKs'
own retry loops are turned off: one logical call is one request, and counting calls is honest.
"""

from __future__ import annotations

import ssl
import threading
from typing import TYPE_CHECKING, Any

from reconciler.azure.credentials import arm_credential, bearer, data_plane_key
from reconciler.azure.https_json import HttpsJson, arm_tls_context, tls_context
from reconciler.azure.raw_read import ArmReader, DataPlaneReader
from reconciler.azure.target import ARM_SCOPE, Target

# The SDKs (and their HTTP stacks, the wire log's and write gate's hooks into them) are imported
# by the first client made of them: openai alone costs half a second, azure-core with requests
# a fifth, which a command that only reads never needs (reads go through raw_read).
if TYPE_CHECKING:
    import openai
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
    from azure.mgmt.monitor import MonitorManagementClient

    from reconciler.azure.wire_log import WireLog

DATA_PLANE_TIMEOUT_S = 120.0
# ARM connections kept per host: every account's lists go to one host at once (urllib3 would
# otherwise keep 10 and log a warning for each connection beyond them)
ARM_POOL_CONNECTIONS = 64


class Clients:
    def __init__(
        self,
        target: Target,
        *,
        polling_interval: float | None = None,
        wire_log: WireLog | None = None,
    ) -> None:
        self.target = target
        self.wire_log = wire_log
        self._lock = threading.Lock()
        self._arm: dict[tuple[str, str | None], CognitiveServicesManagementClient] = {}
        self._monitor: dict[tuple[str, str | None], MonitorManagementClient] = {}
        self._openai: dict[tuple[str, str | None, str | None], openai.OpenAI] = {}
        self._versioned: dict[tuple[str, str, str | None, str | None], openai.AzureOpenAI] = {}
        self._readers: dict[tuple[str, str | None, str | None], DataPlaneReader] = {}
        self._arm_readers: dict[tuple[str, str | None], ArmReader] = {}
        self._data_https: HttpsJson | None = None
        self._arm_https: HttpsJson | None = None
        self._polling_interval = (
            polling_interval
            if polling_interval is not None
            else (0.2 if target.is_emulator else 5.0)
        )

    def arm(
        self, subscription_id: str, tenant_id: str | None = None
    ) -> CognitiveServicesManagementClient:
        key = (subscription_id, tenant_id)
        with self._lock:
            client = self._arm.get(key)
            if client is None:
                from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

                from reconciler.azure.wire_log import arm_policies
                from reconciler.azure.write_gate import WriteGatePolicy

                kwargs: dict[str, Any] = {
                    "transport": _arm_transport(self.target.ca_file),
                    "base_url": self.target.arm_endpoint,
                    "polling_interval": self._polling_interval,
                    "retry_total": 0,
                    # no write leaves without the stack's lock (write_gate)
                    "per_call_policies": [WriteGatePolicy()],
                    **arm_policies(self.wire_log),
                }
                if self.target.ca_file:
                    kwargs["connection_verify"] = self.target.ca_file
                client = CognitiveServicesManagementClient(
                    arm_credential(self.target, tenant_id), subscription_id, **kwargs
                )
                self._arm[key] = client
            return client

    def monitor(
        self, subscription_id: str, tenant_id: str | None = None
    ) -> MonitorManagementClient:
        """The Azure Monitor management client of a subscription (the Activity Log)."""
        key = (subscription_id, tenant_id)
        with self._lock:
            client = self._monitor.get(key)
            if client is None:
                from azure.mgmt.monitor import MonitorManagementClient

                from reconciler.azure.wire_log import arm_policies

                kwargs: dict[str, Any] = {
                    "base_url": self.target.arm_endpoint,
                    "retry_total": 0,
                    **arm_policies(self.wire_log),
                }
                if self.target.ca_file:
                    kwargs["connection_verify"] = self.target.ca_file
                client = MonitorManagementClient(
                    arm_credential(self.target, tenant_id), subscription_id, **kwargs
                )
                self._monitor[key] = client
            return client

    def _http_client(self) -> openai.DefaultHttpxClient:
        """The data plane's HTTP client: the emulator's CA, the write gate's and the wire
        log's hooks."""
        import openai

        verify: ssl.SSLContext | bool = True
        if self.target.ca_file:
            verify = ssl.create_default_context(cafile=self.target.ca_file)
        return openai.DefaultHttpxClient(verify=verify, event_hooks=self._event_hooks())

    def _event_hooks(self) -> dict[str, list[Any]]:
        from reconciler.azure.wire_log import data_plane_event_hooks
        from reconciler.azure.write_gate import data_plane_gate_hooks

        hooks = data_plane_event_hooks(self.wire_log)
        # the gate first: a refused write is not logged as sent
        hooks["request"] = [*data_plane_gate_hooks()["request"], *hooks.get("request", [])]
        return hooks

    def arm_reader(self, subscription_id: str, tenant_id: str | None = None) -> ArmReader:
        """Raw JSON reads of ARM lists in a subscription, with the token the management client
        would use, without importing azure-core or the management SDK."""
        key = (subscription_id, tenant_id)
        with self._lock:
            reader = self._arm_readers.get(key)
            if reader is None:
                if self._arm_https is None:
                    self._arm_https = HttpsJson(
                        arm_tls_context(self.target.ca_file),
                        timeout=DATA_PLANE_TIMEOUT_S,
                        plane="arm",
                        wire_log=self.wire_log,
                    )
                identity = arm_credential(self.target, tenant_id)
                reader = ArmReader(
                    self.target.arm_endpoint,
                    subscription_id,
                    lambda: bearer(identity, ARM_SCOPE, tenant_id),
                    self._arm_https,
                )
                self._arm_readers[key] = reader
            return reader

    def data_plane_reader(
        self, endpoint: str, *, api_key_env: str | None, where: str, tenant_id: str | None
    ) -> DataPlaneReader:
        """Raw JSON reads of an account's v1 data plane, with the credential that
        `data_plane` gives the openai client, without importing openai."""
        key = (endpoint, api_key_env, tenant_id)
        with self._lock:
            reader = self._readers.get(key)
            if reader is None:
                if self._data_https is None:
                    self._data_https = HttpsJson(
                        tls_context(self.target.ca_file),
                        timeout=DATA_PLANE_TIMEOUT_S,
                        plane="data",
                        wire_log=self.wire_log,
                    )
                reader = DataPlaneReader(
                    endpoint,
                    data_plane_key(self.target, api_key_env, where, tenant_id),
                    self._data_https,
                )
                self._readers[key] = reader
            return reader

    def data_plane(
        self, endpoint: str, *, api_key_env: str | None, where: str, tenant_id: str | None
    ) -> openai.OpenAI:
        """The v1-style client for an account's data-plane endpoint (as ARM reports it), with
        the key named by ``api_key_env`` or else Entra tokens of the account's tenant
        (``tenant_id``; None: the default tenant)."""
        key = (endpoint, api_key_env, tenant_id)
        with self._lock:
            client = self._openai.get(key)
            if client is None:
                import openai

                client = openai.OpenAI(
                    base_url=endpoint.rstrip("/") + "/openai/v1",
                    api_key=data_plane_key(self.target, api_key_env, where, tenant_id),
                    max_retries=0,
                    timeout=DATA_PLANE_TIMEOUT_S,
                    http_client=self._http_client(),
                )
                self._openai[key] = client
            return client

    def data_plane_versioned(
        self,
        endpoint: str,
        api_version: str,
        *,
        api_key_env: str | None,
        where: str,
        tenant_id: str | None,
    ) -> openai.AzureOpenAI:
        """The api-version-style client (``/openai/...?api-version=``), for the operations only
        that surface documents. It sends a key as ``api-key`` (that style does not take a key as
        a bearer token) and an Entra token of the account's tenant as ``Authorization: Bearer``."""
        key = (endpoint, api_version, api_key_env, tenant_id)
        with self._lock:
            client = self._versioned.get(key)
            if client is None:
                import openai

                credential = data_plane_key(self.target, api_key_env, where, tenant_id)
                auth: dict[str, Any] = (
                    {"api_key": credential}
                    if isinstance(credential, str)
                    else {"azure_ad_token_provider": credential}
                )
                client = openai.AzureOpenAI(
                    azure_endpoint=endpoint,
                    api_version=api_version,
                    max_retries=0,
                    timeout=DATA_PLANE_TIMEOUT_S,
                    http_client=self._http_client(),
                    **auth,
                )
                self._versioned[key] = client
            return client

    def close(self) -> None:
        with self._lock:
            for arm in self._arm.values():
                arm.close()
            for monitor in self._monitor.values():
                monitor.close()
            for oa in self._openai.values():
                oa.close()
            for versioned in self._versioned.values():
                versioned.close()
            for reader in self._readers.values():
                reader.close()
            for https in (self._arm_https, self._data_https):
                if https is not None:
                    https.close()
            self._arm_https = self._data_https = None
            self._readers.clear()
            self._arm_readers.clear()
            self._arm.clear()
            self._monitor.clear()
            self._openai.clear()
            self._versioned.clear()


def _arm_transport(ca_file: str | None) -> Any:
    """azure-core's requests transport with a pool as large as the accounts read at once."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from azure.core.pipeline.transport._requests_basic import (  # type: ignore[attr-defined]
        BiggerBlockSizeHTTPAdapter,
    )
    from urllib3.util.retry import Retry

    session = requests.Session()
    # as azure-core mounts its own (retries are the pipeline's), with a larger pool
    adapter = BiggerBlockSizeHTTPAdapter(
        max_retries=Retry(total=False, redirect=False, raise_on_status=False),
        pool_connections=ARM_POOL_CONNECTIONS,
        pool_maxsize=ARM_POOL_CONNECTIONS,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # the transport's own connection settings (the client's `connection_verify` configures
    # only a transport it makes itself)
    verify: dict[str, Any] = {"connection_verify": ca_file} if ca_file else {}
    return RequestsTransport(session=session, session_owner=True, **verify)
