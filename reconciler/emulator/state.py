"""What every route of the emulator shares: the store, the clock, the catalog, the seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reconciler.emulator.clock import Clock
from reconciler.emulator.identities import Identities
from reconciler.emulator.store import Store

if TYPE_CHECKING:
    from reconciler.catalog import Catalog

PROVIDER = "Microsoft.CognitiveServices"
# The Entra tenant of every seeded account that names none (fixed, so that tests and docs can
# name it; a seed may use it explicitly too).
DEFAULT_TENANT = "11111111-1111-1111-1111-111111111111"


@dataclass(frozen=True)
class SeedAccount:
    subscription_id: str
    resource_group: str
    name: str
    location: str
    kind: str = "OpenAI"
    tenant_id: str = DEFAULT_TENANT
    public_network_access: str = "Enabled"  # ARM's properties.publicNetworkAccess
    # custom content filters (raiPolicies) beside Azure's Microsoft.Default and DefaultV2
    rai_policies: tuple[str, ...] = ()

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{PROVIDER}/accounts/{self.name}"
        )


# Bounds of the configuration, from the command line or the admin API (docs/emulator.md): each
# far past any test's need, and each keeping the server answering (1e308 ms of latency did not).
MAX_SPEED = 1_000_000.0
MAX_LATENCY_MS = 60_000
MAX_PROVISION_SECONDS = 86_400.0
MAX_ARM_PAGE_SIZE = 1000


@dataclass
class EmulatorConfig:
    speed: float = 1.0
    latency_ms: int = 0
    provision_seconds: float = 10.0
    # items per page of ARM lists; larger collections answer with nextLink
    arm_page_size: int = 100


@dataclass
class EmulatorState:
    store: Store
    clock: Clock
    catalog: Catalog
    config: EmulatorConfig
    accounts: dict[str, SeedAccount]  # by account name
    # (subscription_id, location, usage name) -> limit, from the seed (catalog default otherwise)
    quotas: dict[tuple[str, str, str], int] = field(default_factory=dict)
    identities: Identities = field(default_factory=lambda: Identities(DEFAULT_TENANT))
    base_url: str = ""  # "https://127.0.0.1:P"

    def account_endpoint(self, name: str) -> str:
        return f"{self.base_url}/dp/{name}/"

    def account_by_id(self, arm_id: str) -> SeedAccount | None:
        """The seeded account with this ARM id (compared case-insensitively, as ARM does)."""
        wanted = arm_id.rstrip("/").lower()
        for account in self.accounts.values():
            if account.arm_id.lower() == wanted:
                return account
        return None

    def subscription_tenant(self, subscription_id: str) -> str | None:
        """The tenant a seeded subscription belongs to (the seed gives it exactly one)."""
        wanted = subscription_id.lower()
        for account in self.accounts.values():
            if account.subscription_id.lower() == wanted:
                return account.tenant_id
        return None

    def quota_limit(self, subscription_id: str, location: str, usage_name: str) -> int:
        limit = self.quotas.get((subscription_id, location.lower(), usage_name))
        if limit is not None:
            return limit
        return int(self.catalog.default_quota.get(usage_name, 0))
