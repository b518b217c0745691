"""Shared data and helpers for the spec tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from reconciler.catalog import Capacity, Catalog, ModelInfo
from reconciler.errors import Diagnostic, Diagnostics

SUB = "00000000-0000-0000-0000-000000000001"
ENV = {"AZURE_SUBSCRIPTION_ID": SUB}

# A small catalog made for these tests, so that they do not move when catalog.yaml does.
_PTU = {"ProvisionedManaged": Capacity(minimum=25, maximum=1000, step=25, default=25)}
_STD = {"Standard": Capacity(minimum=1, maximum=500, step=1, default=50)}
MINI = ModelInfo(
    id="gpt-4.1-mini-2025-04-14",
    name="gpt-4.1-mini",
    version="2025-04-14",
    encoding="o200k_base",
    max_example_tokens=65536,
    vision=False,
    methods=frozenset({"supervised", "dpo"}),
    training_regions={
        "standard": frozenset({"swedencentral", "northcentralus"}),
        "globalstandard": frozenset({"eastus2"}),
        "developer": frozenset(),
    },
    base_skus={"swedencentral": {"GlobalStandard": Capacity(1, 5000, 1, 100)}},
    finetuned_skus={"swedencentral": _STD, "northcentralus": {**_STD, **_PTU}},
)
NOFT = ModelInfo(
    id="gpt-5-2025-08-07",
    name="gpt-5",
    version="2025-08-07",
    encoding="o200k_base",
    max_example_tokens=65536,
    vision=False,
    methods=frozenset(),
    training_regions={},
    base_skus={"eastus2": {"GlobalStandard": Capacity(1, 5000, 1, 100)}},
    finetuned_skus={},
)
CATALOG = Catalog(
    regions=frozenset({"swedencentral", "northcentralus", "eastus2"}),
    models={MINI.id: MINI, NOFT.id: NOFT},
    default_quota={},
)

# The head of a valid spec; tests append entries to it.
HEAD = f"""\
stack: demo
accounts:
  swc: {{subscription_id: {SUB}, resource_group: rg-ft, name: aoai-swc}}
  ncus: {{subscription_id: {SUB}, resource_group: rg-ft, name: aoai-ncus}}
"""

CHAT_LINE = (
    '{"messages": [{"role": "user", "content": "hello %d"}, '
    '{"role": "assistant", "content": "hi there %d"}]}\n'
)


def chat_lines(count: int, start: int = 0) -> str:
    return "".join(CHAT_LINE % (i, i) for i in range(start, start + count))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def messages(diagnostics: Diagnostics | list[Diagnostic]) -> list[str]:
    return [str(d) for d in diagnostics]


def has(diagnostics: Diagnostics | list[Diagnostic], *fragments: str) -> bool:
    """Whether one diagnostic's text contains every fragment."""
    return any(all(f in line for f in fragments) for line in messages(diagnostics))


def place(text: str, needle: str, path: str = "spec/a.yaml") -> str:
    """``path:line:col`` of the first occurrence of ``needle`` in ``text``."""
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{path}:{line}:{col}"
