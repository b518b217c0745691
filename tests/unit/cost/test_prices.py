"""The price table: the packaged data (every entry dated and sourced, unknown written as
unknown), the most specific entry winning, overrides by key, and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cost.prices import (
    PACKAGED,
    PriceKind,
    PriceTable,
    load_prices,
    packaged_prices,
    parse_prices,
    prices_with_override,
)
from reconciler.errors import SpecError
from reconciler.spec.yaml_loader import parse_yaml


def parse(text: str) -> PriceTable:
    return parse_prices(parse_yaml(text, "p.yaml"), "p.yaml")


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse(text)
    return [str(d) for d in caught.value.diagnostics]


def test_packaged_prices_are_dated_sourced_and_unknown_where_unpublished() -> None:
    table = packaged_prices()
    assert table.currency == "USD" and table.hours_per_month == 730
    assert table.as_of == "2026-02-11"
    for entry in table.entries:
        assert entry.as_of and entry.source
        assert (entry.amount is None) == (entry.source == "unknown")
    # the numbers fine-tuning-cost-management.md states
    gpt41 = table.find(PriceKind.TRAINING, "globalstandard", "gpt-4.1-2025-04-14")
    assert gpt41 is not None and gpt41.amount == 2.0
    rft = table.find(PriceKind.REINFORCEMENT, "*", "o4-mini-2025-04-16")
    assert rft is not None and (rft.amount, rft.billing_cap) == (100.0, 5000.0)
    for sku in ("Standard", "GlobalStandard"):
        hosting = table.find(PriceKind.HOSTING, sku, "gpt-4.1-mini-2025-04-14")
        assert hosting is not None and hosting.amount == 1.70
    # not published: unknown, never 0
    mini = table.find(PriceKind.TRAINING, "standard", "gpt-4.1-mini-2025-04-14")
    assert mini is not None and mini.amount is None
    ptu = table.find(PriceKind.PROVISIONED, "ProvisionedManaged", None)
    assert ptu is not None and ptu.amount is None


def test_the_most_specific_entry_wins_and_names_do_not_swallow_longer_ones() -> None:
    table = parse(
        "training:\n"
        "  - {model: '*', training_type: '*', per_million_tokens: 9, as_of: 2026-01-01,"
        " source: a}\n"
        "  - {model: gpt-4.1, training_type: '*', per_million_tokens: 3, as_of: 2026-01-01,"
        " source: b}\n"
        "  - {model: gpt-4.1, training_type: developer, per_million_tokens: 1, as_of: 2026-01-01,"
        " source: c}\n"
        "  - {model: gpt-4.1-2025-04-14, training_type: '*', per_million_tokens: 2,"
        " as_of: 2026-01-01, source: d}\n"
    )

    def amount(training_type: str, model: str | None) -> float | None:
        found = table.find(PriceKind.TRAINING, training_type, model)
        return found.amount if found else None

    assert amount("standard", "gpt-4.1-2025-04-14") == 2  # the exact id
    assert amount("developer", "gpt-4.1-2025-05-01") == 1  # the name, exact type
    assert amount("standard", "gpt-4.1-2025-05-01") == 3  # the name, any type
    assert amount("standard", "gpt-4.1-mini-2025-04-14") == 9  # not gpt-4.1's
    assert amount("standard", None) == 9


def test_an_override_replaces_entries_by_key_and_keeps_the_rest(tmp_path: Path) -> None:
    override = tmp_path / "prices.yaml"
    override.write_text(
        "hosting:\n"
        "  - {sku: standard, model: '*', per_hour: 3.0, as_of: 2026-11-01, source: ours}\n",
        encoding="utf-8",
    )
    table = prices_with_override(override, tmp_path)
    hosting = table.find(PriceKind.HOSTING, "Standard", None)
    assert hosting is not None and hosting.amount == 3.0  # sku names compare without case
    other = table.find(PriceKind.HOSTING, "GlobalStandard", None)
    assert other is not None and other.amount == 1.70
    assert len(table.entries) == len(packaged_prices().entries)
    assert prices_with_override(None, tmp_path) is packaged_prices()


def test_problems_are_reported_each_at_its_place() -> None:
    found = errors(
        "format_version: 2\n"
        "currency: EUR\n"
        "as_of: yesterday\n"
        "hours_per_month: 0\n"
        "provisioned:\n"
        "  - {sku: ProvisionedManaged, model: '*', per_ptu_hour: null, as_of: 2026-01-01,"
        " source: docs}\n"
        "  - {sku: GlobalProvisionedManaged, model: '*', per_ptu_hour: 1, as_of: 2026-01-01,"
        " source: unknown}\n"
        "  - {sku: DataZoneProvisionedManaged, model: '*', per_ptu_hour: true, as_of: '2026-02-30',"
        " source: ''}\n"
        "  - {sku: X, per_ptu_hour: 1}\n"
        "hosting: {}\n"
        "spare: 1\n"
    )
    assert found == [
        "p.yaml:1:17: error: prices: format_version: '2' is not supported (expected 1)",
        "p.yaml:2:11: error: prices: currency: only USD prices are supported, not 'EUR'",
        "p.yaml:3:8: error: prices: as_of: must be a date YYYY-MM-DD, not 'yesterday'",
        "p.yaml:4:18: error: prices: hours_per_month: must be more than 0 and at most 744 "
        "(31 x 24)",
        "p.yaml:6:90: error: prices: provisioned[0].source: a null per_ptu_hour is written "
        "with source: unknown",
        "p.yaml:7:93: error: prices: provisioned[1].source: a price needs its source (where it "
        "was published), not 'unknown'",
        "p.yaml:8:65: error: prices: provisioned[2].per_ptu_hour: must be a number >= 0 or "
        "null (unknown), not 'True'",
        "p.yaml:8:78: error: prices: provisioned[2].as_of: must be a date YYYY-MM-DD, not "
        "'2026-02-30'",
        "p.yaml:8:100: error: prices: provisioned[2].source: must be a non-empty string",
        "p.yaml:9:5: error: prices: provisioned[3]: missing 'model', 'as_of', 'source'",
        "p.yaml:10:1: error: prices: hosting: must be a list of entries",
        "p.yaml:11:1: error: prices: unknown key 'spare' in (top level) (allowed: "
        "format_version, currency, as_of, hours_per_month, training, reinforcement, hosting, "
        "provisioned)",
    ]


def test_two_entries_for_the_same_thing_are_refused() -> None:
    found = errors(
        "hosting:\n"
        "  - {sku: Standard, model: '*', per_hour: 1, as_of: 2026-01-01, source: a}\n"
        "  - {sku: standard, model: '*', per_hour: 2, as_of: 2026-01-01, source: b}\n"
    )
    assert found == [
        "p.yaml:3:5: error: prices: hosting[1]: prices the same as the entry at p.yaml:2:5"
    ]


def test_the_file_is_read_only_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    outside = tmp_path / "prices.yaml"
    outside.write_text("hosting: []\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_prices(outside, root)
    assert "resolves outside the project root" in str(caught.value)
    link = root / "prices.yaml"
    link.symlink_to(outside)
    with pytest.raises(SpecError) as caught:
        load_prices(link, root)
    assert "resolves outside the project root" in str(caught.value)


def test_the_packaged_file_is_package_data() -> None:
    assert PACKAGED.name == "prices.yaml" and PACKAGED.is_file()
