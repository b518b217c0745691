"""The entries' fields: types, ranges, name rules, and how their errors read."""

# Expected messages are kept whole, as the tool prints them, so they can be searched for.
# ruff: noqa: E501

from __future__ import annotations

import textwrap

import pytest

from reconciler.spec import Deployment, Job, ModelRef
from reconciler.spec.errors import describe, suggest

from .conftest import Reader
from .support import HEAD, has, messages

DATA = "datasets:\n  d: {path: d.jsonl}\n"


def job_spec(extra: str = "", **fields: str) -> dict[str, str]:
    values = {
        "account": "swc",
        "model": "gpt-4.1-mini-2025-04-14",
        "training_data": "d",
        **fields,
    }
    body = "".join(f"    {k}: {v}\n" for k, v in values.items() if v != "-")
    return {"a.yaml": HEAD + DATA + "jobs:\n  j:\n" + body + extra, "d.jsonl": ""}


def deployment_spec(**fields: str) -> dict[str, str]:
    values = {
        "account": "swc",
        "model": "gpt-4.1-mini-2025-04-14",
        "sku": "{name: GlobalStandard, capacity: 1}",
        **fields,
    }
    body = "".join(f"    {k}: {v}\n" for k, v in values.items() if v != "-")
    return {"a.yaml": HEAD + "deployments:\n  dep:\n" + body}


def test_a_full_valid_job_and_its_defaults(read: Reader) -> None:
    spec, diagnostics = read(job_spec())
    assert messages(diagnostics) == []
    job = spec.jobs["j"]
    assert isinstance(job, Job)
    assert (job.method, job.training_type, job.suffix, job.seed) == (
        "supervised",
        "standard",
        None,
        None,
    )
    assert job.hyperparameters.n_epochs is None


def test_misspelt_key_suggests_the_right_one(read: Reader) -> None:
    _, diagnostics = read(job_spec(trainig_data="d", training_data="-"))
    # Only the suggestion; no second error for the missing key it stands for.
    assert messages(diagnostics) == [
        "spec/a.yaml:11:5: error: unknown key 'trainig_data' in jobs.j; did you mean 'training_data'?"
    ]


def test_unknown_key_without_a_close_match_lists_the_keys(read: Reader) -> None:
    _, diagnostics = read(deployment_spec(colour="blue"))
    assert has(
        diagnostics,
        "spec/a.yaml:10:5: error: unknown key 'colour' in deployments.dep; expected one of: account, name, model",
    )


def test_nested_misspelt_key(read: Reader) -> None:
    _, diagnostics = read(job_spec(hyperparameters="{n_epoch: 3}"))
    assert has(
        diagnostics,
        "spec/a.yaml:12:23: error: unknown key 'n_epoch' in jobs.j.hyperparameters; did you mean 'n_epochs'?",
    )


def test_missing_required_key_is_placed_at_the_entry(read: Reader) -> None:
    _, diagnostics = read(deployment_spec(sku="-"))
    assert messages(diagnostics) == [
        "spec/a.yaml:6:3: error: deployments.dep is missing required key 'sku'"
    ]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("n_epochs", "1", True),
        ("n_epochs", "50", True),
        ("n_epochs", "auto", True),
        ("n_epochs", "0", False),
        ("n_epochs", "51", False),
        ("n_epochs", "2.5", False),
        ("n_epochs", "'3'", False),
        ("n_epochs", "true", False),
        ("n_epochs", "Auto", False),
        ("batch_size", "256", True),
        ("batch_size", "257", False),
        ("batch_size", "0", False),
        ("learning_rate_multiplier", "0.02", True),
        ("learning_rate_multiplier", "10", True),
        ("learning_rate_multiplier", "0", False),
        ("learning_rate_multiplier", "10.5", False),
        ("learning_rate_multiplier", ".nan", False),
        ("prompt_loss_weight", "0", True),
        ("prompt_loss_weight", "1", True),
        ("prompt_loss_weight", "1.01", False),
        ("prompt_loss_weight", "-0.1", False),
    ],
)
def test_hyperparameter_ranges(read: Reader, field: str, value: str, ok: bool) -> None:
    _, diagnostics = read(job_spec(hyperparameters=f"{{{field}: {value}}}"))
    assert (not diagnostics.has_errors) is ok, messages(diagnostics)
    if not ok:
        assert has(
            diagnostics,
            "spec/a.yaml:12:",
            f"error: jobs.j.hyperparameters.{field} must be",
            "or 'auto', not",
        )


