"""Helpers of the data-plane tests: the real openai clients in both URL styles, the real ARM
client, and shortcuts to upload data and train a job by moving the emulator's clock."""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from typing import Any

import httpx2
import openai
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)
from openai.types import FileObject
from openai.types.fine_tuning import FineTuningJob

from reconciler.emulator.process import RunningEmulator

API_VERSION = "2025-04-01-preview"
SWC = "aoai-swc"  # swedencentral, subscription 1
NCUS = "aoai-ncus"  # northcentralus, subscription 1
RG = "rg-ft"
BASE = "gpt-4.1-mini-2025-04-14"


def chat_lines(count: int, *, style: str = "Arr", topic: str = "ship") -> list[str]:
    """Chat examples whose replies have a recognisable style and mention their question."""
    return [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "You are a pirate."},
                    {"role": "user", "content": f"Tell me about {topic} number {i} please"},
                    {"role": "assistant", "content": f"{style}! {topic} {i} be a fine thing."},
                ]
            }
        )
        for i in range(count)
    ]


def jsonl(lines: Sequence[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


class DataPlane:
    """Clients and helpers for one emulator."""

    def __init__(self, emulator: RunningEmulator, make_arm_client: Any) -> None:
        self.connection = emulator.connection
        self._make_arm_client = make_arm_client
        self.ssl = ssl.create_default_context(cafile=self.connection.ca_file)
        self.admin = httpx2.Client(
            base_url=self.connection.endpoint,
            verify=self.ssl,
            headers={"Authorization": f"Bearer {self.connection.management_token()}"},
            timeout=30,
        )

    def endpoint(self, account: str = SWC) -> str:
        return self.connection.account_endpoint(account).rstrip("/")

    def v1(self, account: str = SWC, *, key: str | None = None) -> openai.OpenAI:
        """The v1 client, with ``key`` as ``Authorization: Bearer`` (default: the account's key)."""
        return openai.OpenAI(
            base_url=f"{self.endpoint(account)}/openai/v1",
            api_key=key if key is not None else self.connection.api_key(account),
            http_client=openai.DefaultHttpxClient(verify=self.ssl),
            max_retries=0,
        )

    def azure(self, account: str = SWC, *, key: str | None = None) -> openai.AzureOpenAI:
        return openai.AzureOpenAI(
            azure_endpoint=self.endpoint(account),
            api_key=key if key is not None else self.connection.api_key(account),
            api_version=API_VERSION,
            http_client=openai.DefaultHttpxClient(verify=self.ssl),
            max_retries=0,
        )

    def raw(self, account: str = SWC, *, auth: bool = True) -> httpx2.Client:
        """Plain HTTPS at the account's data plane (for status codes, headers, raw bodies)."""
        headers = {"api-key": self.connection.api_key(account)} if auth else {}
        return httpx2.Client(
            base_url=self.endpoint(account), verify=self.ssl, headers=headers, timeout=30
        )

    def advance(self, seconds: float) -> float:
        response = self.admin.post("/_emulator/clock", json={"advance": seconds})
        response.raise_for_status()
        return float(response.json()["now"])

    def now(self) -> float:
        return self.advance(0)

    def upload(
        self, data: bytes, *, account: str = SWC, name: str = "train.jsonl", process: bool = True
    ) -> FileObject:
        client = self.v1(account)
        uploaded = client.files.create(file=(name, data), purpose="fine-tune")
        if process:
            self.advance(10)
            uploaded = client.files.retrieve(uploaded.id)
        return uploaded

    def train(
        self,
        *,
        account: str = SWC,
        lines: Sequence[str] | None = None,
        finish: bool = True,
        **create: Any,
    ) -> FineTuningJob:
        """Upload ``lines`` (20 pirate examples by default), start a job on BASE, and unless
        ``finish`` is false move the clock past its estimated finish."""
        training = self.upload(jsonl(lines or chat_lines(20)), account=account)
        client = self.v1(account)
        create.setdefault("model", BASE)
        job = client.fine_tuning.jobs.create(training_file=training.id, **create)
        if finish:
            job = self.finish(job.id, account=account)
        return job

    def finish(self, job_id: str, *, account: str = SWC) -> FineTuningJob:
        client = self.v1(account)
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.estimated_finish is not None:
            self.advance(max(0.0, job.estimated_finish - self.now()) + 2)
        return client.fine_tuning.jobs.retrieve(job_id)

    def arm(self) -> CognitiveServicesManagementClient:
        client: CognitiveServicesManagementClient = self._make_arm_client(self.connection)
        return client

    def deploy(
        self,
        account: str,
        name: str,
        model: str,
        *,
        sku: str = "Standard",
        capacity: int = 1,
        version: str = "1",
        source: str | None = None,
    ) -> None:
        properties = DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name=model, version=version, source=source)
        )
        poller = self.arm().deployments.begin_create_or_update(
            RG,
            account,
            name,
            Deployment(sku=Sku(name=sku, capacity=capacity), properties=properties),
        )
        poller.result()

    def undeploy(self, account: str, name: str) -> None:
        self.arm().deployments.begin_delete(RG, account, name).result()

    def arm_id(self, account: str) -> str:
        return (
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ft"
            f"/providers/Microsoft.CognitiveServices/accounts/{account}"
        )
