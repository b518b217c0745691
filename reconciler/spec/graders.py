"""A reinforcement fine-tuning job's grader (SPEC.md §5.4), one model per grader type.

Shapes: the ``OpenAI.Grader*`` schemas of Azure/azure-rest-api-specs
``specification/ai/data-plane/OpenAI.v1/azure-v1-v1-generated.json`` (commit 0723d852): each
type's required fields, the string-check operations and the text-similarity metrics (Azure's list
has no ``cosine``). Azure's v1 ``AzureFineTuneReinforcementMethod.grader`` names string_check,
text_similarity, score_model and multi; the reinforcement fine-tuning how-to
(MicrosoftDocs/azure-ai-docs ``articles/ai-foundry/openai/how-to/reinforcement-fine-tuning.md``)
also documents python and label_model graders "for defining via the API", and a multigrader's
``graders`` as ``dict[str, Grader]``: both are accepted here, as documented (the contract overlay
``tests/contract/schemas/openai/documented-extras.json`` says so too).

Rules from the how-to that the schema does not carry: a template is ``{{ namespace.path }}`` with
the namespace ``sample`` or ``item``; a multigrader's ``calculate_output`` uses its graders' keys,
``+ - * / ^``, parentheses, numbers and min, max, abs, floor, ceil, exp, sqrt, log; python source
is under 256 kB.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.quoting import quote

RULE_ERROR = "reconciler_rule"  # the same type as spec.models.RULE_ERROR (no import cycle)

GRADER_TYPES = ("string_check", "text_similarity", "score_model", "label_model", "python", "multi")
STRING_CHECK_OPERATIONS = ("eq", "ne", "like", "ilike")
EvaluationMetric = Literal[
    "fuzzy_match",
    "bleu",
    "gleu",
    "meteor",
    "rouge_1",
    "rouge_2",
    "rouge_3",
    "rouge_4",
    "rouge_5",
    "rouge_l",
]
TEMPLATE_NAMESPACES = ("sample", "item")
CALCULATE_FUNCTIONS = frozenset({"min", "max", "abs", "floor", "ceil", "exp", "sqrt", "log"})
#: the how-to: "the provided code must be less than 256 kB in size"
PYTHON_SOURCE_MAX_BYTES = 256 * 1024

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CALC_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/^(),]))")


def _rule(message: str, **values: Any) -> PydanticCustomError:
    return PydanticCustomError(RULE_ERROR, message, values)


def template_references(text: str) -> Iterator[tuple[str, str]]:
    """Each ``{{ namespace.path }}`` of ``text`` as (namespace, path); path may be ""."""
    for found in _TEMPLATE.finditer(text):
        inner = found.group(1).strip()
        namespace, _, path = inner.partition(".")
        yield namespace, path


def _templated(text: str) -> str:
    for namespace, path in template_references(text):
        if namespace not in TEMPLATE_NAMESPACES:
            raise _rule(
                "{template} uses the namespace {namespace}; templates read sample.* "
                "(the model's output) or item.* (fields of the data line)",
                template=quote("{{" + f"{namespace}.{path}" + "}}"),
                namespace=quote(namespace),
            )
        if namespace == "item" and item_field(path) is None:
            raise _rule(
                "{template} names no field of the data line",
                template=quote("{{item." + path + "}}"),
            )
    return text


def item_field(path: str) -> str | None:
    """The dotted field path a ``{{ item.PATH }}`` reads (``ground_truth.date``), up to the
    first part that is not a plain name (``answers[0]`` reads ``answers``); None if none."""
    parts: list[str] = []
    for part in path.strip().split("."):
        match = _PATH_PART.match(part)
        if match is None:
            break
        parts.append(match.group(0))
        if match.end() != len(part):
            break
    return ".".join(parts) or None


Templated = Annotated[str, AfterValidator(_templated)]


class GraderModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EvalMessage(GraderModel):
    """``OpenAI.EvalItem``: one message of a model grader's prompt."""

    role: Literal["user", "assistant", "system", "developer"]
    content: Templated | list[dict[str, Any]] | dict[str, Any] = Field(
        description="text (may hold templates), or content parts as the service takes them"
    )
    type: Literal["message"] | None = None


class StringCheckGrader(GraderModel):
    type: Literal["string_check"]
    name: str = Field(min_length=1)
    input: Templated = Field(description="e.g. {{sample.output_text}}")
    reference: Templated = Field(description="e.g. {{item.answer}}")
    operation: Literal["eq", "ne", "like", "ilike"]


class TextSimilarityGrader(GraderModel):
    type: Literal["text_similarity"]
    name: str = Field(min_length=1)
    input: Templated
    reference: Templated
    evaluation_metric: EvaluationMetric


class SamplingParams(GraderModel):
    seed: int | None = None
    top_p: float | None = Field(default=None, strict=False)
    temperature: float | None = Field(default=None, ge=0, strict=False)
    max_completions_tokens: int | None = Field(default=None, ge=1)
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None


class ScoreModelGrader(GraderModel):
    type: Literal["score_model"]
    name: str = Field(min_length=1)
    model: str = Field(min_length=1, description="the grading model, e.g. o3-mini-2025-01-31")
    input: list[EvalMessage] = Field(min_length=1)
    sampling_params: SamplingParams | None = None
    range: list[Annotated[float, Field(strict=False)]] | None = Field(
        default=None, description="[low, high] of the score; the service's default is [0, 1]"
    )

    @model_validator(mode="after")
    def _range(self) -> ScoreModelGrader:
        if self.range is not None and (len(self.range) != 2 or self.range[0] >= self.range[1]):
            raise _rule("range must be two numbers [low, high] with low below high")
        return self


