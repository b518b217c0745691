"""Names and ids the tool hands the SDKs for request URL paths, checked before a request exists.

Both SDKs escape their path parameters: azure-mgmt's serializer with ``quote(value, safe="")``,
openai's ``path_template`` with RFC 3986's segment characters (and it refuses dot-segments).
Escaping leaves a dot-segment as it is, though (``quote("..")`` is ``..``), and the HTTP client
then folds ``…/deployments/..`` onto the account. So a value that is empty, a dot-segment (also
percent-encoded), or carries a character with a meaning in a URL is refused here, whatever it
came from: a spec (validated already), a saved plan file, or Azure's own answers.
"""

from __future__ import annotations

import re

from reconciler.errors import AzureError

_DOT_SEGMENT = re.compile(r"(?:\.|%2e){1,2}", re.IGNORECASE)
_URL_CHARACTERS = re.compile(r"[/\\?#%\x00-\x20\x7f]")
_SHOWN = 80  # never quote more of a value than this


def path_segment(value: str, what: str) -> str:
    """``value`` when it can only ever address one path segment; else an error naming ``what``."""
    if not value or _DOT_SEGMENT.fullmatch(value) or _URL_CHARACTERS.search(value):
        shown = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
        raise AzureError(
            f"refused to send a request: {what} {shown!r} is not a name Azure allows in a URL "
            "path (empty, '.', '..', or holding / \\ ? # % or a space)",
            operation=f"check {what}",
        )
    return value


def path_segments(**values: str) -> None:
    """Checks each keyword's value; the keyword (``resource_group``, …) names it in the error."""
    for what, value in values.items():
        path_segment(value, what.replace("_", " "))
