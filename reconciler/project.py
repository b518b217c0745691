"""The project root (SPEC.md §5.1): the only tree a spec may read from, and where the tool keeps
its own state (``.reconciler/``).

The root is the nearest ancestor of the spec directory (itself included) that holds ``.git``
(a folder, or the file of a git worktree), else the spec directory itself. For ``apply
PLANFILE`` it is that of the spec directory the saved plan names, so plan and apply of one spec
share one root, one cache and one lock wherever they are run from.

A pull request can add symlinks but cannot move the checkout: an ancestor that is itself a
symlink is not taken as the root (a spec folder committed as a link to another repository must
not become a root of its own), and the spec directory must resolve inside the root found.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR = ".reconciler"


def project_root(spec_dir: Path) -> Path:
    """The project root of ``spec_dir`` (a spec file: its folder), absolute and resolved."""
    start = Path(os.path.abspath(spec_dir))
    if not start.is_dir():
        start = start.parent
    for candidate in (start, *start.parents):
        if candidate.is_symlink():
            continue
        if os.path.lexists(candidate / ".git"):
            return candidate.resolve()
    return start.resolve()


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (already resolved) is ``root`` (resolved) or below it."""
    return path == root or root in path.parents