@pytest.mark.parametrize(
    ("value", "ok"), [("0.1", True), ("2", True), ("0", False), ("2.1", False)]
)
def test_beta_range_for_dpo(read: Reader, value: str, ok: bool) -> None:
    files = job_spec(method="dpo", hyperparameters=f"{{beta: {value}}}")
    _, diagnostics = read(files)
    assert (not diagnostics.has_errors) is ok, messages(diagnostics)


def test_hyperparameter_values_are_kept_with_their_type(read: Reader) -> None:
    spec, _ = read(
        job_spec(hyperparameters="{n_epochs: 3, learning_rate_multiplier: 1, batch_size: auto}")
    )
    hp = spec.jobs["j"].hyperparameters
    assert hp.n_epochs == 3 and isinstance(hp.n_epochs, int)
    assert hp.learning_rate_multiplier == 1.0 and isinstance(hp.learning_rate_multiplier, float)
    assert hp.batch_size == "auto"


@pytest.mark.parametrize(
    ("suffix", "ok"),
    [
        ("clippy", True),
        ("a-b_C9", True),
        ("x" * 40, True),
        ("x" * 41, False),
        ("a.b", False),
        ("'a b'", False),
        ("''", False),
    ],
)
def test_suffix_rules(read: Reader, suffix: str, ok: bool) -> None:
    _, diagnostics = read(job_spec(suffix=suffix))
    assert (not diagnostics.has_errors) is ok, messages(diagnostics)
    if not ok:
        assert has(
            diagnostics, "spec/a.yaml:12:13: error: jobs.j.suffix", "1 to 40 of A-Z a-z 0-9 _ -"
        )


def test_seed_range(read: Reader) -> None:
    assert not read(job_spec(seed="2147483647"))[1].has_errors
    assert has(read(job_spec(seed="-1"))[1], "error: jobs.j.seed must be at least 0, not -1")
    assert has(
        read(job_spec(seed="2147483648"))[1], "error: jobs.j.seed must be at most 2147483647"
    )


def test_literal_fields_suggest(read: Reader) -> None:
    _, diagnostics = read(job_spec(method="DPO", training_type="global"))
    assert has(
        diagnostics,
        "spec/a.yaml:12:13: error: jobs.j.method must be one of 'supervised', 'dpo', 'reinforcement', not 'DPO'; "
        "did you mean 'dpo'?",
    )
    assert has(
        diagnostics,
        "spec/a.yaml:13:20: error: jobs.j.training_type must be one of",
        "did you mean 'globalstandard'?",
    )


def test_model_is_an_id_or_a_job_reference(read: Reader) -> None:
    spec, diagnostics = read(
        job_spec(
            model="{job: j0, checkpoint: 2}",
            extra="  j0:\n    account: swc\n    model: gpt-4.1-mini-2025-04-14\n    training_data: d\n    hyperparameters: {n_epochs: 3}\n",
        )
    )
    assert messages(diagnostics) == []
    assert spec.jobs["j"].model == ModelRef(job="j0", checkpoint=2)
    _, bad = read(job_spec(model="[a, b]"))
    assert has(bad, "spec/a.yaml:10:5: error: jobs.j.model must be a model id or {job: NAME}")
    _, extra = read(job_spec(model="{job: j, checkpiont: 1}"))
    assert has(extra, "error: unknown key 'checkpiont' in jobs.j.model; did you mean 'checkpoint'?")


def test_sku_name_unknown_suggests_and_capacity_must_be_positive(read: Reader) -> None:
    _, diagnostics = read(deployment_spec(sku="{name: GlobalStandrad, capacity: 0}"))
    assert has(
        diagnostics,
        "spec/a.yaml:9:17: error: deployments.dep.sku.name must be one of",
        "not 'GlobalStandrad'; did you mean 'GlobalStandard'?",
    )
    assert has(
        diagnostics,
        "spec/a.yaml:9:43: error: deployments.dep.sku.capacity must be at least 1, not 0",
    )
    _, text = read(deployment_spec(sku="{name: Standard, capacity: ten}"))
    assert has(text, "error: deployments.dep.sku.capacity must be an integer, not 'ten'")


