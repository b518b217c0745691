"""Every example in README.md and docs/*.md works when pasted.

Each fenced block is checked with the reader its content is meant for:

- YAML specs (top-level `stack`, `accounts` as a mapping, `datasets`, `jobs`, `deployments`)
  are written into a stack and validated as `reconciler validate` would; a fragment without
  `stack` is merged with a minimal one, and dataset files it names are written from fixtures
  (preference data for DPO jobs, reinforcement prompts with a `solution` field for reinforcement
  jobs, chat data otherwise).
- YAML emulator seeds (`accounts` as a list, `quotas`) go through the emulator's seed reader.
- YAML GitHub Actions steps (a list of steps with `run` or `uses`) must be such steps.
- YAML price files (`training`, `reinforcement`, `hosting`, `provisioned`) go through the
  price table's reader (`plan --prices FILE`).
- JSONL blocks are training data: the dataset checker must find no error in them.
- JSON blocks must parse: one document, or records one after another (a wire-log excerpt,
  each record wrapped over lines for reading).
- Python blocks must compile (the emulator doc's is also run, as an integration test).
- Shell blocks: every `reconciler …` command line must parse with the CLI's own options.

A block of a kind none of these readers knows fails the test, so a new example is checked too.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from reconciler.cli import cli
from reconciler.commands.validate import validate
from reconciler.cost.prices import load_prices
from reconciler.datasets import inspect_dataset
from reconciler.emulator.seed import load_seed

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FIXTURES = ROOT / "tests" / "corpus" / "specs" / "valid-full" / "data"
RFT_FIXTURE = ROOT / "tests" / "fixtures" / "rft-prompts.jsonl"
SPEC_KEYS = {"stack", "accounts", "datasets", "jobs", "deployments", "lock"}
PRICE_KEYS = {"training", "reinforcement", "hosting", "provisioned"}
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"

_FENCE = re.compile(r"^```(?P<lang>[A-Za-z0-9_-]*)\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    start: int | None = None
    lang = ""
    for number, line in enumerate(lines, 1):
        fence = _FENCE.match(line)
        if fence is None:
            continue
        if start is None:
            start, lang = number, fence["lang"]
        else:
            found.append(Block(path, start, lang, "\n".join(lines[start : number - 1]) + "\n"))
            start = None
    assert start is None, f"{path}:{start}: unclosed code fence"
    return found


ALL = [block for path in DOCS for block in _blocks(path)]


def _of(*langs: str) -> list[Any]:
    return [pytest.param(b, id=b.id) for b in ALL if b.lang in langs]


def test_the_docs_have_examples_of_every_kind() -> None:
    # Guards the extraction itself: a broken fence regex would make every test below vacuous.
    kinds = {block.lang for block in ALL}
    assert {"yaml", "sh", "json", "jsonl"} <= kinds
    assert any(b.path.name == "README.md" and b.lang == "yaml" for b in ALL)


@pytest.mark.parametrize("block", _of("yaml", "yml"))
def test_yaml_block_is_valid_for_its_reader(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = yaml.safe_load(block.text)  # invalid YAML fails here, with its line
    if isinstance(doc, list):
        _check_workflow_steps(block, doc)
    elif isinstance(doc, dict) and isinstance(doc.get("accounts"), list):
        seed = tmp_path / "seed.yaml"
        seed.write_text(block.text, encoding="utf-8")
        assert load_seed(seed).accounts
    elif isinstance(doc, dict) and set(doc) & SPEC_KEYS:
        _check_spec(block, doc, tmp_path, monkeypatch)
    elif isinstance(doc, dict) and set(doc) & PRICE_KEYS:
        prices = tmp_path / "prices.yaml"
        prices.write_text(block.text, encoding="utf-8")
        assert load_prices(prices, tmp_path).entries
    else:
        kinds = "spec, seed, workflow steps, prices"
        pytest.fail(f"{block.id}: a YAML block of no known kind ({kinds})")


def _check_workflow_steps(block: Block, steps: list[Any]) -> None:
    for step in steps:
        assert isinstance(step, dict), f"{block.id}: a workflow step must be a mapping"
        assert ("run" in step) != ("uses" in step), f"{block.id}: a step has `run` or `uses`"
        assert set(step) <= {"name", "run", "uses", "with", "env", "if", "id", "shell"}


def _check_spec(
    block: Block, doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = tmp_path / "stack"
    stack.mkdir()
    (tmp_path / ".git").mkdir()  # the project root: dataset paths must stay inside it
    (stack / "example.yaml").write_text(block.text, encoding="utf-8")
    if "stack" not in doc:
        (stack / "minimal.yaml").write_text("stack: docs-example\n", encoding="utf-8")
    preference = _method_datasets(doc, "preference", "dpo")
    prompts = _method_datasets(doc, "reinforcement", "reinforcement")
    for name, dataset in (doc.get("datasets") or {}).items():
        target = stack / dataset["path"]
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if name in prompts:
                shutil.copyfile(RFT_FIXTURE, target)
                continue
            fixture = "prefs.jsonl" if name in preference else "chat.jsonl"
            shutil.copyfile(FIXTURES / fixture, target)
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path / "cache"))
    result = validate(
        stack,
        cache_dir=tmp_path / "cache",
        environ={"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION},
    )
    errors = [str(d) for d in result.diagnostics.errors]
    assert errors == [], f"{block.id}: the example does not validate"


def _method_datasets(doc: dict[str, Any], format: str, method: str) -> set[str]:
    names = {
        name
        for name, dataset in (doc.get("datasets") or {}).items()
        if dataset.get("format") == format
    }
    for job in (doc.get("jobs") or {}).values():
        if job.get("method") == method:
            for key in ("training_data", "validation_data"):
                if key in job:
                    names.add(str(job[key]).split(":")[0])
    return names


@pytest.mark.parametrize("block", _of("jsonl"))
def test_jsonl_block_is_valid_training_data(block: Block, tmp_path: Path) -> None:
    lines = [line for line in block.text.splitlines() if line.strip()]
    assert lines, f"{block.id}: empty"
    (tmp_path / ".git").mkdir()
    data = tmp_path / "data.jsonl"
    # A doc shows an example or two; the checker wants at least 10 (repeats only warn).
    data.write_text("\n".join(lines * (10 // len(lines) + 1)) + "\n", encoding="utf-8")
    first = json.loads(lines[0])
    messages = first.get("messages") if isinstance(first, dict) else None
    # Reinforcement prompts end with the user's (or developer's) turn; they are never detected.
    prompts = isinstance(messages, list) and messages[-1].get("role") in ("user", "developer")
    report = inspect_dataset(
        data,
        cache_dir=tmp_path / "cache",
        allow_images=True,
        workers=1,
        format="reinforcement" if prompts else None,
    )
    errors = [str(d) for d in report.diagnostics if d.severity.name == "ERROR"]
    assert errors == [], f"{block.id}: the data example has errors"


@pytest.mark.parametrize("block", _of("json"))
def test_json_block_parses(block: Block) -> None:
    decoder = json.JSONDecoder()
    text, index, documents = block.text, 0, 0
    while text[index:].strip():
        index += len(text[index:]) - len(text[index:].lstrip())
        _, index = decoder.raw_decode(text, index)
        documents += 1
    assert documents >= 1


@pytest.mark.parametrize("block", _of("python"))
def test_python_block_compiles(block: Block) -> None:
    # Run as well, against an emulator: tests/integration/emulator/test_docs_out_of_band.py.
    compile(block.text, block.id, "exec")


@pytest.mark.parametrize("block", _of("sh", "bash", "console"))
def test_shell_block_reconciler_commands_parse(
    block: Block, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # paths the examples name (demo/emulator-seed.yaml) exist from here
    for command in _reconciler_commands(block.text):
        _parse(block, command)


def _reconciler_commands(text: str) -> list[list[str]]:
    """Each `reconciler …` line's arguments, up to a shell operator (`&`, `|`, `;`, `>`)."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
        if words[:1] != ["reconciler"]:
            continue
        operators = [i for i, w in enumerate(words) if w and set(w) <= set("&|;<>()")]
        commands.append(words[1 : operators[0] if operators else None])
    return commands


