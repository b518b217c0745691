"""`reconciler import [DIR] ADDRESS...`: adopt what exists in Azure into the stack.

Two kinds of address (SPEC.md §5.2):

- ``deployment.NAME``: a deployment of the spec's Azure name that exists in the account
  without the stack's tag (plan reports it as a collision). Import adds the stack's tags
  (`managed-by`, `reconciler-stack`, and `reconciler-prevent-destroy` while the spec sets
  `prevent_destroy`), keeping every other tag, with one PATCH of the tags
  (`Deployments_Update`, body `PatchResourceTagsAndSku` without `sku`): the model, sku and
  every other property stay as Azure holds them, and the deployment keeps serving. (A PUT
  would have to send every property back and could drop one the client does not know.)
  A deployment another stack's tag claims is refused; one already this stack's needs nothing.
- ``file.DATASET@ACCOUNT``: a file uploaded by hand (purpose fine-tune, no sha256 in its name)
  whose size could be the dataset's (canonical or on-disk bytes, or unknown) is downloaded
  and hashed once, streamed; a file whose canonical sha256 is the dataset's is recorded
  (`reconciler.adopted_files`) so that plan uses it instead of uploading again.

Everything is found first; any error (an address not in the spec, another stack's deployment,
nothing to import) changes nothing. Then what will change is shown, confirmed (or
`--auto-approve`; without a terminal to ask on, refused like apply), and carried out under the
stack's lock, the one apply takes.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from reconciler.adopted_files import AdoptedFiles, Recognised
from reconciler.apply.stack_lock import hold_stack_lock
from reconciler.azure import lookup, write
from reconciler.azure.file_digest import canonical_sha256
from reconciler.azure.observe import AccountAccess, Observation
from reconciler.commands.pipeline import Prepared, Session, compute_plan, prepare
from reconciler.errors import Diagnostic, Location, ReconcilerError
from reconciler.kinds import file as file_kind
from reconciler.kinds.deployment import owner_of, wanted_tags
from reconciler.plan import Action, Plan
from reconciler.plan.desired import DesiredDeployment, DesiredFile
from reconciler.plan.naming import FINE_TUNE_PURPOSE, TAG_STACK
from reconciler.plan.observed import FileState, ObservedAccount, ObservedDeployment, ObservedFile
from reconciler.quoting import quote
from reconciler.spec.errors import did_you_mean

NO_TERMINAL = (
    "error: import needs confirmation and there is no terminal to ask on; "
    "pass --auto-approve (e.g. in CI) to import without asking. Nothing was done."
)
CANCELLED = "Import cancelled; nothing was done."
NOTHING_DONE = "Nothing was done."


@dataclass(frozen=True)
class DeploymentAdoption:
    """The stack's tags to add to a deployment (``tags``: the whole set it will carry)."""

    address: str
    account: str
    account_name: str
    name: str
    added: Mapping[str, str]  # tag -> value, the only change
    tags: Mapping[str, str]  # every tag it will carry
    previous: Mapping[str, str]  # the tags it carries now
    location: Location | None = None


@dataclass(frozen=True)
class FileAdoption:
    """A file uploaded by hand found holding a dataset's content."""

    address: str
    account: str
    account_name: str
    arm_id: str
    dataset: str
    file: ObservedFile
    sha256: str


@dataclass
class ImportPlan:
    stack: str
    deployments: list[DeploymentAdoption] = field(default_factory=list)
    files: list[FileAdoption] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # addresses that need nothing
    # what plan shows for the imported addresses once imported (action, reason), for review
    then: dict[str, tuple[Action, str]] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.deployments or self.files)


@dataclass(frozen=True)
class ImportOutcome:
    plan: ImportPlan
    done: bool  # False: nothing to import
    unrecorded: tuple[str, ...] = ()  # file addresses whose record could not be written


