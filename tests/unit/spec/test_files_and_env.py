"""Finding and merging spec files; ${env:VAR}."""

# Expected messages are kept whole, as the tool prints them, so they can be searched for.
# ruff: noqa: E501

from __future__ import annotations

import textwrap
from pathlib import Path

from reconciler.errors import Location
from reconciler.spec.env import substitute_env
from reconciler.spec.files import find_spec_files

from .conftest import Reader
from .support import HEAD, SUB, has, messages


def test_files_are_found_below_the_root_sorted_by_path(tmp_path: Path) -> None:
    for name in ("b.yaml", "a/z.yml", "a.yaml", ".hidden/x.yaml", "a/.h.yaml", "c.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = [p.relative_to(tmp_path).as_posix() for p in find_spec_files(tmp_path)]
    assert found == ["a/z.yml", "a.yaml", "b.yaml"]


def test_files_merge_into_one_namespace(read: Reader) -> None:
    spec, diagnostics = read(
        {
            "stack.yaml": HEAD,
            "more/ds.yml": "datasets:\n  d: {path: ../d.jsonl}\n",
            "d.jsonl": "",
            "empty.yaml": "",
            "comments.yaml": "# nothing yet\n",
            "nulls.yaml": "jobs:\ndeployments:\n",
        }
    )
    assert messages(diagnostics) == []
    assert spec.stack == "demo"
    assert set(spec.accounts) == {"swc", "ncus"}
    assert spec.datasets["d"].path == (Path("spec") / "d.jsonl").resolve()
    assert spec.datasets["d"].path.is_absolute()


def test_a_name_defined_twice_names_both_places(read: Reader) -> None:
    _, diagnostics = read(
        {
            "a.yaml": HEAD,
            "b.yaml": f"accounts:\n  swc: {{subscription_id: {SUB}, resource_group: r, name: xx}}\n",
        }
    )
    assert has(
        diagnostics,
        "spec/b.yaml:2:3: error: account 'swc' is defined twice: here and at spec/a.yaml:3:3",
    )


def test_stack_must_be_set_exactly_once(read: Reader) -> None:
    _, none = read({"a.yaml": "accounts: {}\n"})
    assert has(none, "spec: error: no file sets `stack`")
    _, twice = read({"a.yaml": "stack: one\n", "b.yaml": "stack: two\n"})
    assert has(twice, "spec/b.yaml:1:1: error: `stack` is set twice: here and at spec/a.yaml:1:8")


def test_stack_name_rules(read: Reader) -> None:
    for bad in ("Upper", "under_score", "x" * 64, "''"):
        _, diagnostics = read({"a.yaml": f"stack: {bad}\n"})
        assert has(diagnostics, "spec/a.yaml:1:8: error: stack", "not a valid stack name"), bad
    _, wrong_type = read({"a.yaml": "stack: [a]\n"})
    assert has(wrong_type, "error: stack must be a string, not a list")
    _, ok = read({"a.yaml": "stack: " + "a-1" * 21 + "\n"})
    assert not ok.has_errors


def test_top_level_must_be_a_mapping(read: Reader) -> None:
    _, diagnostics = read({"a.yaml": "stack: s\n", "b.yaml": "- a\n- b\n", "c.yaml": "just text\n"})
    assert has(diagnostics, "spec/b.yaml:1:1: error: the top level must be a mapping", "a list")
    assert has(
        diagnostics, "spec/c.yaml:1:1: error: the top level must be a mapping", "'just text'"
    )


def test_unknown_top_level_key_suggests(read: Reader) -> None:
    _, diagnostics = read({"a.yaml": "stack: s\ndeploymnets: {}\nfoo: 1\n"})
    assert has(
        diagnostics,
        "spec/a.yaml:2:1: error: unknown top-level key 'deploymnets'; did you mean 'deployments'?",
    )
    assert has(
        diagnostics, "spec/a.yaml:3:1: error: unknown top-level key 'foo'; expected one of: stack"
    )


def test_section_must_be_a_mapping_of_names(read: Reader) -> None:
    _, diagnostics = read({"a.yaml": "stack: s\naccounts:\n  - swc\njobs: 5\n"})
    assert has(
        diagnostics,
        "spec/a.yaml:2:1: error: accounts must be a mapping of names to accounts, not a list",
    )
    assert has(
        diagnostics, "spec/a.yaml:4:7: error: jobs must be a mapping of names to jobs, not 5"
    )


def test_entry_names_follow_the_name_rule(read: Reader) -> None:
    _, diagnostics = read(
        {"a.yaml": HEAD + "datasets:\n  'has space': {path: x}\n  'a:b': {path: x}\n"}
    )
    assert has(diagnostics, "spec/a.yaml:6:3: error: 'has space' is not a valid dataset name")
    assert has(diagnostics, "spec/a.yaml:7:3: error: 'a:b' is not a valid dataset name")


def test_missing_spec_directory_and_no_files(in_tmp: Path) -> None:
    from reconciler.spec import read_spec

    _, missing = read_spec(Path("nowhere"), environ={})
    assert messages(missing) == ["nowhere: error: spec directory not found"]
    Path("empty").mkdir()
    _, empty = read_spec(Path("empty"), environ={})
    assert messages(empty) == ["empty: error: no *.yaml or *.yml files in the spec directory"]


def test_a_broken_file_does_not_also_report_a_missing_stack(read: Reader) -> None:
    _, diagnostics = read({"a.yaml": "stack: [unclosed\n"})
    assert len(diagnostics) == 1
    assert "invalid YAML" in messages(diagnostics)[0]


# --- ${env:VAR} ---------------------------------------------------------------------------


def _here(path: tuple[str | int, ...]) -> Location:
    return Location("f.yaml", len(path), 1)


def test_env_references_are_replaced_anywhere_in_a_string() -> None:
    data = {
        "a": "${env:RECONCILER_VAR_X}",
        "b": ["pre-${env:RECONCILER_VAR_X}-${env:RECONCILER_VAR_Y}-post"],
        "c": 5,
        "d": "no refs",
    }
    result = substitute_env(data, {"RECONCILER_VAR_X": "1", "RECONCILER_VAR_Y": "two"}, _here)
    assert result.data == {"a": "1", "b": ["pre-1-two-post"], "c": 5, "d": "no refs"}
    assert result.problems == []
    assert result.substituted == {
        ("a",): "${env:RECONCILER_VAR_X}",
        ("b", 0): "${env:RECONCILER_VAR_X}",
    }


def test_unset_and_malformed_references_are_located_errors() -> None:
    data = {"a": "${env:RECONCILER_VAR_UNSET}", "b": {"c": "${env:1BAD}"}, "d": "${env:OPEN"}
    result = substitute_env(data, {}, _here)
    lines = messages(result.problems)
    assert (
        "f.yaml:1:1: error: environment variable RECONCILER_VAR_UNSET is not set (referenced as ${env:RECONCILER_VAR_UNSET})"
        in lines
    )
    assert any(
        line.startswith("f.yaml:2:1: error: malformed reference ${env:1BAD}") for line in lines
    )
    assert any(line.startswith("f.yaml:1:1: error: unterminated ${env:") for line in lines)
    assert result.failed == {("a",), ("b", "c"), ("d",)}


def test_shell_style_or_upper_case_references_say_how_to_write_them() -> None:
    data = {
        "a": "${AZURE_SUBSCRIPTION_ID}",
        "b": {"c": "x-${ENV:RECONCILER_VAR_X}"},
        "d": "${env:RECONCILER_VAR_X}",
        "e": "$5 and {braces}",
    }
    result = substitute_env(data, {"RECONCILER_VAR_X": "1"}, _here)
    assert messages(result.problems) == [
        "f.yaml:1:1: error: ${AZURE_SUBSCRIPTION_ID} is not read from the environment: a spec "
        "reads a variable only as ${env:NAME}, here ${env:AZURE_SUBSCRIPTION_ID}",
        "f.yaml:2:1: error: ${ENV:RECONCILER_VAR_X} is not read from the environment: a spec "
        "reads a variable only as ${env:NAME}, here ${env:RECONCILER_VAR_X}",
    ]
    assert result.failed == {("a",), ("b", "c")}
    assert result.data["d"] == "1" and result.data["e"] == "$5 and {braces}"  # type: ignore[index]


def test_env_in_the_spec(read: Reader) -> None:
    text = """\
        stack: s
        accounts:
          swc:
            subscription_id: ${env:AZURE_SUBSCRIPTION_ID}
            resource_group: ${env:RG}
            name: aoai-${env:RECONCILER_VAR_REGION}
        """
    env = {"AZURE_SUBSCRIPTION_ID": SUB, "RG": "rg-x", "RECONCILER_VAR_REGION": "swc"}
    spec, diagnostics = read({"a.yaml": text}, env={**env, "RECONCILER_ALLOW_ENV": "RG"})
    assert messages(diagnostics) == []
    assert spec.accounts["swc"].name == "aoai-swc"
    assert spec.accounts["swc"].resource_group == "rg-x"
    _, unset = read(
        {"a.yaml": text},
        env={"RG": "rg-x", "RECONCILER_VAR_REGION": "swc", "RECONCILER_ALLOW_ENV": "RG"},
    )
    # One error for the unset variable, not a second one for the empty subscription id.
    assert messages(unset) == [
        "spec/a.yaml:4:22: error: environment variable AZURE_SUBSCRIPTION_ID is not set (referenced as ${env:AZURE_SUBSCRIPTION_ID})"
    ]


def test_env_in_a_non_string_position_is_an_error(read: Reader) -> None:
    text = HEAD + textwrap.dedent(
        """\
        deployments:
          dep:
            account: swc
            model: gpt-4.1-mini-2025-04-14
            sku: {name: GlobalStandard, capacity: "${env:RECONCILER_VAR_CAP}"}
            prevent_destroy: ${env:RECONCILER_VAR_FLAG}
        """
    )
    _, diagnostics = read(
        {"a.yaml": text}, env={"RECONCILER_VAR_CAP": "5", "RECONCILER_VAR_FLAG": "true"}
    )
    assert has(
        diagnostics,
        "error: deployments.dep.sku.capacity must be an integer, not ${env:RECONCILER_VAR_CAP} "
        "(${env:RECONCILER_VAR_CAP} gives a string; ${env:} may only stand in a string value)",
    )
    assert has(
        diagnostics,
        "error: deployments.dep.prevent_destroy must be true or false, not ${env:RECONCILER_VAR_FLAG} (",
    )
