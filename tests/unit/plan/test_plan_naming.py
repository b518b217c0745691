"""Names shared with Azure: file names carrying content hashes, locations."""

from __future__ import annotations

import pytest

from reconciler.errors import Location
from reconciler.plan.naming import (
    location_from_json,
    location_to_json,
    sha256_in_filename,
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