def test_deployment_name_defaults_to_the_key(read: Reader) -> None:
    spec, diagnostics = read(deployment_spec())
    assert messages(diagnostics) == []
    deployment = spec.deployments["dep"]
    assert isinstance(deployment, Deployment)
    assert deployment.name == "dep"
    assert deployment.prevent_destroy is False


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("ab", True),
        ("a.b_c-9", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("a", False),
        ("'a b'", False),
        ("a/b", False),
        # Dot-segments and a trailing dot: an ARM URL path would fold them onto the account.
        ("'..'", False),
        ("'.'", False),
        ("'ab.'", False),
        ("'.ab'", False),
        ("-ab", False),
        ("'a..b'", True),
        ("'%2e%2e'", False),
    ],
)
def test_deployment_name_rules(read: Reader, name: str, ok: bool) -> None:
    _, diagnostics = read(deployment_spec(name=name))
    assert (not diagnostics.has_errors) is ok, messages(diagnostics)


def test_default_deployment_name_that_breaks_the_rule_says_so(read: Reader) -> None:
    files = {
        "a.yaml": HEAD
        + textwrap.dedent("""\
        deployments:
          x:
            account: swc
            model: gpt-4.1-mini-2025-04-14
            sku: {name: GlobalStandard, capacity: 1}
        """)
    }
    _, diagnostics = read(files)
    assert messages(diagnostics) == [
        "spec/a.yaml:6:3: error: deployments.x.name 'x' is not a valid deployment name: "
        "2 to 64 of A-Z a-z 0-9 _ . - starting with a letter or digit, not ending in . (the name defaults to the entry's key; set `name:`)"
    ]


def test_a_dot_segment_deployment_name_is_an_error_at_its_place(read: Reader) -> None:
    _, diagnostics = read(deployment_spec(name='".."'))
    assert messages(diagnostics) == [
        "spec/a.yaml:10:11: error: deployments.dep.name '..' is not a valid deployment name: "
        "2 to 64 of A-Z a-z 0-9 _ . - starting with a letter or digit, not ending in ."
    ]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("name", "aoai-swc", True),
        ("name", "a.b_c-1", True),
        ("name", '".."', False),
        ("name", '"a/b"', False),
        ("name", '"%2e%2e"', False),
        ("name", "x" * 65, False),
        ("resource_group", '"rg(1)"', True),
        ("resource_group", '".."', False),
        ("resource_group", '"."', False),
        ("resource_group", '"../x"', False),
        ("resource_group", '"a/b"', False),
        ("resource_group", "r" * 91, False),
        ("tenant_id", "contoso", True),
        ("tenant_id", "22222222-2222-2222-2222-222222222222", True),
        ("tenant_id", '".."', False),
        ("tenant_id", '"a..b"', False),
        ("tenant_id", '"a/b"', False),
        ("subscription_id", '"../00000000-0000-0000-0000-000000000001"', False),
    ],
)
def test_names_in_arm_urls_follow_azure_rules(
    read: Reader, field: str, value: str, ok: bool
) -> None:
    fields = {
        "subscription_id": "00000000-0000-0000-0000-000000000001",
        "resource_group": "rg",
        "name": "aoai",
        field: value,
    }
    body = ", ".join(f"{k}: {v}" for k, v in fields.items())
    _, diagnostics = read({"a.yaml": f"stack: s\naccounts:\n  a: {{{body}}}\n"})
    assert (not diagnostics.has_errors) is ok, messages(diagnostics)
    if not ok:
        assert has(diagnostics, "spec/a.yaml:3:") and has(diagnostics, f"accounts.a.{field} ")


def test_account_fields(read: Reader) -> None:
    files = {
        "a.yaml": textwrap.dedent("""\
        stack: s
        accounts:
          a: {subscription_id: not-a-guid, resource_group: "rg.", name: "-x", api_key_env: 1KEY}
          b: {subscription_id: 00000000-0000-0000-0000-000000000002, resource_group: rg, name: ok-name, api_key_env: AZURE_OPENAI_KEY, tenant_id: contoso.onmicrosoft.com}
        """)
    }
    spec, diagnostics = read(files)
    assert has(
        diagnostics,
        "spec/a.yaml:3:24: error: accounts.a.subscription_id 'not-a-guid' is not a valid subscription id",
    )
    assert has(diagnostics, "error: accounts.a.resource_group 'rg.' is not a valid resource group")
    assert has(diagnostics, "error: accounts.a.name '-x' is not a valid account name")
    assert has(
        diagnostics, "error: accounts.a.api_key_env '1KEY' is not a valid environment variable name"
    )
    assert len(diagnostics) == 4
    assert spec.accounts["b"].tenant_id == "contoso.onmicrosoft.com"
    assert "a" not in spec.accounts


