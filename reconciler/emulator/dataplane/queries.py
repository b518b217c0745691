"""Questions the management plane asks the data plane."""

from __future__ import annotations

from reconciler.emulator.dataplane.holdings import holdings
from reconciler.emulator.state import EmulatorState


def account_models(state: EmulatorState, account: str) -> dict[str, str]:
    """Fine-tuned model ids and checkpoint ids (``ftchkpt-…`` and ``<model>:ckpt-step-N``)
    ``account`` holds now, each mapped to its base model id: those of its jobs (final model once
    succeeded, the kept checkpoints as they appear), minus deleted ones, plus checkpoints copied
    into it whose copy has completed."""
    return {model: held.base for model, held in holdings(state, account).items()}
