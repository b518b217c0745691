"""What every command that asks and waits prints the same way at a terminal: warnings (unless
``--quiet``) and lock waits on stderr, and the question put to the person at the terminal.
``ConsoleApply`` and ``ConsoleImport`` add what their command shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from reconciler.errors import Diagnostic
from reconciler.verbosity import Verbosity


class ConsoleListener:
    """Writes to ``out`` and ``err``; ``confirm(prompt)`` asks the person at the terminal."""

    def __init__(
        self, out: TextIO, err: TextIO, *, verbosity: Verbosity, confirm: Callable[[str], bool]
    ) -> None:
        self.out = out
        self.err = err
        self.quiet = verbosity == Verbosity.QUIET
        self._confirm = confirm

    def warning(self, diagnostic: Diagnostic) -> None:
        if not self.quiet:
            self.err.write(f"{diagnostic}\n")

    def waiting(self, message: str) -> None:
        self.err.write(f"{message}\n")
        self.err.flush()

    def confirm(self, prompt: str) -> bool:
        return self._confirm(prompt)
