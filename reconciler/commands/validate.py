"""``reconciler validate``: everything that can be known without calling Azure.

The spec (syntax, models, references, catalog facts) and then its datasets: each file inspected
with the token limit and encoding of the base models of the jobs that use it, split datasets cut
into their parts, the data's format matched against each job's method, and examples shared by a
job's training and validation data. Every problem ends up in one ``Diagnostics``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from reconciler.catalog import Catalog, load_catalog
from reconciler.datasets import (
    DatasetReport,
    cache_root,
    inspect_dataset,
    shared_examples,
    split_dataset,
)
from reconciler.errors import (
    Diagnostic,
    Diagnostics,
    ReconcilerError,
    Severity,
    SpecError,
    relpath,
)
from reconciler.quoting import environment_values
from reconciler.spec import Spec, read_spec
from reconciler.spec.graders import item_references
from reconciler.spec.load import file_problem
from reconciler.spec.references import METHOD_FORMATS, parse_dataset_ref

# Used for datasets no job names (or whose jobs' base model is unknown): the encoding of every
# current fine-tunable model; no token limit; images allowed (no model says otherwise).
DEFAULT_ENCODING = "o200k_base"
SPLITS_FOLDER = "splits"


@dataclass(frozen=True)
class _Profile:
    """How one base model reads a dataset: its tokenizer, its per-example limit, images or not."""

    encoding: str
    max_example_tokens: int | None
    allow_images: bool

    def order(self) -> tuple[str, int, bool]:
        """Strictest limit first, so the report kept for a dataset is the strictest reading."""
        limit = self.max_example_tokens
        return (self.encoding, sys.maxsize if limit is None else limit, self.allow_images)


_DEFAULT_PROFILE = _Profile(DEFAULT_ENCODING, None, True)


@dataclass
class ValidationResult:
    spec: Spec | None  # None when the spec itself has errors
    datasets: dict[str, DatasetReport] = field(default_factory=dict)  # incl. "x:train"
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_errors


def validate(
    root: Path,
    *,
    cache_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    allow_env: Iterable[str] = (),
    values_required: bool = False,
) -> ValidationResult:
    """The spec in ``root`` and its datasets checked; ``allow_env``: the ``--allow-env`` names
    (``spec.env.EnvPolicy``). Like ``terraform validate``, an allowed ``${env:NAME}`` that is
    unset is a note and its value unchecked, unless ``values_required`` (plan and apply)."""
    if catalog is None:
        try:
            catalog = load_catalog()
        except ReconcilerError:
            catalog = None  # read_spec reports it
    spec, diagnostics = read_spec(
        root,
        environ=environ,
        catalog=catalog,
        allow_env=allow_env,
        unset_env_is_note=not values_required,
    )
    spec_ok = not diagnostics.has_errors
    spec.warnings = diagnostics.warnings
    checks = _DatasetChecks(spec, catalog, cache_dir)
    with environment_values(spec.env_values):
        checks.run()
    diagnostics.extend(checks.diagnostics)
    return ValidationResult(
        spec=spec if spec_ok else None, datasets=checks.reports, diagnostics=diagnostics
    )


class _DatasetChecks:
    def __init__(self, spec: Spec, catalog: Catalog | None, cache_dir: Path | None) -> None:
        self.spec = spec
        self.catalog = catalog
        self._cache_dir = cache_dir
        self.reports: dict[str, DatasetReport] = {}
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()

    @cached_property
    def cache_dir(self) -> Path:
        # Made on first use: a spec without datasets (or none at all) leaves no .reconciler/.
        return self._cache_dir or cache_root(self.spec.project_root)

    def add(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            if diagnostic not in self._seen:
                self._seen.add(diagnostic)
                self.diagnostics.append(diagnostic)

    def run(self) -> None:
        profiles = self._profiles()
        for name, dataset in self.spec.datasets.items():
            if file_problem(dataset.path, self.spec.project_root) is not None:
                continue  # reported by the spec checks
            wanted = profiles.get(name, {_DEFAULT_PROFILE})
            self._inspect(name, sorted(wanted, key=_Profile.order))
        for job in self.spec.jobs:
            self._formats(job)
            self._shared(job)
            self._grader_fields(job)

    def _profiles(self) -> dict[str, set[_Profile]]:
        found: dict[str, set[_Profile]] = {}
        for job_name, job in self.spec.jobs.items():
            profile = self._profile(job_name)
            for reference in (job.training_data, job.validation_data):
                if reference is not None:
                    found.setdefault(parse_dataset_ref(reference)[0], set()).add(profile)
        return found

    def _profile(self, job: str) -> _Profile:
        base = self.spec.base_model(job)
        info = self.catalog.base_of(base) if self.catalog is not None and base else None
        if info is None:
            return _DEFAULT_PROFILE
        return _Profile(info.encoding, info.max_example_tokens, info.vision)

    def _read(
        self, name: str, path: Path, root: Path, profile: _Profile, fmt: str | None
    ) -> DatasetReport | None:
        try:
            return inspect_dataset(
                path,
                root=root,
                format=fmt,
                encoding=profile.encoding,
                max_example_tokens=profile.max_example_tokens,
                allow_images=profile.allow_images,
                cache_dir=self.cache_dir,
            )
        except SpecError as exc:
            self.add(exc.diagnostics)
        except (OSError, ReconcilerError) as exc:
            where = self.spec.location("datasets", name, "path")
            self.add([Diagnostic.error(f"dataset {name} ({relpath(path)}): {exc}", where)])
        return None

    def _implied_format(self, name: str) -> str | None:
        """Reinforcement data looks like chat data, so a dataset that only reinforcement jobs
        use is read as reinforcement data even when its format is not written."""
        methods = {
            job.method
            for job in self.spec.jobs.values()
            for reference in (job.training_data, job.validation_data)
            if reference is not None and parse_dataset_ref(reference)[0] == name
        }
        return "reinforcement" if methods == {"reinforcement"} else None

    def _inspect(self, name: str, profiles: list[_Profile]) -> None:
        dataset = self.spec.datasets[name]
        fmt = dataset.format or self._implied_format(name)
        first: DatasetReport | None = None
        for profile in profiles:
            report = self._read(name, dataset.path, self.spec.project_root, profile, fmt)
            if report is None:
                return
            self.add(report.diagnostics)
            first = first or report
        if first is None:
            return
        self.reports[name] = first
        if dataset.split is None:
            return
        if any(d.severity is Severity.ERROR for d in first.diagnostics):
            return  # the parts of a broken file would only repeat its problems
        self._split(name, first, profiles[0])

    def _split(self, name: str, whole: DatasetReport, profile: _Profile) -> None:
        dataset = self.spec.datasets[name]
        split = dataset.split
        assert split is not None
        out_dir = (
            self.cache_dir / SPLITS_FOLDER / whole.sha256 / f"{split.validation!r}-{split.seed}"
        )
        where = self.spec.location("datasets", name, "split")
        try:
            parts = split_dataset(
                dataset.path,
                split.validation,
                split.seed,
                out_dir,
                cache_dir=self.cache_dir,
                root=self.spec.project_root,
            )
        except (OSError, ReconcilerError) as exc:
            self.add([Diagnostic.error(f"cannot split dataset {name}: {exc}", where)])
            return
        for part, path in zip(("train", "validation"), parts, strict=True):
            # The parts are the tool's own files, read within the cache that holds them.
            report = self._read(name, path, self.cache_dir, profile, whole.format)
            if report is None:
                continue
            self.reports[f"{name}:{part}"] = report
            # Line problems were reported against the whole file (whose line numbers the user
            # can look up), and so were its warnings; an error about the part as a whole (too
            # few examples) is new.
            self.add(
                Diagnostic(d.severity, f"{name}:{part}: {d.message}", where)
                for d in report.diagnostics
                if d.severity is Severity.ERROR and (d.location is None or d.location.line == 0)
            )

    def _report(self, reference: str) -> DatasetReport | None:
        return self.reports.get(reference)

    def _formats(self, job_name: str) -> None:
        job = self.spec.jobs[job_name]
        wanted = METHOD_FORMATS[job.method]
        for key, reference in (
            ("training_data", job.training_data),
            ("validation_data", job.validation_data),
        ):
            if reference is None:
                continue
            dataset = self.spec.datasets.get(parse_dataset_ref(reference)[0])
            report = self._report(reference)
            if dataset is None or report is None or dataset.format is not None:
                continue  # a declared format is checked with the spec
            if report.format != wanted:
                self.add(
                    [
                        Diagnostic.error(
                            f"jobs.{job_name}.{key}: method {job.method} trains on {wanted} "
                            f"data, but dataset '{reference}' holds {report.format} data",
                            self.spec.location("jobs", job_name, key),
                        )
                    ]
                )

    def _grader_fields(self, job_name: str) -> None:
        """Every ``{{item.X}}`` the grader reads must be a field of every line of the job's
        data. A split part is checked through its whole file, whose line numbers the user has."""
        job = self.spec.jobs[job_name]
        if job.grader is None:
            return
        references = item_references(job.grader)
        where = self.spec.location("jobs", job_name, "grader")
        for key, reference in (
            ("training_data", job.training_data),
            ("validation_data", job.validation_data),
        ):
            if reference is None:
                continue
            name = parse_dataset_ref(reference)[0]
            report = self.reports.get(name)
            if report is None or report.item_fields is None:
                continue
            for field_path in references:
                lacking = report.item_fields.lacking(field_path)
                if lacking is None:
                    continue
                lines = ", ".join(str(n) for n in lacking.lines)
                more = lacking.missing - len(lacking.lines)
                tail = f" and {more:,} more" if more > 0 else ""
                noun = "line lacks" if lacking.missing == 1 else "lines lack"
                label = "line" if len(lacking.lines) == 1 else "lines"
                self.add(
                    [
                        Diagnostic.error(
                            f"jobs.{job_name}.grader reads {{{{item.{field_path}}}}}, but "
                            f"{lacking.missing:,} {noun} it in {key} '{reference}' "
                            f"({relpath(report.path)}: {label} {lines}{tail}); every line needs "
                            "each field the grader reads",
                            where,
                        )
                    ]
                )

    def _shared(self, job_name: str) -> None:
        job = self.spec.jobs[job_name]
        if job.validation_data is None:
            return
        train = self._report(job.training_data)
        valid = self._report(job.validation_data)
        if train is None or valid is None:
            return
        count = shared_examples(train, valid)
        if count:
            self.add(
                [
                    Diagnostic.warning(
                        f"jobs.{job_name}.validation_data: {count} example"
                        f"{'s' if count != 1 else ''} of '{job.validation_data}' also appear"
                        f"{'s' if count == 1 else ''} in the training data "
                        f"'{job.training_data}'",
                        self.spec.location("jobs", job_name, "validation_data"),
                    )
                ]
            )
