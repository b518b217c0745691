"""The price table a plan's cost is counted with: package data (``prices.yaml``), each entry
with its date and source, overridable entry by entry with ``--prices FILE``.

A price nobody could find published is ``None`` (written ``null`` with ``source: unknown``): the
plan says that item's price is unknown rather than counting it as 0. The file is read as a spec
is (inside the project root only, never through a symlink out of it), and every problem is
reported at its ``path:line:col``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from pathlib import Path

from reconciler.errors import Diagnostic, Location, SpecError
from reconciler.model_ids import split_model_id
from reconciler.quoting import quote
from reconciler.spec.places import KeyPath, dotted
from reconciler.spec.yaml_loader import YamlDocument, read_yaml_file

PACKAGED = Path(__file__).with_name("prices.yaml")
CURRENCY = "USD"
UNKNOWN_SOURCE = "unknown"
ANY = "*"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PriceKind(StrEnum):
    TRAINING = "training"  # per 1M billed training tokens (supervised, dpo)
    REINFORCEMENT = "reinforcement"  # per hour of training
    HOSTING = "hosting"  # a fine-tuned model's deployment, per hour
    PROVISIONED = "provisioned"  # per PTU and hour


#: per section: the key naming the qualifier (None: none), the amount's key, optional keys
_SECTIONS: Mapping[PriceKind, tuple[str | None, str, tuple[str, ...]]] = {
    PriceKind.TRAINING: ("training_type", "per_million_tokens", ()),
    PriceKind.REINFORCEMENT: (None, "per_hour", ("billing_cap",)),
    PriceKind.HOSTING: ("sku", "per_hour", ()),
    PriceKind.PROVISIONED: ("sku", "per_ptu_hour", ()),
}
_TOP_KEYS = ("format_version", "currency", "as_of", "hours_per_month", *map(str, PriceKind))


@dataclass(frozen=True)
class Price:
    """One entry: what it prices (kind, model, training type or sku), the amount (None:
    unknown), the date it was read and where."""

    kind: PriceKind
    model: str  # a base model id, its name, or "*"
    qualifier: str  # training type or sku name, or "*"
    amount: float | None
    as_of: str
    source: str
    billing_cap: float | None = None  # reinforcement: per job, training pauses there
    location: Location | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[PriceKind, str, str]:
        return (self.kind, self.model, self.qualifier.lower())

    @property
    def known(self) -> bool:
        return self.amount is not None


@dataclass(frozen=True)
class PriceTable:
    currency: str
    as_of: str
    hours_per_month: float
    entries: tuple[Price, ...]
    origin: str = "packaged"  # or the --prices file as given

    def find(self, kind: PriceKind, qualifier: str, base_model: str | None) -> Price | None:
        """The most specific entry for ``base_model`` (None: not known, "*" entries only):
        exact id, then the model's name, then "*"; an exact qualifier before "*"."""
        names = {ANY: 1}
        if base_model:
            names[split_model_id(base_model)[0]] = 2
            names[base_model] = 3
        best: tuple[int, int] | None = None
        found: Price | None = None
        for entry in self.entries:
            if entry.kind != kind or entry.model not in names:
                continue
            if entry.qualifier.lower() not in (qualifier.lower(), ANY):
                continue
            rank = (names[entry.model], 0 if entry.qualifier == ANY else 1)
            if best is None or rank > best:
                best, found = rank, entry
        return found

    def overridden_by(self, other: PriceTable) -> PriceTable:
        """This table with ``other``'s entries in place of those with the same key."""
        keys = {e.key for e in other.entries}
        kept = tuple(e for e in self.entries if e.key not in keys)
        return replace(
            other,
            as_of=other.as_of or self.as_of,
            hours_per_month=other.hours_per_month or self.hours_per_month,
            entries=kept + other.entries,
        )


