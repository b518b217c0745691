"""``load_spec``: a spec directory read, merged, validated and checked, or every problem in it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import ValidationError

from reconciler.catalog import Catalog, load_catalog
from reconciler.confined import describe_refusal
from reconciler.errors import Diagnostic, Diagnostics, Location, ReconcilerError, SpecError, relpath
from reconciler.quoting import environment_values, quote
from reconciler.spec.env import API_KEY_PREFIX, EnvPolicy
from reconciler.spec.errors import translate
from reconciler.spec.files import Entry, MergedSpec, merge_spec_files
from reconciler.spec.gc_pause import gc_paused
from reconciler.spec.hyperparameters import method_hyperparameter_problems
from reconciler.spec.lock_section import check_lock
from reconciler.spec.models import (
    ENTRY_MODELS,
    SECTIONS,
    Account,
    Dataset,
    Deployment,
    Job,
    LockSettings,
    ModelRef,
    SpecModel,
)
from reconciler.spec.places import KeyPath, NodePlace, lookup
from reconciler.spec.reinforcement import reinforcement_problems


@dataclass
class Spec:
    """A whole spec: the merged entries, and where each thing was written."""

    root: Path
    stack: str
    # What the spec may read (SPEC.md §5.1) and where the tool's state lives.
    project_root: Path
    accounts: dict[str, Account] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    places: dict[KeyPath, NodePlace] = field(default_factory=dict, repr=False)
    # Warnings found while loading (load_spec raises on errors, so only warnings stay here).
    warnings: list[Diagnostic] = field(default_factory=list)
    # Each value read from the environment -> its ``${env:NAME}``: later checks (datasets)
    # quote values under ``quoting.environment_values(spec.env_values)``.
    env_values: dict[str, str] = field(default_factory=dict, repr=False)
    # `lock:` (SPEC.md §5.6); None: apply locks with a file in the project root.
    lock: LockSettings | None = None

    def location(self, *keys: str | int) -> Location:
        """Where ``keys`` (e.g. "deployments", "x", "sku", "capacity") was written.

        Falls back to the nearest ancestor that was written (a default value has no place of
        its own; its entry does). Scalars are placed at their value, mappings at their key.
        """
        place = lookup(self.places, tuple(keys))
        return place.preferred if place is not None else Location(relpath(self.root))

    def key_location(self, *keys: str | int) -> Location:
        """Where the key of ``keys`` was written (falls back like ``location``)."""
        place = lookup(self.places, tuple(keys))
        return place.key_or_value if place is not None else Location(relpath(self.root))

    def job_chain(self, job: str) -> list[str]:
        """``job`` and the jobs it continues from, nearest first (stops at a cycle)."""
        chain: list[str] = []
        current: str | None = job
        while current is not None and current in self.jobs and current not in chain:
            chain.append(current)
            model = self.jobs[current].model
            current = model.job if isinstance(model, ModelRef) else None
        return chain

    def base_model(self, job: str) -> str | None:
        """The model id (base, or an existing fine-tuned id) the chain of ``job`` starts from."""
        chain = self.job_chain(job)
        if not chain:
            return None
        model = self.jobs[chain[-1]].model
        return model if isinstance(model, str) else None


def load_spec(
    root: Path,
    *,
    environ: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    allow_env: Iterable[str] = (),
) -> Spec:
    """The spec in ``root``; raises SpecError with every problem (located) if any is an error."""
    spec, diagnostics = read_spec(root, environ=environ, catalog=catalog, allow_env=allow_env)
    if diagnostics.has_errors:
        raise SpecError(diagnostics.items)
    spec.warnings = diagnostics.warnings
    return spec


def read_spec(
    root: Path,
    *,
    environ: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    allow_env: Iterable[str] = (),
    unset_env_is_note: bool = False,
) -> tuple[Spec, Diagnostics]:
    """The spec as far as it is valid, and every problem found; never raises for bad input.

    Entries with errors are left out of the returned spec (their names still count as defined,
    so references to them are not reported a second time). ``${env:NAME}`` reads only the
    variables ``env.EnvPolicy`` allows, with ``allow_env`` (``--allow-env``) added; with
    ``unset_env_is_note`` an allowed variable that is unset is a note, not an error.
    """
    with gc_paused():  # linear in the spec's size (gc_pause)
        return _read_spec(root, environ, catalog, allow_env, unset_env_is_note)


def _read_spec(
    root: Path,
    environ: Mapping[str, str] | None,
    catalog: Catalog | None,
    allow_env: Iterable[str],
    unset_env_is_note: bool,
) -> tuple[Spec, Diagnostics]:
    environ = os.environ if environ is None else environ
    policy = replace(EnvPolicy.of(environ, allow_env), unset_is_note=unset_env_is_note)
    diagnostics = Diagnostics()
    merged = merge_spec_files(root, environ, policy)
    diagnostics.extend(merged.diagnostics)
    spec = Spec(
        root=root,
        stack=merged.stack or "",
        project_root=merged.project_root,
        files=merged.files,
        places=merged.places,
    )
    spec.env_values = merged.env_values
    with environment_values(spec.env_values):
        _check(spec, merged, policy, catalog, diagnostics)
    # A file that is not YAML first: what follows from it (a name it defined, unknown) is noise.
    diagnostics.items.sort(key=lambda d: _order(d, merged.unreadable))
    return spec, diagnostics


def _check(
    spec: Spec,
    merged: MergedSpec,
    policy: EnvPolicy,
    catalog: Catalog | None,
    diagnostics: Diagnostics,
) -> None:
    from reconciler.spec.catalog_checks import check_catalog
    from reconciler.spec.gates import check_gates
    from reconciler.spec.references import check_references

    for section in SECTIONS:
        for name, entry in merged.entries[section].items():
            diagnostics.extend(method_hyperparameter_problems(entry))
            diagnostics.extend(reinforcement_problems(entry))
            model = _validate_entry(entry, diagnostics)
            if model is not None:
                _store(spec, section, name, model, entry, diagnostics)
    diagnostics.extend(_api_key_envs(spec, policy))
    spec.lock, lock_problems = check_lock(merged.lock, policy)
    diagnostics.extend(lock_problems)
    defined = {section: frozenset(merged.entries[section]) for section in SECTIONS}
    # A file that could not be read may define any name: an unknown one is not reported.
    diagnostics.extend(check_references(spec, defined, names_known=not merged.unreadable))
    diagnostics.extend(check_gates(spec))
    if catalog is None:
        try:
            catalog = load_catalog()
        except ReconcilerError as exc:
            diagnostics.error(f"cannot load the model catalog: {exc}")
    if catalog is not None:
        diagnostics.extend(check_catalog(spec, catalog))


def _api_key_envs(spec: Spec, policy: EnvPolicy) -> list[Diagnostic]:
    """``api_key_env`` names the data-plane credential: only a variable meant for it."""
    out: list[Diagnostic] = []
    for name, account in spec.accounts.items():
        variable = account.api_key_env
        if variable is not None and not policy.allows_api_key(variable):
            out.append(
                Diagnostic.error(
                    f"accounts.{name}.api_key_env: {quote(variable)} may not hold the key: "
                    f"name a variable starting {API_KEY_PREFIX}, or allow this one with "
                    "--allow-env NAME",
                    spec.location("accounts", name, "api_key_env"),
                )
            )
    return out


def _order(diagnostic: Diagnostic, first: set[str]) -> tuple[bool, str, int, int]:
    where = diagnostic.location
    if where is None:
        return (False, "", 0, 0)
    return (where.path not in first, where.path, where.line, where.col)


def _validate_entry(entry: Entry, diagnostics: Diagnostics) -> SpecModel | None:
    model_class = ENTRY_MODELS[entry.section]
    data = entry.data
    notes: dict[KeyPath, str] = {}
    if entry.section == "deployments" and isinstance(data, dict) and "name" not in data:
        data = {**data, "name": entry.name}
        notes[(*entry.path, "name")] = "(the name defaults to the entry's key; set `name:`)"
    try:
        return model_class.model_validate(data)
    except ValidationError as exc:
        diagnostics.extend(
            translate(
                exc,
                model=model_class,
                data=data,
                base=entry.path,
                locate=entry.locate,
                locate_key=entry.locate_key,
                from_env=entry.env,
                notes=notes,
                silence=entry.env_failed,
            )
        )
        return None


def _store(
    spec: Spec, section: str, name: str, model: SpecModel, entry: Entry, diagnostics: Diagnostics
) -> None:
    if isinstance(model, Account):
        spec.accounts[name] = model
    elif isinstance(model, Dataset):
        spec.datasets[name] = _resolve_dataset(name, model, entry, spec.project_root, diagnostics)
    elif isinstance(model, Job):
        spec.jobs[name] = model
    elif isinstance(model, Deployment):
        spec.deployments[name] = model


def _resolve_dataset(
    name: str, dataset: Dataset, entry: Entry, project: Path, diagnostics: Diagnostics
) -> Dataset:
    """The dataset with its path made absolute against the folder of the file naming it."""
    written = dataset.path
    folder = entry.doc.path.parent
    resolved = Path(os.path.abspath(written if written.is_absolute() else folder / written))
    place = entry.locate(("datasets", name, "path"))
    problem = file_problem(resolved, project)
    if problem is not None:
        diagnostics.error(problem, place)
    return dataset.model_copy(update={"path": resolved})


def file_problem(path: Path, project: Path) -> str | None:
    """Why ``path`` cannot be read as a dataset file (not found, not a regular file, outside
    the project root after symlinks), or None; nothing of the file is read."""
    return describe_refusal(path, project, "dataset file")
