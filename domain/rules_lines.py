"""Where a key of a YAML rules file is: its line, so every problem reads `file:line`.

A problem's key path (`rules[7] (low-fit).when.fit[0]`) is walked down the YAML node
tree as far as it goes; the deepest key or list item found gives the line. TOML files
keep the key path alone (Python's TOML reader records no positions).
"""

from __future__ import annotations

import re

import yaml

_ID = re.compile(r"\s*\([^)]*\)")  # "rules[7] (low-fit)": the id shown beside an index
_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def path_parts(path: str) -> list[int | str]:
    """`rules[7] (low-fit).when.fit[0]` -> ["rules", 7, "when", "fit", 0]."""
    parts: list[int | str] = []
    for index, key in _PART.findall(_ID.sub("", path)):
        parts.append(int(index) if index else key.strip())
    return parts


class KeyLines:
    """The line (1-based) of each key path of one YAML text."""

    def __init__(self, text: str) -> None:
        try:
            self._root: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self._root = None

    def line_of(self, parts: list[int | str]) -> int | None:
        node, line = self._root, None
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                found = next((pair for pair in node.value if pair[0].value == str(part)), None)
                if found is None:
                    break
                line, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def place(self, source: str, problem: str) -> str:
        """`path: message` -> `source:line: path: message` (or `source: ...` if unknown)."""
        path = problem.split(": ", 1)[0]
        line = self.line_of(path_parts(path)) if self._root is not None else None
        return f"{source}:{line}: {problem}" if line else f"{source}: {problem}"
