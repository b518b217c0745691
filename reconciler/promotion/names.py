"""The metrics a fine-tuning job reports, as Azure names them, and which a job can report.

Supervised (and DPO, whose how-to names no metrics of its own) jobs: the checkpoint metrics and
results.csv columns of "Analyze your custom model" (MicrosoftDocs/azure-ai-docs,
articles/ai-foundry/openai/how-to/fine-tuning.md): train_loss, train_mean_token_accuracy,
valid_loss, valid_mean_token_accuracy, full_valid_loss, full_valid_mean_token_accuracy;
results.csv spells the validation accuracy `validation_mean_token_accuracy`, the checkpoint
metrics `valid_mean_token_accuracy`: one metric under two names. Reinforcement jobs: the
reward and reasoning-token metrics of the RFT how-to (reinforcement-fine-tuning.md, "Training
metrics"): train_reward_mean, valid_reward_mean, train_reasoning_tokens_mean,
valid_reasoning_tokens_mean. A valid_* or full_valid_* metric needs a validation file.
"""

from __future__ import annotations

LOSS_METRICS = (
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "valid_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)
REWARD_METRICS = (
    "train_reward_mean",
    "valid_reward_mean",
    "train_reasoning_tokens_mean",
    "valid_reasoning_tokens_mean",
)
#: results.csv's name -> the checkpoint metrics' name of the same metric
RESULTS_ALIASES = {"validation_mean_token_accuracy": "valid_mean_token_accuracy"}
#: every name a gate may bound, in the order the JSON Schema lists them
GATE_METRICS = (*LOSS_METRICS, *RESULTS_ALIASES, *REWARD_METRICS)


def canonical(name: str) -> str:
    """The checkpoint metrics' name of a metric (results.csv's alias folded)."""
    return RESULTS_ALIASES.get(name, name)


def needs_validation(name: str) -> bool:
    return canonical(name).startswith(("valid_", "full_valid_"))


def unreported_by_spec(name: str, method: str, has_validation: bool) -> str | None:
    """Why a job of this method (with or without validation data) cannot report ``name``;
    None when it can."""
    if name in REWARD_METRICS and method != "reinforcement":
        return f"only reinforcement jobs report {name} (this job's method is {method})"
    if needs_validation(name) and not has_validation:
        return f"{name} is computed on the validation data, and this job has no validation_data"
    return None
