"""Whether one HTTP request the tool sent is inside Azure's *published* contract.

Input is one wire-log record (``{"kind": "request", "method", "url", "headers", "body",
"multipart"}``). The contract is the vendored extracts in ``schemas/`` (SOURCES.md says where
each comes from): Azure Resource Manager Microsoft.CognitiveServices 2025-09-01, the Azure
OpenAI v1 data plane, and the api-version style data plane 2024-10-21 and 2025-04-01-preview,
plus two documented overlays (fields the docs send that a spec lacks, a required field the docs
omit).

Bodies are held to the published schemas *closed*: a property the schema does not name is an
error at every level, and on ARM a read-only property in a request is an error too. Every
problem names the operation and where in the request it is.

    check_request(record) -> list[str]   # empty: inside the contract
    operation_of(record) -> str | None   # e.g. "ARM Deployments_CreateOrUpdate"
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .published_schema import JSON, Document, Normalizer, value_schema

SCHEMAS = Path(__file__).resolve().parent / "schemas"

ARM = "ARM"
# Azure Monitor's ARM operations (the Activity Log): another provider, its own api-versions.
INSIGHTS = "ARM Microsoft.Insights"
INSIGHTS_VERSIONS = frozenset({"2015-04-01"})  # ActivityLogs_List is published in this one only
V1 = "v1"
# The one ARM api-version whose request schemas are vendored: azure-mgmt-cognitiveservices
# 14.1.0's default (its _configuration.py).
ARM_VENDORED = "2025-09-01"
# ARM list operations return an opaque nextLink that the client follows as is; ARM's paging
# convention puts the continuation in $skipToken, which the specs never declare per operation.
ARM_PAGING_QUERY = frozenset({"$skiptoken"})


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path | query | header
    required: bool
    validator: Draft202012Validator


@dataclass(frozen=True)
class Multipart:
    fields: Draft202012Validator  # the non-file parts, as one object (closed)
    field_schema: JSON
    files: frozenset[str]
    required_files: frozenset[str]


@dataclass(frozen=True)
class Operation:
    surface: str  # ARM | v1 | an api-version of the api-version style data plane
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    params: tuple[Param, ...]
    pageable: bool
    body: Draft202012Validator | None
    body_required: bool
    json_types: frozenset[str]
    multipart: Multipart | None

    @property
    def label(self) -> str:
        return f"{self.surface} {self.operation_id}"


@dataclass(frozen=True)
class Contract:
    operations: Mapping[str, tuple[Operation, ...]]  # surface -> its operations
    arm_versions: frozenset[str]
    authoring_versions: frozenset[str]
    v1_versions: frozenset[str]


# --- reading the vendored documents -------------------------------------------------------


def _load(relative: str) -> JSON:
    data: JSON = json.loads((SCHEMAS / relative).read_text(encoding="utf-8"))
    return data


# --- building the operations ----------------------------------------------------------------


def _template_pattern(template: str, ignore_case: bool) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(
        f"(?P<p{i}>[^/]+)" if part.startswith("{") else re.escape(part)
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.IGNORECASE if ignore_case else 0)


def _template_names(template: str) -> list[str]:
    return [m[1:-1] for m in re.findall(r"\{[^}]+\}", template)]


def _operations(
    surface: str,
    doc: Document,
    normalizer: Normalizer,
    overlays: Sequence[JSON],
    relaxations: Sequence[JSON],
) -> Iterator[Operation]:
    for template, item in dict(doc.data.get("paths") or {}).items():
        for method, op in dict(item).items():
            if method.startswith("x-") or not isinstance(op, dict):
                continue
            yield _operation(
                surface, doc, normalizer, template, method.upper(), op, overlays, relaxations
            )


def _operation(
    surface: str,
    doc: Document,
    normalizer: Normalizer,
    template: str,
    method: str,
    op: JSON,
    overlays: Sequence[JSON],
    relaxations: Sequence[JSON],
) -> Operation:
    params: list[Param] = []
    body: JSON | None = None
    body_required = False
    form: list[JSON] = []
    for raw in op.get("parameters", []):
        param_doc, param = doc.resolve(raw["$ref"]) if "$ref" in raw else (doc, raw)
        where = str(param["in"])
        if where == "body":
            body = normalizer.schema(param["schema"], param_doc)
            body_required = bool(param.get("required"))
        elif where == "formData":
            form.append(param)
        else:
            schema = normalizer.schema(value_schema(param), param_doc)
            validator = Draft202012Validator(schema)
            params.append(Param(str(param["name"]), where, bool(param.get("required")), validator))
    json_types = frozenset(op.get("consumes", ["application/json"]))
    multipart: Multipart | None = None
    content = dict(dict(op.get("requestBody") or {}).get("content") or {})
    if content:
        body_required = bool(op["requestBody"].get("required"))
        if "multipart/form-data" in content:
            schema = normalizer.schema(content["multipart/form-data"]["schema"], doc)
            multipart = _multipart(schema, _not_required(surface, method, template, relaxations))
        else:
            json_types = frozenset(content)
            body = normalizer.schema(next(iter(content.values()))["schema"], doc)
    if form:
        multipart = _multipart(_form_schema(form, normalizer, doc), frozenset())
    if body is not None:
        for overlay in overlays:
            if _targets(overlay, surface, method, template):
                _add_properties(body, overlay["add_properties"])
    ignore_case = surface in (ARM, INSIGHTS)
    return Operation(
        surface=surface,
        operation_id=str(op["operationId"]),
        method=method,
        template=template,
        pattern=_template_pattern(template, ignore_case),
        params=tuple(params),
        pageable="x-ms-pageable" in op,
        body=None if body is None else Draft202012Validator(body),
        body_required=body_required,
        json_types=json_types,
        multipart=multipart,
    )


def _targets(entry: JSON, surface: str, method: str, template: str) -> bool:
    wanted = entry.get("api_version") if entry["surface"] == "api-version" else entry["surface"]
    return bool(wanted == surface and entry["method"] == method and entry["path"] == template)


def _not_required(
    surface: str, method: str, template: str, relaxations: Sequence[JSON]
) -> frozenset[str]:
    names: set[str] = set()
    for entry in relaxations:
        if _targets(entry, surface, method, template):
            names.update(entry["not_required"])
    return frozenset(names)


def _add_properties(body: JSON, additions: Mapping[str, Mapping[str, JSON]]) -> None:
    """Documented fields join the (already closed) body schema where the docs send them."""
    for where, properties in additions.items():
        node = body
        for step in [s for s in where.split(".") if s]:
            node = node["properties"][step]
        node.setdefault("properties", {}).update(copy.deepcopy(dict(properties)))


def _form_schema(form: Iterable[JSON], normalizer: Normalizer, doc: Document) -> JSON:
    """Swagger 2 formData parameters as the equivalent OpenAPI 3 multipart object."""
    properties: JSON = {}
    required: list[str] = []
    for param in form:
        value = value_schema(param)
        if value.get("type") == "file":
            value = {"type": "string", "format": "binary"}
        properties[str(param["name"])] = normalizer.schema(value, doc)
        if param.get("required"):
            required.append(str(param["name"]))
    return {"type": "object", "properties": properties, "required": required}


def _multipart(schema: JSON, not_required: frozenset[str]) -> Multipart:
    properties = dict(schema.get("properties") or {})
    files = frozenset(name for name, sub in properties.items() if sub.get("format") == "binary")
    required = set(schema.get("required", [])) - not_required
    field_schema: JSON = {
        "type": "object",
        "properties": {k: v for k, v in properties.items() if k not in files},
        "required": sorted(required - files),
        "additionalProperties": False,
    }
    return Multipart(
        fields=Draft202012Validator(field_schema),
        field_schema=field_schema,
        files=files,
        required_files=frozenset(required & files),
    )


@cache
def contract() -> Contract:
    """The vendored contract, every validator compiled once per process."""
    extras = _load("openai/documented-extras.json")["overlays"]
    relaxations = _load("openai/documented-relaxations.json")["relaxations"]
    common = Document(_load("arm/common-types-v3.json"))
    arm_normalizer = Normalizer(read_only_forbidden=True)
    data_normalizer = Normalizer(read_only_forbidden=False)
    arm_ops = [
        op
        for name in ("arm/cognitiveservices-2025-09-01.json", "arm/lro-polling.json")
        for op in _operations(ARM, Document(_load(name), common), arm_normalizer, (), ())
    ]
    v1_ops = [
        op
        for name in ("openai/v1-generated.json", "openai/v1-uploads.openai-openapi.json")
        for op in _operations(V1, Document(_load(name)), data_normalizer, extras, relaxations)
    ]
    insights_ops = _operations(
        INSIGHTS,
        Document(_load("monitor/activitylogs-2015-04-01.json")),
        arm_normalizer,
        (),
        (),
    )
    operations: dict[str, tuple[Operation, ...]] = {
        ARM: tuple(arm_ops),
        INSIGHTS: tuple(insights_ops),
        V1: tuple(v1_ops),
    }
    for version in ("2024-10-21", "2025-04-01-preview"):
        doc = Document(_load(f"openai/authoring-{version}.json"))
        operations[version] = tuple(_operations(version, doc, data_normalizer, extras, relaxations))
    arm_versions = _load("arm/api-versions.json")
    authoring = _load("openai/api-versions.json")
    return Contract(
        operations=operations,
        arm_versions=frozenset([*arm_versions["stable"], *arm_versions["preview"]]),
        authoring_versions=frozenset(
            [*authoring["api_version_style"]["stable"], *authoring["api_version_style"]["preview"]]
        ),
        v1_versions=frozenset(authoring["v1"]["allowed"]),
    )


# --- checking one record ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: Any
    multipart: Mapping[str, Any] | None

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> _Request:
        url = urlsplit(str(record.get("url") or ""))
        headers = {str(k).lower(): str(v) for k, v in dict(record.get("headers") or {}).items()}
        multipart = record.get("multipart")
        return cls(
            method=str(record.get("method") or "").upper(),
            path=url.path,
            query=parse_qsl(url.query, keep_blank_values=True),
            headers=headers,
            body=record.get("body"),
            multipart=multipart if isinstance(multipart, Mapping) else None,
        )

    def query_values(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


@dataclass(frozen=True)
class _Route:
    surface: str | None  # None: no surface could be told
    relative: str  # the path the surface's templates are written against
    problems: tuple[str, ...]  # found while telling the surface (api-version problems)


def _route(request: _Request, c: Contract) -> _Route:
    versions = request.query_values("api-version")
    if "/providers/microsoft.insights/" in request.path.lower():
        return _Route(INSIGHTS, request.path, tuple(_insights_version_problems(versions)))
    if request.path.lower().startswith("/subscriptions/"):
        return _Route(ARM, request.path, tuple(_arm_version_problems(versions, c)))
    at = request.path.find("/openai/")
    if at < 0:
        return _Route(None, request.path, ("not an ARM path and no /openai/ in it",))
    relative = request.path[at + len("/openai") :]
    if relative == "/v1" or relative.startswith("/v1/"):
        return _Route(V1, relative[len("/v1") :] or "/", tuple(_v1_version_problems(versions, c)))
    if len(versions) != 1:
        what = "missing" if not versions else f"given {len(versions)} times"
        return _Route(None, relative, (f"api-version {what} (required on /openai/<path>)",))
    version = versions[0]
    if version not in c.authoring_versions:
        return _Route(None, relative, (f"api-version {version!r} is not a published one",))
    if version not in c.operations:
        vendored = ", ".join(sorted(k for k in c.operations if k not in (ARM, INSIGHTS, V1)))
        problem = f"api-version {version!r} is published but not vendored here ({vendored})"
        return _Route(None, relative, (problem,))
    return _Route(version, relative, ())


def _arm_version_problems(versions: list[str], c: Contract) -> Iterator[str]:
    if len(versions) != 1:
        yield f"api-version {'missing' if not versions else 'given more than once'}"
    elif versions[0] not in c.arm_versions:
        yield f"api-version {versions[0]!r} is not a published Microsoft.CognitiveServices one"
    elif versions[0] != ARM_VENDORED:
        yield f"api-version {versions[0]!r} is published but only {ARM_VENDORED} is vendored here"


def _insights_version_problems(versions: list[str]) -> Iterator[str]:
    if len(versions) != 1:
        yield f"api-version {'missing' if not versions else 'given more than once'}"
    elif versions[0] not in INSIGHTS_VERSIONS:
        yield f"api-version {versions[0]!r} is not the one publishing ActivityLogs_List"


def _v1_version_problems(versions: list[str], c: Contract) -> Iterator[str]:
    if len(versions) > 1:
        yield "api-version given more than once"
    for version in versions:
        if version not in c.v1_versions:
            allowed = " or ".join(sorted(c.v1_versions))
            yield f"api-version {version!r} is not published for /openai/v1 (absent, {allowed})"


def _match(request: _Request, route: _Route, c: Contract) -> tuple[Operation | None, list[str]]:
    if route.surface is None:
        return None, []
    candidates = [
        (op, m) for op in c.operations[route.surface] if (m := op.pattern.match(route.relative))
    ]
    for op, _ in candidates:
        if op.method == request.method:
            return op, []
    if candidates:
        methods = ", ".join(sorted({op.method for op, _ in candidates}))
        template = candidates[0][0].template
        return None, [f"{request.method} is not published for {template} (only {methods})"]
    return None, [f"unknown path {route.relative} (no published {route.surface} operation)"]


def operation_of(record: Mapping[str, Any]) -> str | None:
    """The published operation this request is, e.g. ``"v1 createFineTuningJob"``; None when
    it is no published operation (or the record is not a request)."""
    if record.get("kind", "request") != "request":
        return None
    request = _Request.of(record)
    c = contract()
    op, _ = _match(request, _route(request, c), c)
    return None if op is None else op.label


def check_request(record: Mapping[str, Any]) -> list[str]:
    """The ways this request leaves the published contract; empty when it does not.

    Records that are not requests (``kind`` other than ``"request"``) are not checked."""
    if record.get("kind", "request") != "request":
        return []
    request = _Request.of(record)
    c = contract()
    route = _route(request, c)
    op, problems = _match(request, route, c)
    if op is None:
        where = route.surface or "data plane"
        found = [*route.problems, *problems]
        return [f"{where} {request.method} {request.path}: {p}" for p in found]
    found = [
        *route.problems,
        *_path_problems(op, route.relative),
        *_query_problems(op, request),
        *_header_problems(op, request),
        *_body_problems(op, request),
    ]
    # A property a schema declares twice (e.g. systemData on Deployment and on its base
    # Resource) fails twice; one report is enough.
    return list(dict.fromkeys(f"{op.label}: {p}" for p in found))


def _path_problems(op: Operation, relative: str) -> Iterator[str]:
    match = op.pattern.match(relative)
    assert match is not None
    names = _template_names(op.template)
    by_name = {p.name: p for p in op.params if p.where == "path"}
    for i, name in enumerate(names):
        raw = match.groups()[i]
        param = by_name.get(name)
        if param is None:
            continue
        for error in param.validator.iter_errors(unquote(raw)):
            yield f"path {{{name}}}: {error.message}"


def _query_problems(op: Operation, request: _Request) -> Iterator[str]:
    declared = {p.name: p for p in op.params if p.where == "query"}
    seen: set[str] = set()
    for name, value in request.query:
        if name == "api-version":
            continue
        if name in seen:
            yield f"query {name}: given more than once"
        seen.add(name)
        param = declared.get(name)
        if param is None:
            if op.pageable and name.lower() in ARM_PAGING_QUERY:
                continue
            yield f"query {name}: not a parameter of this operation"
            continue
        for error in param.validator.iter_errors(_coerce(value, param.validator.schema)):
            yield f"query {name}: {error.message}"
    for param in declared.values():
        # api-version is held to its surface's rules when the request is routed.
        if param.required and param.name not in seen and param.name != "api-version":
            yield f"query {param.name}: required parameter missing"


def _header_problems(op: Operation, request: _Request) -> Iterator[str]:
    for param in op.params:
        if param.where != "header":
            continue
        value = request.headers.get(param.name.lower())
        if value is None:
            if param.required:
                yield f"header {param.name}: required header missing"
            continue
        offered = [part.split(";")[0].strip() for part in value.split(",")]
        if not any(param.validator.is_valid(v) for v in offered):
            allowed = param.validator.schema.get("enum")
            yield f"header {param.name}: {value!r} is not one of {allowed}"


def _body_problems(op: Operation, request: _Request) -> Iterator[str]:
    has_json = request.body is not None
    has_form = request.multipart is not None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if op.body is None and op.multipart is None:
        if has_json or has_form:
            yield "body: this operation takes no request body"
        return
    if op.multipart is not None:
        if has_json:
            yield "body: a JSON body where the operation takes multipart/form-data"
        elif not has_form:
            if op.body_required:
                yield "body: required multipart/form-data body missing"
        else:
            assert request.multipart is not None
            yield from _multipart_problems(op.multipart, request.multipart)
        return
    assert op.body is not None
    if has_form:
        yield "body: multipart/form-data where the operation takes a JSON body"
        return
    if not has_json:
        if op.body_required:
            yield "body: required JSON body missing"
        return
    if content_type and content_type not in op.json_types:
        yield f"header content-type: {content_type!r} is not one of {sorted(op.json_types)}"
    yield from _schema_problems(op.body, request.body, "body")


def _multipart_problems(spec: Multipart, multipart: Mapping[str, Any]) -> Iterator[str]:
    fields = dict(multipart.get("fields") or {})
    files = dict(multipart.get("files") or {})
    for name in sorted(files):
        if name not in spec.files:
            yield f"multipart {name}: not a file part of this operation"
    for name in sorted(spec.required_files - set(files)):
        yield f"multipart {name}: required file part missing"
    for name in sorted(set(fields) & spec.files):
        yield f"multipart {name}: sent as a plain field, the operation takes a file part"
    nested = _nest_fields({k: v for k, v in fields.items() if k not in spec.files}, spec)
    coerced = _coerce(nested, spec.field_schema)
    yield from _schema_problems(spec.fields, coerced, "multipart")


def _nest_fields(fields: Mapping[str, Any], spec: Multipart) -> JSON:
    """``a[b]=v`` form fields (how the openai SDK encodes objects) become ``{"a": {"b": v}}``
    when ``a`` is a declared object field; names the schema spells literally stay as they are."""
    declared = dict(spec.field_schema.get("properties") or {})
    out: JSON = {}
    for name, value in fields.items():
        match = re.fullmatch(r"([^\[\]]+)\[([^\[\]]+)\]", name)
        if name not in declared and match and match[1] in declared:
            out.setdefault(match[1], {})[match[2]] = value
        else:
            out[name] = value
    return out


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """Form and query values arrive as text; numbers and booleans are read as such so that
    the schema's types can be held to them."""
    if isinstance(value, dict):
        properties = dict(schema.get("properties") or {})
        return {k: _coerce(v, properties.get(k, {})) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in kinds and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value):
        return float(value)
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    return value


def _schema_problems(validator: Draft202012Validator, instance: Any, root: str) -> Iterator[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.path])
    for error in errors:
        yield from _describe(error, root)


def _describe(error: ValidationError, root: str) -> Iterator[str]:
    where = _json_path(root, error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(dict(schema.get("properties") or {}))
        for key in sorted(set(error.instance) - known):
            yield f"{where}.{key}: unknown property (not in the published schema)"
    elif error.validator == "not" and schema.get("x-read-only"):
        yield f"{where}: read-only property; a request must not send it"
    elif error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        for key in missing:
            yield f"{where}.{key}: required property missing"
    else:
        yield f"{where}: {error.message}"


def _json_path(root: str, path: Iterable[str | int]) -> str:
    out = root
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out
