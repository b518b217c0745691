"""Content screening of training data, imitated with a documented, deterministic trigger.

Azure evaluates training data for harmful content (violence, sexual, hate and fairness,
self-harm) before training; above a severity threshold the job fails with a message naming the
harm types (wording from Azure's "Safety evaluation for fine-tuning" page):

    The provided training data failed RAI checks for harm types: [hate_fairness, self_harm,
    violence]. Please fix the data and try again.

The emulator's trigger: a training (or validation) file whose text contains one of the marker
tokens below. Each marker flags one harm type; several markers flag several:

    RECONCILER_HARMFUL_TEST_VIOLENCE       -> violence
    RECONCILER_HARMFUL_TEST_SEXUAL         -> sexual
    RECONCILER_HARMFUL_TEST_HATE_FAIRNESS  -> hate_fairness
    RECONCILER_HARMFUL_TEST_SELF_HARM      -> self_harm

The file itself still processes (Azure screens in the job, not at upload); the job that uses it
fails when its file validation ends, with error code ``invalid_training_file``.
"""

from __future__ import annotations

from collections.abc import Iterable

MARKER_PREFIX = "RECONCILER_HARMFUL_TEST_"
HARM_TYPES: dict[str, str] = {
    f"{MARKER_PREFIX}VIOLENCE": "violence",
    f"{MARKER_PREFIX}SEXUAL": "sexual",
    f"{MARKER_PREFIX}HATE_FAIRNESS": "hate_fairness",
    f"{MARKER_PREFIX}SELF_HARM": "self_harm",
}


def harm_types_in(text: str) -> set[str]:
    """The harm types whose marker occurs in ``text``."""
    if MARKER_PREFIX not in text:  # the common case, one scan
        return set()
    return {harm for marker, harm in HARM_TYPES.items() if marker in text}


def failure_message(harm_types: Iterable[str]) -> str:
    listed = ", ".join(sorted(set(harm_types)))
    return (
        f"The provided training data failed RAI checks for harm types: [{listed}]. "
        "Please fix the data and try again."
    )
