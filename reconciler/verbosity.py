"""How much a command says: ``--quiet`` (errors and the final result), normal, ``-v``.

The CLI sets the level once per command; what prints consults it. azure-identity and the
Azure SDK report through ``logging`` (a 12-line "DefaultAzureCredential failed…" block per
failed token), which Python's last-resort handler would print: the tool's own one-line error
says what to do, so their records are shown only at ``-v``.
"""

from __future__ import annotations

import logging
import sys
from enum import IntEnum
from typing import TextIO


class Verbosity(IntEnum):
    QUIET = 0
    NORMAL = 1
    VERBOSE = 2


_level = Verbosity.NORMAL

# The SDK loggers the tool talks through; "azure" covers azure-identity and azure-core.
_SDK_LOGGERS = ("azure", "msal", "openai", "httpx")
_HANDLER_NAME = "reconciler-verbose"


def current() -> Verbosity:
    return _level


def set_verbosity(level: Verbosity, stream: TextIO | None = None) -> None:
    """Make ``level`` the process's verbosity and route the SDKs' log records to match."""
    global _level
    _level = level
    configure_sdk_logging(level, stream if stream is not None else sys.stderr)


def configure_sdk_logging(level: Verbosity, stream: TextIO) -> None:
    """Below ``-v`` the SDK loggers end in a NullHandler (so the last-resort handler stays
    silent); at ``-v`` their warnings go to ``stream``, prefixed with the logger's name."""
    for name in _SDK_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if old.get_name() == _HANDLER_NAME:
                logger.removeHandler(old)
        handler: logging.Handler
        if level >= Verbosity.VERBOSE:
            handler = logging.StreamHandler(stream)
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
            handler.setLevel(logging.WARNING)
        else:
            handler = logging.NullHandler()
        handler.set_name(_HANDLER_NAME)
        logger.addHandler(handler)
        # Their records stop here: a root handler a host program set up is not ours to feed.
        logger.propagate = False
