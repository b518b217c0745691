"""Reading ``catalog.yaml`` into a ``Catalog``, with errors that point at the file and line.

The file is hand-edited data, so every problem (wrong type, unknown key, a region not declared,
a capacity off its own grid, a usage name without a default quota) is reported as
``path:line:col: error: ...`` instead of surfacing later as a KeyError somewhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from reconciler.catalog.model import (
    METHODS,
    TRAINING_TYPES,
    Capacity,
    Catalog,
    CatalogError,
    ModelInfo,
)
from reconciler.errors import Location, relpath

PACKAGED = Path(__file__).with_name("catalog.yaml")
ENV_VAR = "RECONCILER_CATALOG"
ENCODINGS = frozenset({"o200k_base", "cl100k_base"})

T = TypeVar("T")


class _Map(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its values were written."""

    mark: yaml.Mark | None = None
    marks: dict[Any, yaml.Mark]


class _Seq(list[Any]):
    mark: yaml.Mark | None = None
    marks: list[yaml.Mark]


# libyaml's loader where installed: the same nodes and marks (only line and column are used),
# several times faster; the catalog is read by every command that checks a spec
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.mark = node.start_mark
    out.marks = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.marks[key] = value_node.start_mark
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.mark = node.start_mark
    out.marks = [child.start_mark for child in node.value]
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class _Reader:
    """Typed access to the parsed document; each failure names the file, line and key path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown = relpath(path)

    def fail(self, message: str, mark: yaml.Mark | None) -> CatalogError:
        where = (
            Location(self.shown, mark.line + 1, mark.column + 1)
            if mark is not None
            else Location(self.shown)
        )
        return CatalogError(f"{where}: error: catalog: {message}")

    def mapping(self, value: Any, what: str, mark: yaml.Mark | None) -> _Map:
        if not isinstance(value, _Map):
            raise self.fail(f"{what} must be a mapping", mark)
        return value

    def sequence(self, value: Any, what: str, mark: yaml.Mark | None) -> _Seq:
        if not isinstance(value, _Seq):
            raise self.fail(f"{what} must be a list", mark)
        return value

    def field(
        self,
        parent: _Map,
        key: str,
        kind: type[T],
        what: str,
        default: T | None = None,
    ) -> T:
        if key not in parent:
            if default is not None:
                return default
            raise self.fail(f"{what}: missing key {key!r}", parent.mark)
        value = parent[key]
        # bool is an int in Python; a yes/no where a number belongs is a typo, not a number.
        wrong_bool = isinstance(value, bool) and kind is not bool
        if not isinstance(value, kind) or wrong_bool:
            raise self.fail(
                f"{what}.{key} must be {_kind_name(kind)}, not {_kind_name(type(value))}",
                parent.marks.get(key),
            )
        return value

    def only_keys(self, parent: _Map, allowed: set[str], what: str) -> None:
        for key in parent:
            if key not in allowed:
                raise self.fail(
                    f"{what}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})",
                    parent.marks.get(key),
                )


def _kind_name(kind: type) -> str:
    return {
        int: "an integer",
        str: "a string",
        bool: "true or false",
        _Map: "a mapping",
        _Seq: "a list",
        dict: "a mapping",
        list: "a list",
        float: "a number",
    }.get(kind, kind.__name__)


class _Builder:
    def __init__(self, reader: _Reader, doc: _Map) -> None:
        self.r = reader
        self.doc = doc
        self.regions: frozenset[str] = frozenset()
        self.region_sets: dict[str, frozenset[str]] = {}
        self.sku_sets: dict[str, dict[str, Capacity]] = {}

    def build(self) -> Catalog:
        r, doc = self.r, self.doc
        r.only_keys(
            doc,
            {
                "format_version",
                "regions",
                "region_sets",
                "sku_sets",
                "usage_names",
                "default_quota",
                "models",
            },
            "catalog",
        )
        version = r.field(doc, "format_version", int, "catalog")
        if version != 1:
            raise r.fail(f"format_version {version} is not supported (expected 1)", doc.mark)
        regions = r.field(doc, "regions", _Seq, "catalog")
        self.regions = frozenset(self._strings(regions, "regions"))
        sets = r.field(doc, "region_sets", _Map, "catalog", _Map())
        for name in sets:
            self.region_sets[str(name)] = self._regions(
                sets[name], f"region_sets.{name}", sets.marks[name], allow_refs=False
            )
        sku_sets = r.field(doc, "sku_sets", _Map, "catalog", _Map())
        for name in sku_sets:
            self.sku_sets[str(name)] = self._skus(
                sku_sets[name], f"sku_sets.{name}", sku_sets.marks[name]
            )
        usage = r.field(doc, "usage_names", _Map, "catalog")
        r.only_keys(usage, {"base", "finetuned"}, "usage_names")
        base_usage = self._templates(usage, "base")
        finetuned_usage = self._templates(usage, "finetuned")

        models_doc = r.field(doc, "models", _Map, "catalog")
        models: dict[str, ModelInfo] = {}
        for model_id in models_doc:
            models[str(model_id)] = self._model(
                str(model_id), models_doc[model_id], models_doc.marks[model_id]
            )

        quota = self._quota(
            r.field(doc, "default_quota", _Map, "catalog"),
            models,
            base_usage,
            finetuned_usage,
        )
        return Catalog(
            regions=self.regions,
            models=MappingProxyType(models),
            default_quota=MappingProxyType(quota),
            base_usage=MappingProxyType(base_usage),
            finetuned_usage=MappingProxyType(finetuned_usage),
            source=str(r.path),
        )

    def _strings(self, seq: _Seq, what: str) -> list[str]:
        out: list[str] = []
        for index, item in enumerate(seq):
            if not isinstance(item, str) or not item:
                raise self.r.fail(f"{what}[{index}] must be a non-empty string", seq.marks[index])
            out.append(item)
        return out

    def _regions(
        self, value: Any, what: str, mark: yaml.Mark | None, *, allow_refs: bool = True
    ) -> frozenset[str]:
        """A region list; an item "@NAME" stands for every region of ``region_sets.NAME``."""
        seq = self.r.sequence(value, what, mark)
        out: set[str] = set()
        for index, item in enumerate(self._strings(seq, what)):
            if item.startswith("@") and allow_refs:
                named = self.region_sets.get(item[1:])
                if named is None:
                    raise self.r.fail(
                        f"{what}[{index}]: no region set named {item[1:]!r}", seq.marks[index]
                    )
                out |= named
            elif item in self.regions:
                out.add(item)
            else:
                raise self.r.fail(
                    f"{what}[{index}]: region {item!r} is not in the catalog's regions",
                    seq.marks[index],
                )
        return frozenset(out)

    def _capacity(self, value: Any, what: str, mark: yaml.Mark | None) -> Capacity:
        r = self.r
        spec = r.mapping(value, what, mark)
        r.only_keys(spec, {"minimum", "maximum", "step", "default"}, what)
        cap = Capacity(
            minimum=r.field(spec, "minimum", int, what),
            maximum=r.field(spec, "maximum", int, what),
            step=r.field(spec, "step", int, what),
            default=r.field(spec, "default", int, what),
        )
        if cap.minimum < 1 or cap.step < 1:
            raise r.fail(f"{what}: minimum and step must be at least 1", spec.mark)
        if not cap.minimum <= cap.default <= cap.maximum:
            raise r.fail(f"{what}: needs minimum <= default <= maximum", spec.mark)
        for name, amount in (("default", cap.default), ("maximum", cap.maximum)):
            if (amount - cap.minimum) % cap.step:
                raise r.fail(
                    f"{what}: {name} {amount} is not minimum {cap.minimum} plus a multiple "
                    f"of step {cap.step}",
                    spec.mark,
                )
        return cap

    def _skus(self, value: Any, what: str, mark: yaml.Mark | None) -> dict[str, Capacity]:
        spec = self.r.mapping(value, what, mark)
        return {
            str(sku): self._capacity(spec[sku], f"{what}.{sku}", spec.marks[sku]) for sku in spec
        }

    def _sku_blocks(self, model: _Map, key: str, what: str) -> Mapping[str, Mapping[str, Capacity]]:
        """Blocks of ``{regions, skus}`` merged into region -> sku -> capacity."""
        r = self.r
        blocks = r.field(model, key, _Seq, what, _Seq())
        table: dict[str, dict[str, Capacity]] = {}
        for index, block_value in enumerate(blocks):
            where = f"{what}.{key}[{index}]"
            block = r.mapping(block_value, where, blocks.marks[index])
            r.only_keys(block, {"regions", "skus"}, where)
            if "regions" not in block or "skus" not in block:
                raise r.fail(f"{where}: needs both 'regions' and 'skus'", block.mark)
            regions = self._regions(block["regions"], f"{where}.regions", block.marks["regions"])
            skus_value = block["skus"]
            if isinstance(skus_value, str):
                skus = self.sku_sets.get(skus_value)
                if skus is None:
                    raise r.fail(
                        f"{where}.skus: no sku set named {skus_value!r}", block.marks["skus"]
                    )
            else:
                skus = self._skus(skus_value, f"{where}.skus", block.marks["skus"])
            for region in regions:
                existing = table.setdefault(region, {})
                for sku, capacity in skus.items():
                    if sku in existing and existing[sku] != capacity:
                        raise r.fail(
                            f"{where}: sku {sku} in {region} is given twice, differently",
                            block.mark,
                        )
                    existing[sku] = capacity
        return MappingProxyType(
            {region: MappingProxyType(skus) for region, skus in sorted(table.items())}
        )

    def _model(self, model_id: str, value: Any, mark: yaml.Mark | None) -> ModelInfo:
        r = self.r
        what = f"models.{model_id}"
        spec = r.mapping(value, what, mark)
        r.only_keys(
            spec,
            {
                "name",
                "version",
                "encoding",
                "max_example_tokens",
                "vision",
                "methods",
                "training_regions",
                "base_skus",
                "finetuned_skus",
                "input_tokens",
                "output_tokens",
                "lifecycle_status",
            },
            what,
        )
        name = r.field(spec, "name", str, what)
        version = str(r.field(spec, "version", str, what))
        if model_id != f"{name}-{version}":
            raise r.fail(f"{what}: the id must be '<name>-<version>' ({name}-{version})", mark)
        encoding = r.field(spec, "encoding", str, what)
        if encoding not in ENCODINGS:
            raise r.fail(
                f"{what}.encoding: {encoding!r} is not one of {', '.join(sorted(ENCODINGS))}",
                spec.marks["encoding"],
            )
        max_tokens = r.field(spec, "max_example_tokens", int, what)
        if max_tokens < 1:
            raise r.fail(
                f"{what}.max_example_tokens must be positive", spec.marks["max_example_tokens"]
            )
        methods_seq = r.field(spec, "methods", _Seq, what, _Seq())
        methods = self._strings(methods_seq, f"{what}.methods")
        for index, method in enumerate(methods):
            if method not in METHODS:
                raise r.fail(
                    f"{what}.methods[{index}]: {method!r} is not one of {', '.join(METHODS)}",
                    methods_seq.marks[index],
                )
        training_doc = r.field(spec, "training_regions", _Map, what, _Map())
        training: dict[str, frozenset[str]] = {}
        for training_type in training_doc:
            if training_type not in TRAINING_TYPES:
                raise r.fail(
                    f"{what}.training_regions: {training_type!r} is not one of "
                    f"{', '.join(TRAINING_TYPES)}",
                    training_doc.marks[training_type],
                )
            training[str(training_type)] = self._regions(
                training_doc[training_type],
                f"{what}.training_regions.{training_type}",
                training_doc.marks[training_type],
            )
        if methods and not any(training.values()):
            raise r.fail(f"{what}: has methods but no training regions", spec.mark)
        return ModelInfo(
            id=model_id,
            name=name,
            version=version,
            encoding=encoding,
            max_example_tokens=max_tokens,
            vision=r.field(spec, "vision", bool, what, False),
            methods=frozenset(methods),
            training_regions=MappingProxyType(training),
            base_skus=self._sku_blocks(spec, "base_skus", what),
            finetuned_skus=self._sku_blocks(spec, "finetuned_skus", what),
            input_tokens=r.field(spec, "input_tokens", int, what, 0),
            output_tokens=r.field(spec, "output_tokens", int, what, 0),
            lifecycle_status=r.field(spec, "lifecycle_status", str, what, "GenerallyAvailable"),
        )

    def _templates(self, usage: _Map, key: str) -> dict[str, str]:
        spec = self.r.field(usage, key, _Map, "usage_names")
        out: dict[str, str] = {}
        for sku in spec:
            template = spec[sku]
            if not isinstance(template, str) or not template:
                raise self.r.fail(
                    f"usage_names.{key}.{sku} must be a non-empty string", spec.marks[sku]
                )
            out[str(sku)] = template
        return out

    def _quota(
        self,
        spec: _Map,
        models: Mapping[str, ModelInfo],
        base_usage: Mapping[str, str],
        finetuned_usage: Mapping[str, str],
    ) -> dict[str, int]:
        """Expand ``{name}`` keys over the models using them; every usage name needs a limit."""
        r = self.r
        needed: dict[str, str] = {}  # usage name -> the template it came from
        for info in models.values():
            for table, templates, kind in (
                (info.base_skus, base_usage, "base"),
                (info.finetuned_skus, finetuned_usage, "finetuned"),
            ):
                for sku in {sku for skus in table.values() for sku in skus}:
                    template = templates.get(sku)
                    if template is None:
                        raise r.fail(
                            f"models.{info.id}: sku {sku} has no usage_names.{kind} entry",
                            self.doc.marks.get("usage_names"),
                        )
                    needed[template.replace("{name}", info.name)] = template
        quota: dict[str, int] = {}
        for key in spec:
            limit = r.field(spec, str(key), int, "default_quota")
            if limit < 0:
                raise r.fail(f"default_quota.{key} must not be negative", spec.marks[key])
            if "{name}" not in str(key):
                quota[str(key)] = limit
        for usage, template in needed.items():
            if usage in quota:
                continue
            if template not in spec:
                raise r.fail(
                    f"usage {usage} has no limit: add {template!r} or {usage!r}",
                    self.doc.marks.get("default_quota"),
                )
            quota[usage] = int(spec[template])
        return dict(sorted(quota.items()))


def parse_catalog(text: str, path: Path) -> Catalog:
    """A catalog from YAML text; ``path`` is only used in messages."""
    reader = _Reader(path)
    try:
        doc: Any = yaml.load(text, Loader=_Loader)  # a (C)SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        raise reader.fail(f"invalid YAML: {exc.problem or exc}", exc.problem_mark) from None
    except yaml.YAMLError as exc:
        raise reader.fail(f"invalid YAML: {exc}", None) from None
    return _Builder(reader, reader.mapping(doc, "the catalog file", None)).build()


_cache: dict[tuple[str, int, int], Catalog] = {}


def catalog_path(path: Path | None = None) -> Path:
    """The catalog file in use: ``path``, else $RECONCILER_CATALOG, else the packaged one."""
    if path is not None:
        return path
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else PACKAGED


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog, cached per file (and reloaded when the file changes)."""
    chosen = catalog_path(path)
    try:
        stat = chosen.stat()
        key = (str(chosen.resolve()), stat.st_mtime_ns, stat.st_size)
        cached = _cache.get(key)
        if cached is not None:
            return cached
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        hint = f" (from ${ENV_VAR})" if path is None and os.environ.get(ENV_VAR) else ""
        raise CatalogError(
            f"{relpath(chosen)}: error: cannot read the model catalog{hint}: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{relpath(chosen)}: error: catalog is not UTF-8: {exc}") from None
    catalog = parse_catalog(text, chosen)
    _cache[key] = catalog
    return catalog