class ImportListener(Protocol):
    def warning(self, diagnostic: Diagnostic) -> None:
        """A warning about the spec."""

    def waiting(self, message: str) -> None:
        """About the stack's lock: another apply or import holds it, or its lease was lost."""

    def planned(self, plan: ImportPlan, *, asks: bool) -> None:
        """What will change, before anything is done."""

    def confirm(self, prompt: str) -> bool:
        """Yes or no from the person at the terminal (only asked when ``interactive``)."""

    def progress(self, message: str) -> None:
        """A step is being taken (a download, a PATCH)."""


def import_resources(
    spec_dir: Path,
    addresses: Iterable[str],
    listener: ImportListener,
    *,
    auto_approve: bool,
    interactive: bool,
    lock_timeout: float = 0.0,
    log_http: Path | None = None,
    allow_env: Iterable[str] = (),
) -> ImportOutcome:
    """Find, show, confirm and carry out the import of ``addresses``; ReconcilerError (nothing
    done) for any address that cannot be imported, a refusal or a cancellation."""
    wanted = list(dict.fromkeys(addresses))
    if not wanted:
        raise ReconcilerError("error: name at least one ADDRESS to import (see --help)")
    prepared = prepare(spec_dir, on_warning=listener.warning, allow_env=allow_env)
    _check_addresses(prepared, wanted)  # before Azure is read: a typo costs nothing
    project = prepared.spec.project_root
    command = "reconciler import " + " ".join(shlex.quote(a) for a in [str(spec_dir), *wanted])
    # the lock apply takes (a shared Blob lease when the spec has `lock:`), writes gated on it
    held = hold_stack_lock(
        prepared.spec, command=command, timeout=lock_timeout, say=listener.waiting
    )
    adopted = AdoptedFiles.of_project(project)
    with held, Session.open(log_http) as session:
        observation = session.observe(prepared)
        found = find_imports(prepared, observation, wanted, session, listener)
        found.then = _then(prepared, observation, found)
        asks = found.has_changes and not auto_approve and interactive
        listener.planned(found, asks=asks)
        if not found.has_changes:
            return ImportOutcome(found, done=False)
        if not auto_approve:
            if not interactive:
                raise ReconcilerError(NO_TERMINAL)
            if not listener.confirm("Import these?"):
                raise ReconcilerError(CANCELLED)
        for adoption in found.deployments:
            access = observation.access[adoption.account]
            listener.progress(f"tagging {adoption.name} in {adoption.account_name}")
            write.patch_deployment_tags(
                lookup.arm_for(session.clients, access),
                access.resource_group,
                access.name,
                adoption.name,
                dict(adoption.tags),
            )
        unrecorded = _record(adopted, found.files)
    return ImportOutcome(found, done=True, unrecorded=unrecorded)


def _record(adopted: AdoptedFiles, files: list[FileAdoption]) -> tuple[str, ...]:
    by_account: dict[str, list[FileAdoption]] = {}
    for item in files:
        by_account.setdefault(item.arm_id, []).append(item)
    failed: list[str] = []
    for arm_id, items in by_account.items():
        records = [Recognised(i.file.id, i.sha256, i.file.bytes) for i in items]
        if not adopted.record(arm_id, records):
            failed.extend(i.address for i in items)
    return tuple(failed)


# -- finding what to import ----------------------------------------------------------------


def importable_addresses(prepared: Prepared) -> list[str]:
    desired = prepared.desired
    found = [d.address for d in desired.deployments.values()]
    found.extend(f.address for f in desired.files())
    return sorted(found)


def _check_addresses(prepared: Prepared, addresses: list[str]) -> None:
    known = importable_addresses(prepared)
    errors = []
    for address in addresses:
        if address in known:
            continue
        kinds = "deployment.NAME or file.DATASET@ACCOUNT"
        unused = _unused_dataset(prepared, address)
        if address.startswith("job."):
            errors.append(
                f"error: cannot import {quote(address)}: a job needs no import; plan "
                "recognises a job made outside reconciler by its inputs (model, data content, "
                f"method, hyperparameters, seed, suffix). Import takes {kinds} addresses"
            )
        elif unused is not None:
            errors.append(f"error: cannot import {quote(address)}: {unused}")
        elif not address.startswith(("deployment.", "file.")):
            # a bare deployment name is the likeliest slip
            bare = f"deployment.{address}"
            hint = (
                f"; did you mean {quote(bare)}?" if bare in known else did_you_mean(address, known)
            )
            errors.append(
                f"error: cannot import {quote(address)}: import takes {kinds} addresses "
                f"as plan lists them{hint}"
            )
        else:
            shown = quote(address, plain=True)
            errors.append(
                f"error: {shown} is not in the spec{did_you_mean(address, known)} "
                f"(importable: {_listed(known)})"
            )
    if errors:
        raise ReconcilerError("\n".join([*errors, NOTHING_DONE]))