def _parse(block: Block, args: list[str]) -> None:
    """Resolve the subcommand chain and parse its options without running it."""
    command: click.Command = cli
    ctx = cli.make_context("reconciler", list(args), resilient_parsing=True)
    rest = list(args)
    if rest and rest[0].startswith("-"):  # the group's own options: `reconciler --version`
        with pytest.raises(click.exceptions.Exit) as exited:
            cli.make_context("reconciler", list(args))
        assert exited.value.exit_code == 0, f"{block.id}: `reconciler {' '.join(args)}`"
        return
    while isinstance(command, click.Group):
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None, f"{block.id}: unknown command {name!r}"
        command = sub
    # resilient_parsing=False: an unknown option or bad value is a UsageError here.
    try:
        command.make_context(command.name, rest, parent=ctx)
    except click.UsageError as exc:
        pytest.fail(f"{block.id}: `reconciler {' '.join(args)}`: {exc.format_message()}")


def test_readme_keeps_its_two_first_commands_then_says_how_to_get_reconciler_on_path() -> None:
    readme = [b for b in ALL if b.path.name == "README.md"]
    assert readme[0].text.splitlines() == [
        "make demo   # installs, starts a local Azure emulator, walks the example stack, "
        "stops the emulator",
        "make test   # lint, format check, mypy --strict, and the test suite",
    ]
    # `make demo` leaves `reconciler` in .venv/bin only: before the README's first bare
    # `reconciler …` command it must say how to get one on PATH.
    first_use = next(i for i, b in enumerate(readme) if _reconciler_commands(b.text))
    before = "".join(b.text for b in readme[1 : first_use + 1])
    for way in ("source .venv/bin/activate", "pipx install", "pip install"):
        assert way in before, way
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/reconciler" in text


