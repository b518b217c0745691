"""The seed: which subscriptions, resource groups and accounts the emulator holds, the Entra
tenant of each (one per subscription), and quotas.

Read from YAML with the place of every problem (``path:line:col``); kept in the store so a
restart with the same data dir needs no seed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.emulator.state import DEFAULT_TENANT, SeedAccount
from reconciler.emulator.store import Store
from reconciler.errors import Diagnostic, Location, SpecError, relpath

_KIND = "emulator"
_KEY = "seed"
_ACCOUNT_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")
_RESOURCE_GROUP = re.compile(r"^[-\w._()]{1,90}$")
_ACCOUNT_FIELDS = {
    "subscription_id",
    "resource_group",
    "name",
    "location",
    "kind",
    "tenant_id",
    "public_network_access",
    "rai_policies",
}
_OPTIONAL_ACCOUNT_FIELDS = {"kind", "tenant_id", "public_network_access", "rai_policies"}
# ARM's PublicNetworkAccess values (Microsoft.CognitiveServices AccountProperties)
_PUBLIC_NETWORK_ACCESS = ("Enabled", "Disabled")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_QUOTA_FIELDS = {"subscription_id", "location", "name", "limit"}


class SeedError(SpecError):
    """The seed file is unreadable or wrong; carries every problem found, located."""


@dataclass(frozen=True)
class SeedQuota:
    subscription_id: str
    location: str
    name: str  # the ARM usage name
    limit: int


@dataclass
class Seed:
    accounts: list[SeedAccount] = field(default_factory=list)
    quotas: list[SeedQuota] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "accounts": [asdict(a) for a in self.accounts],
            "quotas": [asdict(q) for q in self.quotas],
        }

    @staticmethod
    def from_json(doc: dict[str, Any]) -> Seed:
        return Seed(
            accounts=[
                SeedAccount(**{**a, "rai_policies": tuple(a.get("rai_policies") or ())})
                for a in doc.get("accounts", [])
            ],
            quotas=[SeedQuota(**q) for q in doc.get("quotas", [])],
        )

    def quota_table(self) -> dict[tuple[str, str, str], int]:
        return {(q.subscription_id, q.location, q.name): q.limit for q in self.quotas}


def normalize_location(location: str) -> str:
    """ARM location names are lower case without spaces ("Sweden Central" -> "swedencentral")."""
    return location.replace(" ", "").lower()


def save_seed(store: Store, seed: Seed) -> None:
    store.put(_KIND, _KEY, seed.to_json())


def stored_seed(store: Store) -> Seed | None:
    doc = store.get(_KIND, _KEY)
    return Seed.from_json(doc) if doc is not None else None


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown = relpath(path)
        self.problems: list[Diagnostic] = []

    def where(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.shown, mark.line + 1, mark.column + 1)

    def error(self, message: str, node: yaml.Node | None) -> None:
        location = self.where(node) if node is not None else Location(self.shown)
        self.problems.append(Diagnostic.error(message, location))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(f"{what} must be a mapping", node)
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str):
                self.error(f"{what}: keys must be strings", key)
                continue
            if name in out:
                self.error(f"{what}: {name} is given twice", key)
                continue
            out[name] = (key, value)
        return out

    def string(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            # Plain scalars like 0000-… resolve to str; numbers, bools and nulls do not.
            if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"'):
                return str(node.value)
            self.error(f"{what} must be a string", node)
            return None
        value = str(node.value).strip()
        if not value:
            self.error(f"{what} must not be empty", node)
            return None
        return value

    def integer(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
            value = int(str(node.value).replace("_", ""), 0)
            if value < 0:
                self.error(f"{what} must not be negative", node)
                return None
            return value
        self.error(f"{what} must be an integer", node)
        return None

    def fields(
        self, item: yaml.Node, what: str, allowed: set[str], required: set[str]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        entries = self.mapping(item, what)
        if entries is None:
            return None
        for name, (key, _) in entries.items():
            if name not in allowed:
                self.error(
                    f"{what}: unknown field {name} (fields: {', '.join(sorted(allowed))})", key
                )
        for name in sorted(required - entries.keys()):
            self.error(f"{what}: {name} is required", item)
        return entries


def load_seed(path: Path) -> Seed:
    """Read a seed YAML file; raises SeedError listing every problem with its place."""
    reader = _Reader(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(
            [Diagnostic.error(f"cannot read the seed: {exc}", Location(reader.shown))]
        ) from exc
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = (
            Location(reader.shown, mark.line + 1, mark.column + 1)
            if mark
            else Location(reader.shown)
        )
        problem = getattr(exc, "problem", None) or str(exc)
        raise SeedError([Diagnostic.error(f"not valid YAML: {problem}", location)]) from exc
    seed = Seed()
    if root is None:
        raise SeedError(
            [Diagnostic.error("the seed is empty: it must list accounts", Location(reader.shown))]
        )
    top = reader.fields(root, "seed", {"accounts", "quotas"}, {"accounts"})
    if top is not None:
        if "accounts" in top:
            seed.accounts = _accounts(reader, top["accounts"][1])
        if "quotas" in top:
            seed.quotas = _quotas(reader, top["quotas"][1])
    if reader.problems:
        raise SeedError(reader.problems)
    return seed


def _items(reader: _Reader, node: yaml.Node, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        reader.error(f"{what} must be a list", node)
        return []
    return list(node.value)


def _accounts(reader: _Reader, node: yaml.Node) -> list[SeedAccount]:
    accounts: list[SeedAccount] = []
    seen: dict[str, Location] = {}
    items = _items(reader, node, "accounts")
    if not items and isinstance(node, yaml.SequenceNode):
        reader.error("accounts must list at least one account", node)
    # subscription id (lower case) -> (its tenant, where that was first said)
    tenants: dict[str, tuple[str, Location]] = {}
    for index, item in enumerate(items):
        what = f"accounts[{index}]"
        entries = reader.fields(
            item, what, _ACCOUNT_FIELDS, _ACCOUNT_FIELDS - _OPTIONAL_ACCOUNT_FIELDS
        )
        if entries is None:
            continue
        policies = _rai_policies(reader, entries.pop("rai_policies", None), what)
        values: dict[str, str | None] = {
            name: reader.string(value, f"{what}.{name}") for name, (_, value) in entries.items()
        }
        name_node = entries.get("name", (None, None))[1]
        name = values.get("name")
        if name is not None and name_node is not None:
            if not _ACCOUNT_NAME.match(name):
                reader.error(
                    f"{what}.name: {name!r} is not a valid account name "
                    "(2-64 of letters, digits, '_', '.', '-', starting with a letter or digit)",
                    name_node,
                )
            elif name.lower() in seen:
                reader.error(
                    f"{what}.name: account {name} is listed twice (first at {seen[name.lower()]})",
                    name_node,
                )
            else:
                seen[name.lower()] = reader.where(name_node)
        group = values.get("resource_group")
        if group is not None and not _RESOURCE_GROUP.match(group):
            reader.error(
                f"{what}.resource_group: {group!r} is not a valid resource group name",
                entries["resource_group"][1],
            )
        access = values.get("public_network_access") or "Enabled"
        if access not in _PUBLIC_NETWORK_ACCESS:
            reader.error(
                f"{what}.public_network_access: {access!r} is not one of "
                f"{', '.join(_PUBLIC_NETWORK_ACCESS)}",
                entries["public_network_access"][1],
            )
        tenant = _tenant(reader, entries, values, what, tenants)
        if tenant is None:
            continue
        if all(values.get(f) for f in ("subscription_id", "resource_group", "name", "location")):
            kind = values.get("kind") or "OpenAI"
            accounts.append(
                SeedAccount(
                    subscription_id=str(values["subscription_id"]),
                    resource_group=str(values["resource_group"]),
                    name=str(values["name"]),
                    location=normalize_location(str(values["location"])),
                    kind=kind,
                    tenant_id=tenant,
                    public_network_access=access,
                    rai_policies=policies,
                )
            )
    return accounts


def _rai_policies(
    reader: _Reader, entry: tuple[yaml.Node, yaml.Node] | None, what: str
) -> tuple[str, ...]:
    """An account's custom content filter names (`rai_policies: [name, …]`)."""
    if entry is None:
        return ()
    node = entry[1]
    if not isinstance(node, yaml.SequenceNode):
        reader.error(f"{what}.rai_policies must be a list of content filter names", node)
        return ()
    found: list[str] = []
    for index, item in enumerate(node.value):
        name = reader.string(item, f"{what}.rai_policies[{index}]")
        if name:
            found.append(name)
    return tuple(dict.fromkeys(found))