def _unused_dataset(prepared: Prepared, address: str) -> str | None:
    """Why ``file.DATASET@ACCOUNT`` names no file when the dataset and account are in the spec
    but no job of that account trains on it (reconciler uploads files only for jobs)."""
    dataset, at, account = address.removeprefix("file.").partition("@")
    spec = prepared.spec
    if not address.startswith("file.") or not at:
        return None
    if dataset not in spec.datasets or account not in spec.accounts:
        return None
    return (
        f"no job of account {account} trains on dataset {dataset}, so the stack has no file "
        f"of it there to import; add a job that uses it, then import {address}"
    )


def _listed(addresses: list[str], limit: int = 8) -> str:
    if not addresses:
        return "none"
    more = len(addresses) - limit
    return ", ".join(addresses[:limit]) + (f", and {more} more" if more > 0 else "")


def find_imports(
    prepared: Prepared,
    observation: Observation,
    addresses: list[str],
    session: Session,
    listener: ImportListener,
) -> ImportPlan:
    desired = prepared.desired
    deployments = {d.address: d for d in desired.deployments.values()}
    files = {f.address: f for f in desired.files()}
    found = ImportPlan(desired.stack)
    errors: list[str] = []
    for address in addresses:
        if address in deployments:
            error = _find_deployment(found, deployments[address], observation)
        else:
            error = _find_file(found, files[address], prepared, observation, session, listener)
        if error is not None:
            errors.append(error)
    if errors:
        raise ReconcilerError("\n".join([*errors, NOTHING_DONE]))
    return found


def _account(observation: Observation, key: str) -> ObservedAccount:
    account = observation.observed.accounts.get(key)
    if account is None:  # observe raises for an account it cannot read
        raise ReconcilerError(f"error: account {key} was not read")
    return account


def _find_deployment(
    found: ImportPlan, desired: DesiredDeployment, observation: Observation
) -> str | None:
    account = _account(observation, desired.account)
    where = desired.where("name")
    place = f"{where}: " if where is not None else ""
    existing: ObservedDeployment | None = account.deployment(desired.azure_name)
    stack = found.stack
    if existing is None:
        return (
            f"{place}error: {desired.address}: there is no deployment named "
            f"{desired.azure_name} in {account.name} to import (plan creates it)"
        )
    owner = owner_of(existing)
    if owner == stack:
        found.notes.append(
            f"{desired.address}: {existing.name} in {account.name} is already "
            f"this stack's ({TAG_STACK}: {stack}); nothing to import"
        )
        return None
    if owner:
        return (
            f"{place}error: {desired.address}: the deployment {existing.name} in {account.name} "
            f"belongs to stack {owner} ({TAG_STACK}: {owner}); reconciler does not take a "
            "deployment from another stack: remove it from that stack's spec and its tag in "
            "Azure first, or give this entry another name"
        )
    if existing.provisioning_in_progress:
        return (
            f"{place}error: {desired.address}: {existing.name} in {account.name} is "
            f"{existing.provisioning_state}; import it once that operation has finished"
        )
    tags = wanted_tags(stack, desired.prevent_destroy, existing.tags)
    added = {k: v for k, v in tags.items() if existing.tags.get(k) != v}
    found.deployments.append(
        DeploymentAdoption(
            desired.address,
            account.key,
            account.name,
            existing.name,
            added,
            tags,
            dict(existing.tags),
            where,
        )
    )
    return None


