"""Standard output kept for one kind of answer."""

from __future__ import annotations

import os
import sys
from typing import TextIO


def private_stdout() -> TextIO:
    """Standard output, for this process's answers alone: from here on anything else
    written to it (a dev server's banner, a stray print) goes to stderr instead."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return out
