"""Published OpenAPI 2/3 request schemas read as closed JSON Schemas.

A vendored spec extract is a ``Document``; ``Normalizer.schema`` turns one of its request
schemas into a self-contained JSON Schema (Draft 2020-12) that refuses what the published text
does not name, which is what the contract checker validates requests against.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
_COMMON_TYPES = "common-types/resource-management/v3/types.json"
_BODY_KEYS_DROPPED = ("description", "title", "example", "x-ms-enum", "x-ms-identifiers")


class Document:
    """One vendored spec extract: resolves its local refs and, for ARM, common-types refs."""

    def __init__(self, data: JSON, common: Document | None = None) -> None:
        self.data = data
        self.common = common

    def resolve(self, ref: str) -> tuple[Document, JSON]:
        where, _, pointer = ref.partition("#")
        document: Document = self
        if where:
            if not where.endswith(_COMMON_TYPES) or self.common is None:
                raise ValueError(f"unresolvable $ref {ref!r}")
            document = self.common
        node: Any = document.data
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if not isinstance(node, dict):
            raise ValueError(f"$ref {ref!r} is not an object")
        return document, node


def _strip(schema: JSON) -> JSON:
    """Keys that carry no constraint (extract notes, docs, autorest hints) go."""
    return {
        k: v for k, v in schema.items() if not k.startswith("_") and k not in _BODY_KEYS_DROPPED
    }


class Normalizer:
    """Turns a published OpenAPI 2/3 schema into a self-contained, *closed* JSON Schema.

    Refs are inlined (siblings of a $ref keep their meaning, as autorest reads them), allOf
    members are merged into one object, a discriminator mapping becomes if/then branches,
    ``nullable`` becomes a null type, and every object that names its properties and says
    nothing of others gets ``additionalProperties: false``. On ARM a readOnly property becomes
    a schema nothing satisfies, marked so the error reads as "read-only".
    """

    def __init__(self, read_only_forbidden: bool) -> None:
        self.read_only_forbidden = read_only_forbidden

    def schema(self, node: JSON, doc: Document, *, via_allof: bool = False) -> JSON:
        return self._node(node, doc, via_allof, ())

    def _node(self, node: JSON, doc: Document, via_allof: bool, stack: tuple[str, ...]) -> JSON:
        if "$ref" in node:
            ref = str(node["$ref"])
            # A discriminated base is met again through its subtypes' allOf, but then without
            # its discriminator: only the same ref in the same role is a real cycle.
            key = f"{ref} via allOf={via_allof}"
            if key in stack:
                raise ValueError(f"recursive $ref {ref!r}: not supported in request bodies")
            target_doc, target = doc.resolve(ref)
            resolved = self._node(target, target_doc, via_allof, (*stack, key))
            siblings = self._node({k: v for k, v in node.items() if k != "$ref"}, doc, False, stack)
            return {**resolved, **siblings}
        out = _strip(node)
        if isinstance(out.get("properties"), dict):
            out["properties"] = {
                name: self._property(sub, doc, stack) for name, sub in out["properties"].items()
            }
        for key in ("items", "not"):
            if isinstance(out.get(key), dict):
                out[key] = self._node(out[key], doc, False, stack)
        if isinstance(out.get("additionalProperties"), dict):
            out["additionalProperties"] = self._node(out["additionalProperties"], doc, False, stack)
        for key in ("anyOf", "oneOf"):
            if key in out:
                out[key] = [self._node(m, doc, False, stack) for m in out[key]]
        if "allOf" in out:
            out["allOf"] = [self._node(m, doc, True, stack) for m in out["allOf"]]
        discriminator = out.pop("discriminator", None)
        if isinstance(discriminator, dict) and not via_allof:
            out.setdefault("allOf", []).extend(self._branches(discriminator, doc, stack))
        _merge_all_of(out)
        _apply_nullable(out)
        if (
            isinstance(out.get("properties"), dict)
            and "additionalProperties" not in out
            and not any(k in out for k in ("allOf", "anyOf", "oneOf", "if"))
        ):
            out["additionalProperties"] = False
        return out

    def _property(self, node: JSON, doc: Document, stack: tuple[str, ...]) -> JSON:
        schema = self._node(node, doc, False, stack)
        if self.read_only_forbidden and schema.get("readOnly") is True:
            return {"not": {}, "x-read-only": True}
        return schema

    def _branches(self, discriminator: JSON, doc: Document, stack: tuple[str, ...]) -> list[JSON]:
        name = str(discriminator["propertyName"])
        branches: list[JSON] = []
        for value, ref in dict(discriminator.get("mapping") or {}).items():
            then = self._node({"$ref": ref}, doc, False, stack)
            condition = {"properties": {name: {"const": value}}, "required": [name]}
            branches.append({"if": condition, "then": then})
        return branches


def _merge_all_of(schema: JSON) -> None:
    """Fold plain object members of allOf into the schema itself (keeping if/then etc.)."""
    members = schema.get("allOf")
    if not isinstance(members, list):
        return
    kept: list[JSON] = []
    for member in members:
        if any(k in member for k in ("if", "anyOf", "oneOf", "not", "allOf")):
            kept.append(member)
            continue
        for name, sub in dict(member.get("properties") or {}).items():
            properties = schema.setdefault("properties", {})
            properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
        required = [*schema.get("required", []), *member.get("required", [])]
        if required:
            schema["required"] = sorted(set(required))
        for key, value in member.items():
            if key not in ("properties", "required", "additionalProperties"):
                schema.setdefault(key, value)
        # A member closed on its own properties must not close the merged object against the
        # others' (the merged object is closed afterwards, on all of them); a map stays a map.
        extra = member.get("additionalProperties")
        if isinstance(extra, dict) and "additionalProperties" not in schema:
            schema["additionalProperties"] = extra
    if kept:
        schema["allOf"] = kept
    else:
        schema.pop("allOf")


def _apply_nullable(schema: JSON) -> None:
    if schema.pop("nullable", False) is not True:
        return
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    elif kind is None:
        inner = {k: schema.pop(k) for k in list(schema) if k not in ("default", "deprecated")}
        schema["anyOf"] = [inner, {"type": "null"}]


def value_schema(param: JSON) -> JSON:
    """The schema of a parameter's value: OpenAPI 3 ``schema`` or Swagger 2 inline keys."""
    if isinstance(param.get("schema"), dict):
        return dict(param["schema"])
    keys = ("type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "format")
    return {k: param[k] for k in keys if k in param}
