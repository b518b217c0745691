"""What the terminal a command writes to can show."""

from __future__ import annotations

import os


def use_color(stream: object) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set and not empty (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty()) and not os.environ.get("NO_COLOR")