def _raw_size(prepared: Prepared, dataset: str) -> int | None:
    report = prepared.validation.datasets.get(dataset)
    if report is None:
        return None
    try:
        return os.stat(report.path).st_size
    except OSError:
        return None


def candidates(files: Iterable[ObservedFile], sizes: frozenset[int]) -> list[ObservedFile]:
    """Files that could hold the content: fine-tune files uploaded by hand (no sha256 in the
    name, not yet hashed), processed or being processed, of one of ``sizes`` or of a size
    Azure does not say; the oldest first."""
    return sorted(
        (
            f
            for f in files
            if f.purpose == FINE_TUNE_PURPOSE
            and f.content() is None
            and f.state in (FileState.READY, FileState.PENDING)
            and (f.bytes is None or f.bytes in sizes)
        ),
        key=lambda f: (f.created_at or 0, f.id),
    )


def _find_file(
    found: ImportPlan,
    desired: DesiredFile,
    prepared: Prepared,
    observation: Observation,
    session: Session,
    listener: ImportListener,
) -> str | None:
    account = _account(observation, desired.account)
    held = file_kind.seen(desired.sha256, desired.bytes, account.files)
    if held is not None and held.state is not FileState.ERROR:
        found.notes.append(
            f"{desired.address}: {held.id} ({held.filename}) in {account.name} already holds "
            "this content; nothing to import"
        )
        return None
    raw = _raw_size(prepared, desired.dataset)
    sizes = frozenset(s for s in (desired.bytes, raw) if s is not None)
    looked = candidates(account.files, sizes)
    access: AccountAccess = observation.access[desired.account]
    client = lookup.data_plane_for(session.clients, access)
    for observed in looked:
        listener.progress(f"hashing {observed.id} ({observed.filename}) in {account.name}")
        digest = canonical_sha256(client, account.name, observed.id, max_bytes=max(sizes))
        if digest is not None and digest.sha256 == desired.sha256:
            found.files.append(
                FileAdoption(
                    desired.address,
                    account.key,
                    account.name,
                    account.arm_id,
                    desired.dataset,
                    dataclasses.replace(observed, bytes=observed.bytes or digest.raw_bytes),
                    desired.sha256,
                )
            )
            return None
    shown = desired.path or desired.dataset
    looked_at = (
        f"{len(looked)} file(s) uploaded by hand of a size it could have were hashed and "
        "none matches"
        if looked
        else "no file uploaded by hand has a size it could have"
    )
    return (
        f"error: {desired.address}: no file in {account.name} holds the content of {shown} "
        f"(sha256 {desired.sha256[:12]}…, {desired.bytes} bytes): {looked_at}; plan uploads it"
    )


def _then(
    prepared: Prepared, observation: Observation, found: ImportPlan
) -> dict[str, tuple[Action, str]]:
    """What plan will show for each imported address once imported: the import changes only
    tags, so a deployment that differs from the spec in other fields is then updated or
    replaced by the next apply; the reviewer sees that now."""
    if not found.has_changes:
        return {}
    accounts = dict(observation.observed.accounts)
    for adoption in found.deployments:
        account = accounts[adoption.account]
        deployments = tuple(
            dataclasses.replace(d, tags=dict(adoption.tags)) if d.name == adoption.name else d
            for d in account.deployments
        )
        accounts[adoption.account] = dataclasses.replace(account, deployments=deployments)
    for item in found.files:
        account = accounts[item.account]
        files = tuple(
            dataclasses.replace(f, content_sha256=item.sha256) if f.id == item.file.id else f
            for f in account.files
        )
        accounts[item.account] = dataclasses.replace(account, files=files)
    observed = dataclasses.replace(observation.observed, accounts=accounts)
    after: Plan = compute_plan(prepared, dataclasses.replace(observation, observed=observed))
    imported = {a.address for a in found.deployments} | {f.address for f in found.files}
    return {
        change.address: (change.action, change.reason)
        for change in after.changes
        if change.address in imported
    }