SPEC_DOC = ROOT / "docs" / "spec.md"
# Read by the emulator's content screening or spec values, not settings of the CLI.
NOT_SETTINGS = ("RECONCILER_HARMFUL_TEST_",)


def test_every_environment_variable_the_tool_reads_is_documented() -> None:
    read = set()
    for source in (ROOT / "reconciler").rglob("*.py"):
        read |= set(re.findall(r'"((?:RECONCILER_[A-Z_]+)|NO_COLOR)"', source.read_text("utf-8")))
    read = {name for name in read if not name.startswith(NOT_SETTINGS)}
    assert "RECONCILER_CACHE_DIR" in read  # the scan finds what it is meant to
    text = SPEC_DOC.read_text(encoding="utf-8")
    table = text.split("### Environment variables the CLI reads", 1)[1].split("\n### ", 1)[0]
    for name in sorted(read):
        shown = f"{name}*" if name.endswith("_") else name
        assert f"`{shown}" in table, f"{name} is read by the tool but not in spec.md's table"


def test_documented_shell_completion_lines_produce_a_script() -> None:
    shells = re.findall(
        r"_RECONCILER_COMPLETE=(\w+)_source reconciler", SPEC_DOC.read_text("utf-8")
    )
    assert {"bash", "zsh", "fish"} <= set(shells)
    for shell in set(shells):
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler"],
            env={**os.environ, "_RECONCILER_COMPLETE": f"{shell}_source"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "_RECONCILER_COMPLETE" in proc.stdout, shell
    # What the bash script asks at a <TAB> after `reconciler ca`: the subcommand.
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler"],
        env={
            **os.environ,
            "_RECONCILER_COMPLETE": "bash_complete",
            "COMP_WORDS": "reconciler ca",
            "COMP_CWORD": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.split() == ["plain,catalog"]