class _Reader:
    """The document's values, each problem collected at its place."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Diagnostic] = []

    def where(self, path: KeyPath) -> Location:
        place = self.doc.places.get(path)
        return place.preferred if place is not None else Location(self.doc.display)

    def fail(self, path: KeyPath, message: str) -> None:
        self.problems.append(
            Diagnostic.error(f"prices: {dotted(path)}: {message}", self.where(path))
        )

    def unknown_keys(self, data: Mapping[str, object], allowed: Iterable[str], at: KeyPath) -> None:
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                self.problems.append(
                    Diagnostic.error(
                        f"prices: unknown key {quote(key)} in {dotted(at)} "
                        f"(allowed: {', '.join(allowed)})",
                        self.doc.places[(*at, key)].key_or_value,
                    )
                )

    def date(self, value: object, path: KeyPath) -> str | None:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, str) and _DATE.match(value):
            try:
                return datetime.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.fail(path, f"must be a date YYYY-MM-DD, not {quote(str(value))}")
        return None

    def text(self, value: object, path: KeyPath) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.fail(path, "must be a non-empty string")
        return None

    def amount(self, value: object, path: KeyPath, *, nullable: bool) -> float | None:
        if value is None and nullable:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        what = "a number >= 0" + (" or null (unknown)" if nullable else "")
        self.fail(path, f"must be {what}, not {quote(str(value))}")
        return None


def parse_prices(doc: YamlDocument, origin: str) -> PriceTable:
    """The table a parsed file holds; SpecError with every located problem."""
    r = _Reader(doc)
    data = doc.data
    if not isinstance(data, dict):
        r.fail((), "the file must be a mapping (format_version, currency, training, …)")
        raise SpecError(r.problems)
    r.unknown_keys(data, _TOP_KEYS, ())
    version = data.get("format_version", 1)
    if version != 1:
        r.fail(("format_version",), f"{quote(str(version))} is not supported (expected 1)")
    currency = data.get("currency", CURRENCY)
    if currency != CURRENCY:
        r.fail(("currency",), f"only {CURRENCY} prices are supported, not {quote(str(currency))}")
    as_of = r.date(data["as_of"], ("as_of",)) if "as_of" in data else None
    hours = 0.0
    if "hours_per_month" in data:
        hours = r.amount(data["hours_per_month"], ("hours_per_month",), nullable=False) or 0.0
        if not 0 < hours <= 744:
            r.fail(("hours_per_month",), "must be more than 0 and at most 744 (31 x 24)")
    entries: list[Price] = []
    seen: dict[tuple[PriceKind, str, str], Location] = {}
    for kind in PriceKind:
        section = data.get(str(kind))
        if section is None:
            continue
        if not isinstance(section, list):
            r.fail((str(kind),), "must be a list of entries")
            continue
        for index, item in enumerate(section):
            entry = _entry(r, kind, item, (str(kind), index))
            if entry is None:
                continue
            first = seen.get(entry.key)
            if first is not None:
                r.fail((str(kind), index), f"prices the same as the entry at {first}")
                continue
            seen[entry.key] = r.where((str(kind), index))
            entries.append(entry)
    if r.problems:
        raise SpecError(sorted(r.problems, key=lambda d: d.location or Location("")))
    return PriceTable(CURRENCY, as_of or "", hours, tuple(entries), origin)


def _entry(r: _Reader, kind: PriceKind, item: object, at: KeyPath) -> Price | None:
    if not isinstance(item, dict):
        r.fail(at, "must be a mapping")
        return None
    qualifier_key, amount_key, optional = _SECTIONS[kind]
    required = ["model", amount_key, "as_of", "source"]
    if qualifier_key is not None:
        required.insert(1, qualifier_key)
    r.unknown_keys(item, (*required, *optional), at)
    missing = [k for k in required if k not in item]
    if missing:
        r.fail(at, f"missing {', '.join(quote(k) for k in missing)}")
        return None
    before = len(r.problems)
    model = r.text(item["model"], (*at, "model"))
    qualifier = r.text(item[qualifier_key], (*at, qualifier_key)) if qualifier_key else ANY
    amount = r.amount(item[amount_key], (*at, amount_key), nullable=True)
    as_of = r.date(item["as_of"], (*at, "as_of"))
    source = r.text(item["source"], (*at, "source"))
    cap = None
    if "billing_cap" in item:
        cap = r.amount(item["billing_cap"], (*at, "billing_cap"), nullable=True)
    if len(r.problems) > before or model is None or qualifier is None or as_of is None:
        return None
    assert source is not None
    unknown = source.lower() == UNKNOWN_SOURCE
    if amount is None and not unknown:
        r.fail((*at, "source"), f"a null {amount_key} is written with source: {UNKNOWN_SOURCE}")
        return None
    if amount is not None and unknown:
        r.fail((*at, "source"), "a price needs its source (where it was published), not 'unknown'")
        return None
    return Price(kind, model, qualifier, amount, as_of, source, cap, r.where(at))


def load_prices(path: Path, root: Path) -> PriceTable:
    """A prices file inside ``root`` (the project root); SpecError with located problems."""
    doc = read_yaml_file(path, root)
    if not doc.ok:
        raise SpecError(doc.diagnostics)
    return parse_prices(doc, doc.display)


@cache
def packaged_prices() -> PriceTable:
    """The prices shipped with the package (``reconciler/cost/prices.yaml``)."""
    table = load_prices(PACKAGED, PACKAGED.parent)
    return replace(table, origin="packaged")


def prices_with_override(path: Path | None, root: Path) -> PriceTable:
    """The packaged prices, with the entries of ``--prices FILE`` in place of theirs."""
    base = packaged_prices()
    return base if path is None else base.overridden_by(load_prices(path, root))
