"""Which hyperparameters each training method takes (Azure's ``method.{type}.hyperparameters``).

Checked on the entry as written, before and whatever else is wrong with it: a hyperparameter
the job's method does not take would otherwise be dropped from the request without a word.
"""

from __future__ import annotations

from reconciler.errors import Diagnostic
from reconciler.spec.files import Entry

_OPENAI = frozenset({"n_epochs", "batch_size", "learning_rate_multiplier"})
_COMMON = _OPENAI | {"prompt_loss_weight"}

METHOD_HYPERPARAMETERS: dict[str, frozenset[str]] = {
    "supervised": _COMMON,
    "dpo": _COMMON | {"beta"},
    # OpenAI's published FineTuneReinforcementHyperparameters (no prompt_loss_weight there).
    "reinforcement": _OPENAI
    | {"eval_interval", "eval_samples", "compute_multiplier", "reasoning_effort"},
}
DEFAULT_METHOD = "supervised"


def method_hyperparameter_problems(entry: Entry) -> list[Diagnostic]:
    """An error at each hyperparameter the job's method does not take (unknown names and an
    unknown method are the model's to report)."""
    data = entry.data
    if entry.section != "jobs" or not isinstance(data, dict):
        return []
    method = data.get("method", DEFAULT_METHOD)
    hyperparameters = data.get("hyperparameters")
    if not isinstance(method, str) or method not in METHOD_HYPERPARAMETERS:
        return []
    if not isinstance(hyperparameters, dict):
        return []
    taken = METHOD_HYPERPARAMETERS[method]
    out: list[Diagnostic] = []
    for key in hyperparameters:
        if not isinstance(key, str) or key in taken:
            continue
        methods = [m for m, names in METHOD_HYPERPARAMETERS.items() if key in names]
        if not methods:
            continue  # not a hyperparameter at all: the model reports it
        out.append(
            Diagnostic.error(
                f"jobs.{entry.name}.hyperparameters.{key} applies only to method "
                f"{' or '.join(methods)} (this job's method is {method})",
                entry.locate_key((*entry.path, "hyperparameters", key)),
            )
        )
    return out
