"""Reading a spec pauses the cycle collector, and always turns it back on."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from reconciler.spec import load
from reconciler.spec.gc_pause import gc_paused

EXAMPLES = Path(__file__).resolve().parents[3] / "specs" / "examples" / "clippy"


def test_the_collector_is_off_while_the_files_are_read_and_on_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    real = load.merge_spec_files

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(load, "merge_spec_files", spy)
    assert gc.isenabled()
    load.read_spec(EXAMPLES, environ={"AZURE_SUBSCRIPTION_ID": "0" * 8})
    assert seen == [False] and gc.isenabled()


def test_an_error_inside_turns_it_back_on_and_a_disabled_one_stays_off() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
