"""Standard output kept for one kind of answer, and Rich output that fits where it goes."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console

WIDE = 1000  # columns when the output is not a terminal: tables whole, lines unwrapped


def console(stderr: bool = False) -> Console:
    """Rich output that fits where it goes: the terminal's width, or whole lines without
    colour codes in a pipe, a file or a log (Rich would cut tables to 80 columns)."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else WIDE
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr, width=width)


def private_stdout() -> TextIO:
    """Standard output, for this process's answers alone: from here on anything else
    written to it (a dev server's banner, a stray print) goes to stderr instead."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return out