def test_dataset_fields(read: Reader) -> None:
    files = {
        "a.yaml": "stack: s\ndatasets:\n  a: {path: d.jsonl, split: {validation: 0}}\n  b: {path: d.jsonl, split: {validation: 0.2}, format: preference}\n  c: {path: 5}\n",
        "d.jsonl": "",
    }
    spec, diagnostics = read(files)
    assert has(
        diagnostics,
        "spec/a.yaml:3:42: error: datasets.a.split.validation must be greater than 0.0, not 0",
    )
    assert has(diagnostics, "spec/a.yaml:5:13: error: datasets.c.path")
    split = spec.datasets["b"].split
    assert split is not None and (split.validation, split.seed) == (0.2, 0)


def test_missing_dataset_file_is_an_error_at_the_path_value(read: Reader) -> None:
    files = {"sub/a.yaml": "stack: s\ndatasets:\n  a: {path: data/none.jsonl}\n  b: {path: ..}\n"}
    _, diagnostics = read(files)
    assert has(
        diagnostics, "spec/sub/a.yaml:3:13: error: dataset file not found: spec/sub/data/none.jsonl"
    )
    assert has(diagnostics, "spec/sub/a.yaml:4:13: error: dataset file spec is a directory")


def test_entry_that_is_not_a_mapping(read: Reader) -> None:
    _, diagnostics = read({"a.yaml": "stack: s\njobs:\n  j: 5\n  k:\n"})
    assert has(diagnostics, "spec/a.yaml:3:6: error: jobs.j must be a mapping, not 5")
    assert has(diagnostics, "spec/a.yaml:4:5: error: jobs.k must be a mapping, not nothing (null)")


def test_a_date_where_a_string_belongs_says_to_quote_it(read: Reader) -> None:
    _, diagnostics = read(job_spec(suffix="2024-01-02"))
    assert has(
        diagnostics, "error: jobs.j.suffix must be a string, not the date 2024-01-02 (quote it"
    )


def test_all_problems_in_one_run(read: Reader) -> None:
    files = {
        "a.yaml": HEAD
        + textwrap.dedent("""\
        jobs:
          j1: {account: swc, model: m, training_data: d, seed: x}
          j2: {account: swc, model: m, training_data: d, suffix: "!"}
        deployments:
          d1: {account: swc, model: m, sku: {name: Standard, capacity: -1}}
        """)
    }
    _, diagnostics = read(files)
    assert has(diagnostics, "jobs.j1.seed")
    assert has(diagnostics, "jobs.j2.suffix")
    assert has(diagnostics, "deployments.d1.sku.capacity")


def test_suggest_and_describe() -> None:
    assert suggest("capacty", ["name", "capacity"]) == "capacity"
    assert suggest("STANDARD", ["Standard", "GlobalStandard"]) == "Standard"
    assert suggest("zzz", ["name", "capacity"]) is None
    assert describe(None) == "nothing (null)"
    assert describe(True) == "true"
    assert describe([1]) == "a list"


def test_dataset_paths_the_system_refuses_are_errors_not_crashes(read: Reader) -> None:
    files = {
        "a.yaml": 'stack: s\ndatasets:\n  a: {path: "x\\0y"}\n  b: {path: ' + "n" * 5000 + "}\n"
    }
    _, diagnostics = read(files)
    assert has(diagnostics, "spec/a.yaml:3:13: error: invalid dataset file path")
    assert has(diagnostics, "spec/a.yaml:4:13: error: invalid dataset file path")
    assert not any("n" * 81 in str(d) for d in diagnostics)  # the written path is cut


def test_a_trailing_newline_does_not_slip_through_a_name_rule(read: Reader) -> None:
    _, diagnostics = read(job_spec(suffix='"clippy\\n"'))
    assert has(diagnostics, "error: jobs.j.suffix 'clippy\\n' is not a valid suffix")
