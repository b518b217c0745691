"""Rules across entries: references, splits, training chains, unique Azure names."""

# Expected messages are kept whole, as the tool prints them, so they can be searched for.
# ruff: noqa: E501

from __future__ import annotations

import textwrap

from reconciler.spec import parse_dataset_ref

from .conftest import Reader
from .support import HEAD, SUB, has, messages

DATA = """\
datasets:
  d: {path: d.jsonl}
  s: {path: d.jsonl, split: {validation: 0.2, seed: 1}}
  p: {path: d.jsonl, format: preference}
"""


def spec_with(body: str) -> dict[str, str]:
    return {"a.yaml": HEAD + DATA + textwrap.dedent(body), "d.jsonl": ""}


def job(name: str, **fields: str) -> str:
    values = {"account": "swc", "model": "gpt-4.1-mini-2025-04-14", "training_data": "d", **fields}
    return f"  {name}:\n" + "".join(f"    {k}: {v}\n" for k, v in values.items())


def test_parse_dataset_ref() -> None:
    assert parse_dataset_ref("a") == ("a", None)
    assert parse_dataset_ref("a:train") == ("a", "train")
    assert parse_dataset_ref("a:b:c") == ("a", "b:c")


def test_unknown_account_dataset_and_job_suggest(read: Reader) -> None:
    body = "jobs:\n" + job("j", account="swx", training_data="dd", validation_data="nothing-like")
    body += job("k", model="{job: jj}")
    body += (
        "deployments:\n  dep: {account: nc, model: {job: j2}, sku: {name: Standard, capacity: 1}}\n"
    )
    _, diagnostics = read(spec_with(body))
    assert has(
        diagnostics,
        "spec/a.yaml:11:14: error: jobs.j.account: unknown account 'swx'; did you mean 'swc'?",
    )
    assert has(
        diagnostics,
        "spec/a.yaml:13:20: error: jobs.j.training_data: unknown dataset 'dd'; did you mean 'd'?",
    )
    assert has(diagnostics, "error: jobs.j.validation_data: unknown dataset 'nothing-like'")
    assert has(
        diagnostics, "spec/a.yaml:17:18: error: jobs.k.model: unknown job 'jj'; did you mean 'j'?"
    )
    assert has(
        diagnostics, "error: deployments.dep.account: unknown account 'nc'; did you mean 'ncus'?"
    )
    assert has(diagnostics, "error: deployments.dep.model: unknown job 'j2'; did you mean 'j'?")


def test_reference_to_an_entry_with_its_own_errors_is_not_reported_twice(read: Reader) -> None:
    body = "jobs:\n" + job("broken", seed="-5") + job("k", model="{job: broken}")
    _, diagnostics = read(spec_with(body))
    assert messages(diagnostics) == [
        "spec/a.yaml:14:11: error: jobs.broken.seed must be at least 0, not -5"
    ]


def test_split_parts_need_a_split(read: Reader) -> None:
    body = "jobs:\n" + job("ok", training_data="s:train", validation_data="s:validation")
    body += job("bad", training_data="d:train", validation_data="s:valid")
    spec, diagnostics = read(spec_with(body))
    assert has(
        diagnostics,
        "error: jobs.bad.training_data: 'd:train' needs a split, but dataset 'd' has no `split:",
    )
    assert has(
        diagnostics,
        "error: jobs.bad.validation_data: 's:valid' names no part of a dataset: write s:train or s:validation; did you mean 'validation'?",
    )
    assert not any("jobs.ok" in line for line in messages(diagnostics))
    assert spec.jobs["ok"].training_data == "s:train"


def test_continuous_training_cycle(read: Reader) -> None:
    body = (
        "jobs:\n"
        + job("a", model="{job: c}")
        + job("b", model="{job: a}")
        + job("c", model="{job: b}")
    )
    body += job("self", model="{job: self}") + job("tail", model="{job: a}")
    _, diagnostics = read(spec_with(body))
    cycles = [line for line in messages(diagnostics) if "cycle" in line]
    assert cycles == [
        "spec/a.yaml:12:18: error: jobs.a.model: continuous-training cycle: a -> c -> b -> a",
        "spec/a.yaml:24:18: error: jobs.self.model: continuous-training cycle: self -> self",
    ]


def test_a_chain_without_cycle_is_fine(read: Reader) -> None:
    body = (
        "jobs:\n"
        + job("a")
        + job("b", model="{job: a}")
        + job("c", model="{job: b, checkpoint: 1}")
    )
    spec, diagnostics = read(spec_with(body))
    assert messages(diagnostics) == []
    assert spec.job_chain("c") == ["c", "b", "a"]
    assert spec.base_model("c") == "gpt-4.1-mini-2025-04-14"