class LabelModelGrader(GraderModel):
    type: Literal["label_model"]
    name: str = Field(min_length=1)
    model: str = Field(min_length=1)
    input: list[EvalMessage] = Field(min_length=1)
    labels: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    passing_labels: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _passing_subset(self) -> LabelModelGrader:
        unknown = [label for label in self.passing_labels if label not in self.labels]
        if unknown:
            raise _rule(
                "passing_labels must be a subset of labels; {unknown} is not one of them",
                unknown=quote(unknown[0]),
            )
        return self


def _source_size(source: str) -> str:
    if len(source.encode()) >= PYTHON_SOURCE_MAX_BYTES:
        raise _rule("must be less than 256 kB (the service's limit for python graders)")
    if not re.search(r"^def grade\s*\(", source, re.MULTILINE):
        raise _rule("must define grade(sample, item), the function the service calls")
    return source


class PythonGrader(GraderModel):
    type: Literal["python"]
    name: str = Field(min_length=1)
    source: Annotated[str, AfterValidator(_source_size)] = Field(
        description="Python defining grade(sample, item) -> float"
    )
    image_tag: str | None = None


def _grader_tag(allowed: tuple[str, ...]) -> Any:
    def tag(value: object) -> str | None:
        # a mapping when validating, a model when serializing
        kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return kind if isinstance(kind, str) and kind in allowed else None

    return tag


_SUB_TYPES = tuple(t for t in GRADER_TYPES if t != "multi")

SubGrader = Annotated[
    Annotated[StringCheckGrader, Tag("string_check")]
    | Annotated[TextSimilarityGrader, Tag("text_similarity")]
    | Annotated[ScoreModelGrader, Tag("score_model")]
    | Annotated[LabelModelGrader, Tag("label_model")]
    | Annotated[PythonGrader, Tag("python")],
    Discriminator(
        _grader_tag(_SUB_TYPES),
        custom_error_type=RULE_ERROR,
        custom_error_message="must be a grader with a type of " + ", ".join(_SUB_TYPES),
    ),
]


def calculate_output_names(expression: str) -> list[str]:
    """The names an arithmetic expression uses; raises ValueError on anything else."""
    names: list[str] = []
    position = 0
    expression = expression.rstrip()
    while position < len(expression):
        match = _CALC_TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise ValueError(expression[position:].strip()[:20])
        if match.group(2):
            names.append(match.group(2))
        position = match.end()
    return names


class MultiGrader(GraderModel):
    type: Literal["multi"]
    name: str = Field(min_length=1)
    graders: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], SubGrader] = Field(
        min_length=1, description="key -> grader; calculate_output refers to the keys"
    )
    calculate_output: str = Field(
        min_length=1, description="e.g. (similarity + label) / 2; + - * / ^ min max abs …"
    )

    @model_validator(mode="after")
    def _formula(self) -> MultiGrader:
        try:
            names = calculate_output_names(self.calculate_output)
        except ValueError as exc:
            raise _rule(
                "calculate_output: cannot read {part}; use the graders' keys, numbers, "
                "+ - * / ^, parentheses and min, max, abs, floor, ceil, exp, sqrt, log",
                part=quote(str(exc)),
            ) from None
        for name in names:
            if name not in self.graders and name not in CALCULATE_FUNCTIONS:
                raise _rule(
                    "calculate_output uses {name}, which is not a key of graders ({keys})",
                    name=quote(name),
                    keys=", ".join(self.graders),
                )
        return self


Grader = Annotated[
    Annotated[StringCheckGrader, Tag("string_check")]
    | Annotated[TextSimilarityGrader, Tag("text_similarity")]
    | Annotated[ScoreModelGrader, Tag("score_model")]
    | Annotated[LabelModelGrader, Tag("label_model")]
    | Annotated[PythonGrader, Tag("python")]
    | Annotated[MultiGrader, Tag("multi")],
    Discriminator(
        _grader_tag(GRADER_TYPES),
        custom_error_type=RULE_ERROR,
        custom_error_message="must be a grader with a type of " + ", ".join(GRADER_TYPES),
    ),
]
AnyGrader = (
    StringCheckGrader
    | TextSimilarityGrader
    | ScoreModelGrader
    | LabelModelGrader
    | PythonGrader
    | MultiGrader
)


def grader_json(grader: AnyGrader) -> dict[str, Any]:
    """The grader as the service takes it (``method.reinforcement.grader``): unset fields out."""
    return grader.model_dump(mode="json", exclude_none=True)


def item_references(grader: AnyGrader) -> list[str]:
    """The data-line fields the grader's templates read (``{{item.X}}``), first use first."""
    found: dict[str, None] = {}
    for text in _template_texts(grader_json(grader)):
        for namespace, path in template_references(text):
            field = item_field(path) if namespace == "item" else None
            if field is not None:
                found.setdefault(field, None)
    return list(found)


def _template_texts(value: object, key: str = "") -> Iterator[str]:
    if isinstance(value, str):
        if key not in ("source", "name", "type", "model", "calculate_output"):
            yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _template_texts(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from _template_texts(item, key)
