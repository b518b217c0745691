"""A spec is untrusted input (SPEC.md §5.1): allowed variables only, values never echoed, bounded.

Expected messages are kept whole, as the tool prints them, so they can be searched for.
"""

# ruff: noqa: E501

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from reconciler.errors import Diagnostic, Location, SpecError, capped
from reconciler.quoting import MAX_QUOTED, environment_values, quote
from reconciler.spec import load_spec
from reconciler.spec.env import EnvPolicy, substitute_env

from .conftest import Reader
from .support import CATALOG, HEAD, SUB, has, messages

SECRET = "ghp_canary0123456789abcdef"


class Watched(Mapping[str, str]):
    """An environment that records every name read from it."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.read: list[str] = []

    def __getitem__(self, key: str) -> str:
        self.read.append(key)
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the environment is never listed")

    def __len__(self) -> int:
        return len(self.values)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.read.append(key)
        return self.values.get(key, default)  # type: ignore[arg-type]


def _here(path: tuple[str | int, ...]) -> Location:
    return Location("f.yaml", len(path), 1)


# --- which names a spec may read --------------------------------------------------------------


def test_a_name_not_allowed_is_an_error_and_its_value_is_never_read() -> None:
    environ = Watched({"GITHUB_TOKEN": SECRET, "AZURE_SUBSCRIPTION_ID": SUB})
    result = substitute_env(
        {"a": "${env:GITHUB_TOKEN}", "b": "${env:AZURE_SUBSCRIPTION_ID}"}, environ, _here
    )
    assert messages(result.problems) == [
        "f.yaml:1:1: error: environment variable GITHUB_TOKEN is not allowed: a spec may read only AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, RECONCILER_VAR_* and the names given with --allow-env NAME or RECONCILER_ALLOW_ENV"
    ]
    assert result.data == {"a": "", "b": SUB}
    assert "GITHUB_TOKEN" not in environ.read
    assert result.failed == {("a",)}


def test_the_allowed_names() -> None:
    policy = EnvPolicy.of({"RECONCILER_ALLOW_ENV": " MY_A, ,MY_B "}, ["MY_C"])
    for name in (
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_TENANT_ID",
        "RECONCILER_VAR_X",
        "MY_A",
        "MY_B",
        "MY_C",
    ):
        assert policy.allows(name), name
    for name in (
        "GITHUB_TOKEN",
        "AZURE_CLIENT_SECRET",
        "RECONCILER_ALLOW_ENV",
        "RECONCILER_VAR",
        "my_a",
        "",
    ):
        assert not policy.allows(name), name
    assert policy.allows_api_key("AZURE_OPENAI_KEY_SWC") and policy.allows_api_key("MY_A")
    assert not policy.allows_api_key("GITHUB_TOKEN")
    assert not EnvPolicy.of({}).allows("MY_A")


def test_allow_env_and_the_variable_reach_the_spec(read: Reader) -> None:
    text = (
        HEAD
        + "deployments:\n  d: {account: swc, name: '${env:DEP_NAME}', model: gpt-4.1-mini-2025-04-14, sku: {name: GlobalStandard, capacity: 1}}\n"
    )
    env = {"AZURE_SUBSCRIPTION_ID": SUB, "DEP_NAME": "chosen"}
    _, refused = read({"a.yaml": text}, env=env)
    assert has(refused, "error: environment variable DEP_NAME is not allowed")
    spec, by_variable = read(
        {"a.yaml": text}, env={**env, "RECONCILER_ALLOW_ENV": "OTHER,DEP_NAME"}
    )
    assert messages(by_variable) == [] and spec.deployments["d"].name == "chosen"
    allowed = load_spec(Path("spec"), environ=env, catalog=CATALOG, allow_env=["DEP_NAME"])
    assert allowed.deployments["d"].name == "chosen"


def test_api_key_env_names_only_a_key_variable(read: Reader) -> None:
    def account(variable: str) -> str:
        return f"stack: s\naccounts:\n  a: {{subscription_id: {SUB}, resource_group: r, name: aa, api_key_env: {variable}}}\n"

    _, refused = read({"a.yaml": account("GITHUB_TOKEN")}, env={"GITHUB_TOKEN": SECRET})
    assert messages(refused) == [
        "spec/a.yaml:3:104: error: accounts.a.api_key_env: 'GITHUB_TOKEN' may not hold the key: name a variable starting AZURE_OPENAI_, or allow this one with --allow-env NAME"
    ]
    for fine, env in (
        ("AZURE_OPENAI_KEY", {}),
        ("RECONCILER_VAR_KEY", {}),
        ("CI_KEY", {"RECONCILER_ALLOW_ENV": "CI_KEY"}),
    ):
        spec, diagnostics = read({"a.yaml": account(fine)}, env=env)
        assert messages(diagnostics) == [] and spec.accounts["a"].api_key_env == fine


# --- values in messages -----------------------------------------------------------------------


def test_quote_cuts_at_80_characters_and_never_shows_an_environment_value() -> None:
    assert quote("short") == "'short'"
    long = quote("x" * 1000)
    assert len(long) == MAX_QUOTED and long.endswith("…")
    assert (
        quote("a/b" * 100, plain=True).startswith("a/b") and len(quote("a" * 100, plain=True)) == 80
    )
    with environment_values({SECRET: "${env:RECONCILER_VAR_T}"}):
        assert quote(f"pre-{SECRET}-post") == "the value of ${env:RECONCILER_VAR_T}"
        assert quote("other") == "'other'"
    assert quote(SECRET) == repr(SECRET)  # outside a spec's reading, nothing is known


def test_a_value_from_the_environment_is_named_never_shown(read: Reader) -> None:
    long = "Xy8Q~" + "k" * 3000
    text = HEAD + textwrap.dedent(
        """\
        datasets:
          d: {path: "${env:RECONCILER_VAR_V}"}
        jobs:
          j: {account: swc, model: "${env:RECONCILER_VAR_V}", training_data: d, suffix: "${env:RECONCILER_VAR_V}"}
          k: {account: "${env:RECONCILER_VAR_V}", model: gpt-4.1-mini-2025-04-14, training_data: "x${env:RECONCILER_VAR_V}"}
        deployments:
          dep: {account: swc, name: "${env:RECONCILER_VAR_V}", model: "${env:RECONCILER_VAR_V}", sku: {name: "${env:RECONCILER_VAR_V}", capacity: 1}}
        """
    )
    _, diagnostics = read(
        {"a.yaml": text}, env={"AZURE_SUBSCRIPTION_ID": SUB, "RECONCILER_VAR_V": long}
    )
    lines = messages(diagnostics)
    assert not [line for line in lines if "Xy8Q" in line or "k" * 81 in line]
    assert has(
        diagnostics,
        "error: jobs.j.suffix the value of ${env:RECONCILER_VAR_V} is not a valid suffix",
    )
    assert has(
        diagnostics,
        "error: deployments.dep.name the value of ${env:RECONCILER_VAR_V} is not a valid deployment name",
    )
    assert has(diagnostics, "error: invalid dataset file path the value of ${env:RECONCILER_VAR_V}")
    # A shorter value that passes the field's own rule reaches the reference and catalog checks.
    _, checked = read(
        {"a.yaml": text}, env={"AZURE_SUBSCRIPTION_ID": SUB, "RECONCILER_VAR_V": "Secret1"}
    )
    assert not [line for line in messages(checked) if "Secret1" in line]
    assert has(
        checked, "error: jobs.k.account: unknown account the value of ${env:RECONCILER_VAR_V}"
    )
    assert has(checked, "error: jobs.j.model: unknown model the value of ${env:RECONCILER_VAR_V}")


def test_long_values_written_in_the_spec_are_cut(read: Reader) -> None:
    long = "q" * 5000
    text = (
        HEAD
        + f"jobs:\n  j: {{account: {long}, model: {long}, training_data: {long}, suffix: {long}}}\n{'q' * 200}: 1\n"
    )
    _, diagnostics = read({"a.yaml": text})
    lines = messages(diagnostics)
    assert lines and not [line for line in lines if "q" * 81 in line]
    assert has(diagnostics, "error: unknown top-level key 'qqqq")


# --- bounded work -------------------------------------------------------------------------------


def test_errors_are_capped_per_file() -> None:
    many = [Diagnostic.error(f"e{i}", Location("a.yaml", i + 1)) for i in range(120)]
    other = [Diagnostic.error("x", Location("b.yaml", 1))]
    shown = [str(d) for d in capped(many + other)]
    assert len(shown) == 52
    assert shown[49] == "a.yaml:50: error: e49"
    assert shown[50] == "error: … and 70 more errors in a.yaml"
    assert shown[51] == "b.yaml:1: error: x"
    assert str(SpecError(many)).count("\n") == 50


_BOMB = """\
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
from reconciler.spec import read_spec
_, diagnostics = read_spec(Path(sys.argv[1]), environ={"AZURE_SUBSCRIPTION_ID": "x"})
# VmHWM: this process's own peak (ru_maxrss would carry the forking pytest's over the exec)
status = Path("/proc/self/status")
peak = [l for l in status.read_text().splitlines() if l.startswith("VmHWM:")] if status.exists() else []
print(int(peak[0].split()[1]) // 1024 if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
for d in diagnostics:
    print(d)
"""


def _run_bounded(spec: Path) -> tuple[int, list[str], int]:
    """Read ``spec`` in a child with at most 1.5 GB of address space: (peak MB, lines, bytes)."""
    proc = subprocess.run(
        [sys.executable, "-c", _BOMB, str(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    return int(lines[0]), lines[1:], len(proc.stdout)


def test_an_alias_bomb_stops_at_the_size_cap_in_bounded_memory(tmp_path: Path) -> None:
    big = "x" * (1 << 20)
    lines = ["stack: s", f'big: &a "{big}${{env:AZURE_SUBSCRIPTION_ID}}"', "accounts:"]
    lines += [f"  a{i}: {{subscription_id: *a, resource_group: *a, name: *a}}" for i in range(300)]
    (tmp_path / "main.yaml").write_text("\n".join(lines) + "\n")
    peak_mb, shown, _ = _run_bounded(tmp_path)
    assert peak_mb < 400, peak_mb
    assert shown == [
        f"{tmp_path}/main.yaml:2:6: error: the stack's spec files expand to more than 10 MB of text (every alias counted as often as it is used); nothing past this point was read"
    ]


def test_the_size_cap_holds_for_the_whole_stack(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"f{i:02}.yaml").write_text(
            f"# {'y' * (1 << 20)}\nstack: s\n" if i == 0 else f"x{i}: '{'y' * (1 << 20)}'\n"
        )
    _, shown, _ = _run_bounded(tmp_path)
    assert any("f10.yaml" in line and "expand to more than 10 MB" in line for line in shown), shown


def test_many_entries_aliasing_a_long_value_print_little(tmp_path: Path) -> None:
    big = "s" * (1 << 19)
    lines = [
        "stack: s",
        f"accounts:\n  a: {{subscription_id: {SUB}, resource_group: r, name: aa}}",
        "jobs:",
    ]
    lines.append(
        f'  j0: {{account: a, model: gpt-4.1-mini-2025-04-14, training_data: d, suffix: &s "{big}"}}'
    )
    lines += [
        f"  j{i}: {{account: a, model: gpt-4.1-mini-2025-04-14, training_data: d, suffix: *s}}"
        for i in range(1, 200)
    ]
    (tmp_path / "main.yaml").write_text("\n".join(lines) + "\n")
    _, shown, size = _run_bounded(tmp_path)
    assert size < 20_000, size
    assert any("expand to more than 10 MB" in line for line in shown)


def test_many_small_errors_print_at_most_50_per_file(tmp_path: Path) -> None:
    lines = ["stack: s", "jobs:"]
    lines += [
        f"  j{i}: {{account: a, model: m, training_data: d, suffix: '{'~' * 500}'}}"
        for i in range(200)
    ]
    (tmp_path / "main.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path, environ={}, catalog=CATALOG)
    text = str(caught.value)
    assert len(text.splitlines()) == 51
    assert text.splitlines()[-1].startswith("error: … and ")
    assert "~" * 81 not in text
