"""Names shared with Azure: file names carrying content hashes, model ids, locations."""

from __future__ import annotations

import pytest

from reconciler.errors import Location
from reconciler.plan.naming import (
    base_of_fine_tuned,
    location_from_json,
    location_to_json,
    sha256_in_filename,
    split_model_id,
    upload_filename,
)

SHA = "0123456789abcdef" * 4


def test_upload_filename_round_trips_the_sha() -> None:
    name = upload_filename("gozaru:train", SHA)
    assert name == f"gozaru.train.{SHA}.jsonl"
    assert sha256_in_filename(name) == SHA
    assert sha256_in_filename(name.upper().replace(".JSONL", ".jsonl")) == SHA


def test_no_sha_in_an_ordinary_name() -> None:
    assert sha256_in_filename("results.csv") is None
    assert sha256_in_filename(f"x{SHA}0.jsonl") is None  # 65 hex digits is not a sha256


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("gpt-4.1-mini-2025-04-14", ("gpt-4.1-mini", "2025-04-14")),
        ("gpt-35-turbo-0125", ("gpt-35-turbo", "0125")),
        ("o3-mini", ("o3-mini", "")),
        (
            f"gpt-4.1-2025-04-14.ft-{SHA[:32]}-clippy",
            (f"gpt-4.1-2025-04-14.ft-{SHA[:32]}-clippy", "1"),
        ),
        ("ftchkpt-abc", ("ftchkpt-abc", "1")),
    ],
)
def test_split_model_id(model_id: str, expected: tuple[str, str]) -> None:
    assert split_model_id(model_id) == expected


def test_split_model_id_prefers_the_catalog() -> None:
    assert split_model_id("weird-2024", {"weird-2024": ("weird", "2024")}) == ("weird", "2024")
    assert split_model_id("model-x-1234", {"model-x-1234": ("model", "x-1234")}) == (
        "model",
        "x-1234",
    )


def test_base_of_fine_tuned() -> None:
    assert base_of_fine_tuned(f"gpt-4o-2024-08-06.ft-{SHA[:32]}") == "gpt-4o-2024-08-06"
    assert base_of_fine_tuned("ftchkpt-1") is None


@pytest.mark.parametrize(
    "location",
    [
        Location("a/b.yaml", 3, 7),
        Location("a/b.yaml", 3),
        Location("a/b.yaml"),
        Location("C:/x.yaml", 1, 2),
    ],
)
def test_locations_round_trip(location: Location) -> None:
    assert location_from_json(location_to_json(location)) == location


def test_location_from_json_rejects_non_strings() -> None:
    assert location_from_json(None) is None
    with pytest.raises(ValueError):
        location_from_json(12)
