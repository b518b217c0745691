"""A change made outside reconciler, as someone would in the portal: used by `make demo`.

    python demo/out_of_band.py scale DEPLOYMENT CAPACITY

It uses the Azure SDK and the emulator's connection.json only (RECONCILER_EMULATOR names its
data dir), exactly as docs/emulator.md shows a user: nothing of reconciler is imported.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import PatchResourceTagsAndSku, Sku

SUBSCRIPTION = os.environ.get("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000001")
ACCOUNTS = {"clippy-swc": "aoai-clippy-swc", "clippy-ncus": "aoai-clippy-ncus"}


class EmulatorCredential:
    """Stands in for DefaultAzureCredential: the emulator's management token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "scale":
        print(__doc__, file=sys.stderr)
        return 1
    deployment, capacity = argv[1], int(argv[2])
    data_dir = Path(os.environ.get("RECONCILER_EMULATOR", ".reconciler/emulator"))
    connection = json.loads((data_dir / "connection.json").read_text(encoding="utf-8"))
    token = connection["tenants"][connection["default_tenant"]]["management_token"]
    arm = CognitiveServicesManagementClient(
        EmulatorCredential(token),
        SUBSCRIPTION,
        base_url=connection["endpoint"],
        connection_verify=connection["ca"],
        polling_interval=1,
    )
    current = arm.deployments.get("rg-ft", ACCOUNTS[deployment], deployment)
    assert current.sku is not None
    patch = PatchResourceTagsAndSku(sku=Sku(name=current.sku.name, capacity=capacity))
    arm.deployments.begin_update("rg-ft", ACCOUNTS[deployment], deployment, patch).result()
    print(f"{deployment}: capacity {current.sku.capacity} -> {capacity} (outside reconciler)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
