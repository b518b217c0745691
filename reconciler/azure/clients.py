"""SDK clients, made once per subscription (ARM) and per account endpoint (data plane).

Retries are ours (reconciler/apply honours Retry-After and bounds the total time), so the SDKs'
own retry loops are turned off: one logical call is one request, and counting calls is honest.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

import openai
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from reconciler.azure.credentials import arm_credential, data_plane_key
from reconciler.azure.target import Target

DATA_PLANE_TIMEOUT_S = 120.0


class Clients:
    def __init__(self, target: Target, *, polling_interval: float | None = None) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._arm: dict[tuple[str, str | None], CognitiveServicesManagementClient] = {}
        self._openai: dict[tuple[str, str | None, str | None], openai.OpenAI] = {}
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
                kwargs: dict[str, Any] = {
                    "base_url": self.target.arm_endpoint,
                    "polling_interval": self._polling_interval,
                    "retry_total": 0,
                }
                if self.target.ca_file:
                    kwargs["connection_verify"] = self.target.ca_file
                client = CognitiveServicesManagementClient(
                    arm_credential(self.target, tenant_id), subscription_id, **kwargs
                )
                self._arm[key] = client
            return client

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
                http_client = None
                if self.target.ca_file:
                    context = ssl.create_default_context(cafile=self.target.ca_file)
                    http_client = openai.DefaultHttpxClient(verify=context)
                client = openai.OpenAI(
                    base_url=endpoint.rstrip("/") + "/openai/v1",
                    api_key=data_plane_key(self.target, api_key_env, where, tenant_id),
                    max_retries=0,
                    timeout=DATA_PLANE_TIMEOUT_S,
                    http_client=http_client,
                )
                self._openai[key] = client
            return client

    def close(self) -> None:
        with self._lock:
            for arm in self._arm.values():
                arm.close()
            for oa in self._openai.values():
                oa.close()
            self._arm.clear()
            self._openai.clear()
