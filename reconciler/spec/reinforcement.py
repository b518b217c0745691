"""Rules of a reinforcement job that span its fields (SPEC.md §5.4), checked on the entry as
written so each can name its place.

From the reinforcement fine-tuning how-to (MicrosoftDocs/azure-ai-docs
``articles/ai-foundry/openai/how-to/reinforcement-fine-tuning.md``): "A grader must be defined",
and "Both a training and a validation dataset must be provided". A grader on a job of another
method would be dropped from the request without a word, so it is an error too.
"""

from __future__ import annotations

from reconciler.errors import Diagnostic
from reconciler.spec.files import Entry

REINFORCEMENT = "reinforcement"


def reinforcement_problems(entry: Entry) -> list[Diagnostic]:
    data = entry.data
    if entry.section != "jobs" or not isinstance(data, dict):
        return []
    method = data.get("method", "supervised")
    if not isinstance(method, str):
        return []
    name = f"jobs.{entry.name}"
    out: list[Diagnostic] = []
    if method == REINFORCEMENT:
        if data.get("grader") is None:
            out.append(
                Diagnostic.error(
                    f"{name}: method reinforcement needs a grader (grader: {{type: string_check "
                    "| text_similarity | score_model | label_model | python | multi, …}) to "
                    "score the model's answers",
                    entry.locate((*entry.path, "method")),
                )
            )
        training_type = data.get("training_type", "standard")
        if training_type != "standard" and isinstance(training_type, str):
            out.append(
                Diagnostic.error(
                    f"{name}.training_type: reinforcement jobs train with standard training "
                    "here: only Azure's v1 surface takes method reinforcement, and its published "
                    "CreateFineTuningJobRequest has no trainingType",
                    entry.locate((*entry.path, "training_type")),
                )
            )
        if data.get("validation_data") is None:
            out.append(
                Diagnostic.error(
                    f"{name}: method reinforcement needs validation_data as well as "
                    "training_data (the service evaluates the grader on it during training)",
                    entry.locate((*entry.path, "method")),
                )
            )
    elif "grader" in data:
        out.append(
            Diagnostic.error(
                f"{name}.grader applies only to method reinforcement (this job's method is "
                f"{method})",
                entry.locate_key((*entry.path, "grader")),
            )
        )
    return out
