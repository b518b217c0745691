"""Problems found in a dataset, kept to a readable number.

A file with a million bad lines must not produce a million diagnostics (nor hold them in
memory): we keep the first ``LIMIT`` by line, errors before warnings, and count the rest into
one closing summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from reconciler.errors import Diagnostic, Location, Severity

LIMIT = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """A diagnostic before it knows its file; line 0 means the whole file."""

    severity: Severity
    message: str
    line: int = 0
    col: int = 0

    def diagnostic(self, path: str) -> Diagnostic:
        return Diagnostic(self.severity, self.message, Location(path, self.line, self.col))


def more_problems_message(count: int, path: str) -> str:
    return f"… and {count:,} more problems in {path}"


@dataclass(frozen=True, slots=True)
class Selection:
    """The problems to show, and how many were left out (with the worst severity among them)."""

    shown: tuple[Problem, ...]
    more: int
    more_severity: Severity

    def diagnostics(self, path: str) -> list[Diagnostic]:
        out = [problem.diagnostic(path) for problem in self.shown]
        if self.more:
            out.append(
                Diagnostic(
                    self.more_severity, more_problems_message(self.more, path), Location(path)
                )
            )
        return out


def _line_key(problem: Problem) -> int:
    return problem.line


class ProblemCollector:
    """Collects line problems in bounded memory, keeping the earliest lines of each severity.

    Problems may arrive out of line order (token counts come back from worker threads), so
    each list is trimmed to its ``limit`` lowest lines, which is all that can be shown.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.error_count = 0
        self.warning_count = 0
        self._errors: list[Problem] = []
        self._warnings: list[Problem] = []

    def error(self, message: str, line: int, col: int = 0) -> None:
        self.error_count += 1
        self._keep(self._errors, Problem(Severity.ERROR, message, line, col))

    def warning(self, message: str, line: int, col: int = 0) -> None:
        self.warning_count += 1
        self._keep(self._warnings, Problem(Severity.WARNING, message, line, col))

    def _keep(self, kept: list[Problem], problem: Problem) -> None:
        kept.append(problem)
        if len(kept) > 4 * self.limit:
            kept.sort(key=_line_key)  # stable: problems of one line keep their order
            del kept[self.limit :]

    def kept_errors(self) -> list[Problem]:
        """The errors that can still be shown (the ``limit`` lowest lines), in line order."""
        return sorted(self._errors, key=_line_key)[: self.limit]

    def kept_warnings(self) -> list[Problem]:
        return sorted(self._warnings, key=_line_key)[: self.limit]

    def absorb(
        self,
        errors: Iterable[Problem],
        warnings: Iterable[Problem],
        error_count: int,
        warning_count: int,
        line_offset: int = 0,
    ) -> None:
        """Add what another collector kept (of a part of the file starting after
        ``line_offset`` lines) and counted."""
        for problem in errors:
            self._keep(self._errors, replace(problem, line=problem.line + line_offset))
        for problem in warnings:
            self._keep(self._warnings, replace(problem, line=problem.line + line_offset))
        self.error_count += error_count
        self.warning_count += warning_count

    def select(self, file_problems: list[Problem]) -> Selection:
        """Line problems up to the limit (errors first), sorted by line, then file problems.

        File-level problems (too few examples, file size...) are few and always shown; they
        use up room in the limit, so shown + summary never exceeds ``limit + 1``.
        """
        file_problems = file_problems[: self.limit]
        room = self.limit - len(file_problems)
        errors = sorted(self._errors, key=_line_key)[:room]
        room -= len(errors)
        warnings = sorted(self._warnings, key=_line_key)[:room]
        more = self.error_count + self.warning_count - len(errors) - len(warnings)
        severity = Severity.ERROR if self.error_count > len(errors) else Severity.WARNING
        shown = sorted(errors + warnings, key=_line_key) + file_problems
        return Selection(tuple(shown), more, severity)
