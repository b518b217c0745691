"""A change made outside reconciler, as someone would in the portal: used by `make demo`.

    python demo/out_of_band.py scale DEPLOYMENT CAPACITY

Talks to the emulator named by RECONCILER_EMULATOR through the real Azure SDK.
"""

from __future__ import annotations

import os
import sys

from azure.mgmt.cognitiveservices.models import PatchResourceTagsAndSku, Sku

from reconciler.azure.clients import Clients
from reconciler.azure.target import resolve_target

SUBSCRIPTION = os.environ.get("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000001")
ACCOUNTS = {"clippy-swc": "aoai-clippy-swc", "clippy-ncus": "aoai-clippy-ncus"}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "scale":
        print(__doc__, file=sys.stderr)
        return 1
    deployment, capacity = argv[1], int(argv[2])
    arm = Clients(resolve_target()).arm(SUBSCRIPTION)
    current = arm.deployments.get("rg-ft", ACCOUNTS[deployment], deployment)
    assert current.sku is not None
    patch = PatchResourceTagsAndSku(sku=Sku(name=current.sku.name, capacity=capacity))
    arm.deployments.begin_update("rg-ft", ACCOUNTS[deployment], deployment, patch).result()
    print(f"{deployment}: capacity {current.sku.capacity} -> {capacity} (outside reconciler)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
