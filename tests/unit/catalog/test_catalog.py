"""The model catalog: the packaged data is consistent, and its questions answer Azure's rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.catalog import (
    ENV_VAR,
    Capacity,
    Catalog,
    CatalogError,
    api_training_type,
    load_catalog,
    parse_catalog,
)
from reconciler.errors import ReconcilerError

FT_MINI = "gpt-4.1-mini-2025-04-14.ft-0123456789abcdef0123456789abcdef-clippy"
FT_4O_MINI = "gpt-4o-mini-2024-07-18.ft-fedcba9876543210fedcba9876543210"

SMALL = textwrap.dedent(
    """\
    format_version: 1
    regions: [swedencentral, northcentralus, eastus]
    region_sets:
      training: [swedencentral]
    sku_sets:
      ptu:
        ProvisionedManaged: {minimum: 10, maximum: 30, step: 10, default: 10}
    usage_names:
      base: {Standard: "OpenAI.Standard.{name}"}
      finetuned:
        Standard: "OpenAI.Standard.{name}-finetune"
        ProvisionedManaged: "OpenAI.ProvisionedManaged"
    default_quota:
      "OpenAI.Standard.{name}": 100
      "OpenAI.Standard.{name}-finetune": 20
      "OpenAI.Standard.tiny-finetune": 7
      "OpenAI.ProvisionedManaged": 50
    models:
      tiny-2030-01-01:
        name: tiny
        version: "2030-01-01"
        encoding: cl100k_base
        max_example_tokens: 8192
        methods: [supervised]
        training_regions:
          standard: ["@training"]
        base_skus:
          - regions: [eastus]
            skus: {Standard: {minimum: 1, maximum: 100, step: 1, default: 10}}
        finetuned_skus:
          - regions: ["@training", northcentralus]
            skus: {Standard: {minimum: 1, maximum: 20, step: 1, default: 5}}
          - {regions: [northcentralus], skus: ptu}
    """
)


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog()


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the packaged data ---


def test_packaged_catalog_has_the_fine_tunable_models(catalog: Catalog) -> None:
    for model_id in (
        "gpt-35-turbo-0613",
        "gpt-35-turbo-1106",
        "gpt-35-turbo-0125",
        "gpt-4o-mini-2024-07-18",
        "gpt-4o-2024-08-06",
        "gpt-4.1-2025-04-14",
        "gpt-4.1-mini-2025-04-14",
        "gpt-4.1-nano-2025-04-14",
        "o4-mini-2025-04-16",
    ):
        info = catalog.model(model_id)
        assert info is not None, model_id
        assert info.id == f"{info.name}-{info.version}"
        assert info.fine_tunable
    assert {"swedencentral", "northcentralus", "eastus2", "switzerlandwest"} <= catalog.regions
    assert len(set(catalog.models.values())) == len(catalog.models)  # usable in sets


def test_packaged_catalog_facts_from_the_docs(catalog: Catalog) -> None:
    mini = catalog.model("gpt-4.1-mini-2025-04-14")
    assert mini is not None
    assert mini.encoding == "o200k_base"
    assert mini.max_example_tokens == 65536
    assert mini.methods == {"supervised", "dpo"}
    assert mini.training_regions["standard"] == {"northcentralus", "swedencentral"}
    turbo = catalog.model("gpt-35-turbo-0125")
    assert turbo is not None
    assert turbo.encoding == "cl100k_base"
    assert turbo.methods == {"supervised"}
    assert "switzerlandwest" in turbo.training_regions["standard"]
    gpt4o = catalog.model("gpt-4o-2024-08-06")
    assert gpt4o is not None and gpt4o.vision and "eastus2" in gpt4o.training_regions["standard"]
    o4 = catalog.model("o4-mini-2025-04-16")
    assert o4 is not None and o4.methods == {"reinforcement"}
    # Provisioned minimum and increment per the provisioned-throughput table.
    assert catalog.deploy_skus(FT_4O_MINI, "northcentralus")["ProvisionedManaged"] == Capacity(
        minimum=25, maximum=1000, step=25, default=25
    )
    ft_4o = "gpt-4o-2024-08-06.ft-0123456789abcdef0123456789abcdef"
    assert catalog.deploy_skus(ft_4o, "switzerlandwest")["ProvisionedManaged"].step == 50
    assert catalog.deploy_skus(ft_4o, "eastus")["GlobalProvisionedManaged"].minimum == 15


def test_every_packaged_capacity_is_on_its_own_grid(catalog: Catalog) -> None:
    checked = 0
    for info in catalog.models.values():
        for table in (info.base_skus, info.finetuned_skus):
            for region, skus in table.items():
                assert region in catalog.regions
                for sku, cap in skus.items():
                    where = f"{info.id} {region} {sku}"
                    assert cap.minimum <= cap.default <= cap.maximum, where
                    assert (cap.maximum - cap.minimum) % cap.step == 0, where
                    assert cap.problem(cap.default) is None, where
                    checked += 1
    assert checked > 100


def test_every_packaged_usage_name_has_a_default_quota(catalog: Catalog) -> None:
    for info in catalog.models.values():
        for table, tuned in ((info.base_skus, False), (info.finetuned_skus, True)):
            for skus in table.values():
                for sku in skus:
                    usage = catalog.usage_name(info.id, sku, fine_tuned=tuned)
                    assert catalog.default_quota[usage] > 0


def test_spec_example_deployment_is_valid(catalog: Catalog) -> None:
    # SPEC.md deploys a fine-tuned gpt-4.1-mini as Standard 1 in swc and as
    # ProvisionedManaged 50 in ncus.
    assert catalog.capacity_problem(FT_MINI, "swedencentral", "Standard", 1) is None
    assert catalog.capacity_problem(FT_MINI, "northcentralus", "ProvisionedManaged", 50) is None


# --- Capacity ---


def test_capacity_problem_accepts_grid_values_and_explains_the_rest() -> None:
    cap = Capacity(minimum=25, maximum=100, step=25, default=25)
    assert [cap.problem(c) for c in (25, 50, 100)] == [None, None, None]
    assert cap.problem(30) == (
        "capacity 30 is not allowed: the capacity must be one of 25, 50, 75, 100 "
        "(steps of 25; nearest: 25 or 50)"
    )
    wide = Capacity(minimum=25, maximum=500, step=25, default=25)
    assert wide.problem(60) == (
        "capacity 60 is not allowed: the capacity must be one of 25, 50, 75, … 500 "
        "(steps of 25; nearest: 50 or 75)"
    )
    assert cap.problem(10) == "capacity 10 is below the minimum 25"
    assert cap.problem(125) == "capacity 125 is above the maximum 100"


def test_capacity_problem_with_offset_grid() -> None:
    cap = Capacity(minimum=15, maximum=100, step=5, default=15)
    assert cap.problem(20) is None
    assert cap.problem(22) is not None
    assert cap.to_arm() == {"minimum": 15, "maximum": 100, "step": 5, "default": 15}


# --- questions ---


def test_base_of_fine_tuned_ids(catalog: Catalog) -> None:
    mini = catalog.base_of(FT_MINI)
    assert mini is not None and mini.id == "gpt-4.1-mini-2025-04-14"
    no_suffix = catalog.base_of(FT_4O_MINI)
    assert no_suffix is not None and no_suffix.id == "gpt-4o-mini-2024-07-18"
    assert catalog.base_of("gpt-4.1-2025-04-14") is catalog.model("gpt-4.1-2025-04-14")
    # "gpt-4.1" must not swallow "gpt-4.1-mini": the base is everything before ".ft-".
    assert catalog.base_of("gpt-4.1-2025-04-14.ft-0123456789abcdef0123456789abcdef") is (
        catalog.model("gpt-4.1-2025-04-14")
    )
    assert catalog.base_of("gpt-4.1-mini-2025-04-14.ft-123") is None  # not 32 hex
    assert catalog.base_of("nope-2020-01-01.ft-0123456789abcdef0123456789abcdef") is None


def test_finetune_problem(catalog: Catalog) -> None:
    mini = "gpt-4.1-mini-2025-04-14"
    assert catalog.finetune_problem(mini, "swedencentral", "supervised", "standard") is None
    assert catalog.finetune_problem(mini, "northcentralus", "dpo", "standard") is None
    assert catalog.finetune_problem(mini, "eastus", "supervised", "globalstandard") is None
    assert catalog.finetune_problem(mini, "westus", "supervised", "developer") is None
    # continuing from a fine-tuned model follows the base model's rules
    assert catalog.finetune_problem(FT_MINI, "swedencentral", "supervised", "standard") is None

    region = catalog.finetune_problem(mini, "eastus", "supervised", "standard")
    assert region is not None
    assert "eastus" in region and "northcentralus, swedencentral" in region

    method = catalog.finetune_problem("gpt-35-turbo-0125", "swedencentral", "dpo", "standard")
    assert method is not None and "dpo" in method and "supervised" in method

    training = catalog.finetune_problem(
        "gpt-35-turbo-0125", "swedencentral", "supervised", "globalstandard"
    )
    assert training is not None and "globalstandard" in training and "standard" in training

    reinforcement = "o4-mini-2025-04-16"
    assert catalog.finetune_problem(reinforcement, "eastus2", "reinforcement", "standard") is None
    assert catalog.finetune_problem(reinforcement, "eastus2", "supervised", "standard")

    unknown = catalog.finetune_problem(
        "gpt-9-2030-01-01", "swedencentral", "supervised", "standard"
    )
    assert unknown is not None and "gpt-9-2030-01-01" in unknown
    bad_type = catalog.finetune_problem(mini, "swedencentral", "supervised", "premium")
    assert bad_type is not None and "premium" in bad_type


def test_deploy_skus_differ_for_base_and_fine_tuned(catalog: Catalog) -> None:
    base = catalog.deploy_skus("gpt-4.1-mini-2025-04-14", "swedencentral")
    tuned = catalog.deploy_skus(FT_MINI, "swedencentral")
    assert "DeveloperTier" in tuned and "DeveloperTier" not in base
    assert "DataZoneStandard" in base and "DataZoneStandard" not in tuned
    # a caller that resolved a checkpoint to its base id says it is fine-tuned
    assert catalog.deploy_skus("gpt-4.1-mini-2025-04-14", "swedencentral", fine_tuned=True) == tuned
    assert catalog.deploy_skus(FT_MINI, "nowhere") == {}
    assert catalog.deploy_skus("unknown-model", "swedencentral") == {}


def test_capacity_problem_messages(catalog: Catalog) -> None:
    wrong_region = catalog.capacity_problem(FT_MINI, "eastus", "Standard", 1)
    assert wrong_region is not None and "Standard" in wrong_region and "eastus" in wrong_region
    off_grid = catalog.capacity_problem(FT_MINI, "northcentralus", "ProvisionedManaged", 40)
    assert off_grid == (
        "sku ProvisionedManaged: capacity 40 is not allowed: the capacity must be one of "
        "25, 50, 75, … 1000 (steps of 25; nearest: 25 or 50)"
    )
    no_region = catalog.capacity_problem("gpt-35-turbo-0125", "japaneast", "Standard", 1)
    assert no_region is not None and "japaneast" in no_region
    assert catalog.capacity_problem("unknown-model", "eastus", "Standard", 1) is not None


def test_usage_names(catalog: Catalog) -> None:
    assert catalog.usage_name("gpt-4.1-mini-2025-04-14", "Standard") == (
        "OpenAI.Standard.gpt-4.1-mini"
    )
    assert catalog.usage_name(FT_MINI, "GlobalStandard") == (
        "OpenAI.GlobalStandard.gpt-4.1-mini-finetune"
    )
    # provisioned capacity is one pool shared by base and fine-tuned models
    assert catalog.usage_name(FT_MINI, "ProvisionedManaged") == catalog.usage_name(
        "gpt-4o-2024-08-06", "ProvisionedManaged"
    )
    with pytest.raises(CatalogError):
        catalog.usage_name("unknown-model", "Standard")
    with pytest.raises(CatalogError):
        catalog.usage_name(FT_MINI, "DataZoneStandard")


def test_models_in_region(catalog: Catalog) -> None:
    ncus = {m.id for m in catalog.models_in_region("northcentralus")}
    assert "gpt-4.1-mini-2025-04-14" in ncus and "gpt-35-turbo-0125" in ncus
    japan = {m.id for m in catalog.models_in_region("japaneast")}
    assert "gpt-35-turbo-0125" not in japan and "gpt-4.1-mini-2025-04-14" in japan


def test_api_training_type() -> None:
    assert api_training_type("developer") == "developerTier"
    assert api_training_type("globalstandard") == "globalstandard"
    assert api_training_type("standard") == "standard"


# --- loading ---


def test_env_var_overrides_the_packaged_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SMALL)
    monkeypatch.setenv(ENV_VAR, str(path))
    small = load_catalog()
    assert set(small.models) == {"tiny-2030-01-01"}
    assert small.regions == {"swedencentral", "northcentralus", "eastus"}
    tuned = "tiny-2030-01-01.ft-0123456789abcdef0123456789abcdef"
    assert set(small.deploy_skus(tuned, "northcentralus")) == {"Standard", "ProvisionedManaged"}
    assert set(small.deploy_skus(tuned, "swedencentral")) == {"Standard"}
    assert small.finetune_problem("tiny-2030-01-01", "eastus", "supervised", "standard")
    # templates expand per model; an exact name overrides its template
    assert small.default_quota == {
        "OpenAI.Standard.tiny": 100,
        "OpenAI.Standard.tiny-finetune": 7,
        "OpenAI.ProvisionedManaged": 50,
    }
    monkeypatch.delenv(ENV_VAR)
    assert "gpt-4.1-mini-2025-04-14" in load_catalog().models


def test_load_is_cached_and_reloads_a_changed_file(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    first = load_catalog(path)
    assert load_catalog(path) is first
    path.write_text(SMALL.replace("max_example_tokens: 8192", "max_example_tokens: 4096 "))
    reloaded = load_catalog(path)
    model = reloaded.model("tiny-2030-01-01")
    assert model is not None and model.max_example_tokens == 4096


def test_missing_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.yaml"
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(ReconcilerError) as caught:
        load_catalog()
    assert "nope.yaml" in str(caught.value) and ENV_VAR in str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected", "line"),
    [
        # broken YAML
        (("encoding: cl100k_base", "encoding: [cl100k_base"), "invalid YAML", None),
        # a number where a string belongs (unquoted version)
        (('version: "2030-01-01"', "version: 2030"), "version must be a string", 21),
        # a key this file does not know
        (("max_example_tokens: 8192", "max_tokens: 8192"), "unknown key 'max_tokens'", 23),
        (("methods: [supervised]", "methods: [rlhf]"), "'rlhf' is not one of", 24),
        (("[eastus]", "[eastuss]"), "region 'eastuss' is not in the catalog's regions", 28),
        (('"@training"]', '"@train"]'), "no region set named 'train'", 26),
        (("default: 5}", "default: 50}"), "minimum <= default <= maximum", 32),
        (("maximum: 30, step: 10", "maximum: 35, step: 10"), "maximum 35 is not minimum", 7),
        (('  "OpenAI.ProvisionedManaged": 50\n', ""), "usage OpenAI.ProvisionedManaged", None),
        (("  tiny-2030-01-01:", "  tiny-2030-01-02:"), "the id must be", None),
        (("standard: [", "premium: ["), "'premium' is not one of", 26),
        (
            ("- {regions: [northcentralus], skus: ptu}", "- {regions: [eastus], skus: pt}"),
            "no sku set named 'pt'",
            None,
        ),
        (("max_example_tokens: 8192", "max_example_tokens: yes"), "must be an integer", 23),
    ],
)
def test_malformed_catalog_names_the_file_and_line(
    tmp_path: Path, change: tuple[str, str], expected: str | None, line: int | None
) -> None:
    old, new = change
    assert old in SMALL, old
    path = write(tmp_path, SMALL.replace(old, new, 1), "broken.yaml")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    message = str(caught.value)
    assert isinstance(caught.value, ReconcilerError)
    assert "broken.yaml" in message and "error:" in message
    if expected is not None:
        assert expected in message
    if line is not None:
        assert f"broken.yaml:{line}:" in message


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    text = SMALL.replace("  tiny-2030-01-01:\n", "  tiny-2030-01-01: {}\n  tiny-2030-01-01:\n", 1)
    with pytest.raises(CatalogError, match="duplicate key 'tiny-2030-01-01'"):
        parse_catalog(text, tmp_path / "dup.yaml")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="must be a mapping"):
        parse_catalog("- just\n- a list\n", tmp_path / "list.yaml")


def test_the_spec_offers_the_catalogs_training_types_and_methods() -> None:
    """The spec's pydantic literals (needed for its JSON Schema) restate no catalog fact: they
    are the catalog's own lists (the spec leaves out the reinforcement method on purpose)."""
    from typing import get_args

    from reconciler.catalog import METHODS, TRAINING_TYPES
    from reconciler.spec.models import Method, TrainingType

    assert get_args(TrainingType) == TRAINING_TYPES
    assert set(get_args(Method)) <= set(METHODS)


@pytest.mark.parametrize(
    ("api", "spec"),
    [("developerTier", "developer"), ("DeveloperTier", "developer"), ("Standard", "standard")],
)
def test_api_and_spec_training_types_translate_both_ways(api: str, spec: str) -> None:
    from reconciler.catalog import api_training_type, spec_training_type

    assert spec_training_type(api) == spec
    assert spec_training_type(api_training_type(spec)) == spec


def test_usage_name_falls_back_to_arms_general_form(catalog: Catalog) -> None:
    mini = "gpt-4.1-mini-2025-04-14"
    assert catalog.usage_name_or_general(mini, "Standard") == "OpenAI.Standard.gpt-4.1-mini"
    assert catalog.usage_name_or_general(mini, "GlobalBatch") == "OpenAI.GlobalBatch.gpt-4.1-mini"
    assert (
        catalog.usage_name_or_general(mini, "GlobalBatch", fine_tuned=True)
        == "OpenAI.GlobalBatch.gpt-4.1-mini-finetune"
    )
    with pytest.raises(ReconcilerError):
        catalog.usage_name_or_general("nope-2020-01-01", "Standard")