def test_beta_only_for_dpo(read: Reader) -> None:
    body = "jobs:\n" + job("sup", hyperparameters="{beta: 0.1}")
    body += job("dpo", method="dpo", training_data="p", hyperparameters="{beta: 0.1}")
    _, diagnostics = read(spec_with(body))
    assert messages(diagnostics) == [
        "spec/a.yaml:14:23: error: jobs.sup.hyperparameters.beta applies only to method dpo "
        "(this job's method is supervised)"
    ]


def test_hyperparameters_are_checked_per_method_even_when_the_job_has_other_errors(
    read: Reader,
) -> None:
    body = "jobs:\n" + job("sup", method="supervised", seed="-1", hyperparameters="{beta: 0.1}")
    body += job("pw", method="dpo", training_data="p", hyperparameters="{prompt_loss_weight: 0.1}")
    _, diagnostics = read(spec_with(body))
    assert has(
        diagnostics,
        "spec/a.yaml:16:23: error: jobs.sup.hyperparameters.beta applies only to method dpo "
        "(this job's method is supervised)",
    )
    assert has(diagnostics, "error: jobs.sup.seed")  # reported together, not one after the other
    assert not has(diagnostics, "jobs.pw.")  # dpo takes the supervised ones too


def test_declared_format_must_fit_the_method(read: Reader) -> None:
    body = "jobs:\n" + job("sup", training_data="p") + job("dpo", method="dpo", training_data="d")
    _, diagnostics = read(spec_with(body))
    assert has(
        diagnostics,
        "error: jobs.sup.training_data: method supervised trains on chat data, but dataset 'p' is declared as preference",
    )
    # `d` declares no format: its content is checked by validate, not here.
    assert len(diagnostics) == 1


def test_checkpoint_must_exist_and_be_kept(read: Reader) -> None:
    body = "jobs:\n" + job("a", hyperparameters="{n_epochs: 5}")
    body += "deployments:\n"
    for n in (1, 2, 3, 5, 6):
        body += f"  c{n}: {{account: swc, model: {{job: a, checkpoint: {n}}}, sku: {{name: Standard, capacity: 1}}}}\n"
    _, diagnostics = read(spec_with(body))
    lines = messages(diagnostics)
    assert any(
        "deployments.c1.model: the service keeps only the checkpoints of the last 3 epochs of job 'a' (3 to 5)"
        in line
        for line in lines
    )
    assert any("deployments.c2.model: the service keeps only" in line for line in lines)
    assert any(
        "deployments.c6.model: job 'a' trains 5 epochs; there is no checkpoint 6" in line
        for line in lines
    )
    assert len(lines) == 3


def test_checkpoint_of_a_job_with_auto_epochs_is_not_judged(read: Reader) -> None:
    body = "jobs:\n" + job("a", hyperparameters="{n_epochs: auto}")
    body += "deployments:\n  c9: {account: swc, model: {job: a, checkpoint: 9}, sku: {name: Standard, capacity: 1}}\n"
    _, diagnostics = read(spec_with(body))
    assert messages(diagnostics) == []


def test_same_azure_deployment_name_on_one_account(read: Reader) -> None:
    body = (
        "jobs:\n"
        + job("a")
        + textwrap.dedent("""\
        deployments:
          first: {account: swc, name: Shared, model: {job: a}, sku: {name: Standard, capacity: 1}}
          second: {account: swc, name: shared, model: {job: a}, sku: {name: Standard, capacity: 1}}
          shared: {account: swc, model: {job: a}, sku: {name: Standard, capacity: 1}}
          other-account: {account: ncus, name: Shared, model: {job: a}, sku: {name: Standard, capacity: 1}}
        """)
    )
    _, diagnostics = read(spec_with(body))
    assert messages(diagnostics) == [
        "spec/a.yaml:16:32: error: deployments.second: Azure deployment name 'shared' is also used by deployment 'first' (at spec/a.yaml:15:3) in account 'swc'",
        "spec/a.yaml:17:3: error: deployments.shared: Azure deployment name 'shared' is also used by deployment 'first' (at spec/a.yaml:15:3) in account 'swc'",
    ]


def test_two_accounts_for_one_azure_resource(read: Reader) -> None:
    files = {
        "a.yaml": HEAD
        + f"  again: {{subscription_id: {SUB}, resource_group: RG-FT, name: AOAI-SWC}}\n"
    }
    _, diagnostics = read(files)
    assert messages(diagnostics) == [
        "spec/a.yaml:5:3: error: accounts.again is the same Azure resource as account 'swc' (at spec/a.yaml:3:3); define it once"
    ]