def _tenant(
    reader: _Reader,
    entries: dict[str, tuple[yaml.Node, yaml.Node]],
    values: dict[str, str | None],
    what: str,
    seen: dict[str, tuple[str, Location]],
) -> str | None:
    """The account's tenant (lower case; the default tenant when not given), or None after
    reporting why it cannot be: not a GUID, or its subscription already in another tenant."""
    node = entries["tenant_id"][1] if "tenant_id" in entries else None
    if node is not None and values.get("tenant_id") is None:
        return None  # not a string: reported already
    tenant = (values.get("tenant_id") or DEFAULT_TENANT).lower()
    if node is not None and not _GUID.match(tenant):
        reader.error(f"{what}.tenant_id: {tenant!r} is not a tenant id (a GUID)", node)
        return None
    subscription = values.get("subscription_id")
    if subscription is None:
        return tenant
    place = reader.where(node) if node is not None else reader.where(entries["subscription_id"][1])
    first = seen.setdefault(subscription.lower(), (tenant, place))
    if first[0] != tenant:
        reader.error(
            f"{what}: subscription {subscription} is in tenant {first[0]} (at {first[1]}); "
            f"a subscription belongs to one tenant, so this account cannot be in {tenant}",
            entries["tenant_id"][0] if node is not None else entries["subscription_id"][1],
        )
        return None
    return tenant


def _quotas(reader: _Reader, node: yaml.Node) -> list[SeedQuota]:
    quotas: list[SeedQuota] = []
    seen: set[tuple[str, str, str]] = set()
    for index, item in enumerate(_items(reader, node, "quotas")):
        what = f"quotas[{index}]"
        entries = reader.fields(item, what, _QUOTA_FIELDS, _QUOTA_FIELDS)
        if entries is None:
            continue
        strings = {
            name: reader.string(entries[name][1], f"{what}.{name}")
            for name in ("subscription_id", "location", "name")
            if name in entries
        }
        limit = reader.integer(entries["limit"][1], f"{what}.limit") if "limit" in entries else None
        sub, loc, usage = (
            strings.get("subscription_id"),
            strings.get("location"),
            strings.get("name"),
        )
        if sub and loc and usage and limit is not None:
            key = (sub, normalize_location(loc), usage)
            if key in seen:
                reader.error(f"{what}: quota {usage} in {loc} for {sub} is given twice", item)
                continue
            seen.add(key)
            quotas.append(SeedQuota(sub, normalize_location(loc), usage, limit))
    return quotas
