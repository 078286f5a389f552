"""Where a key of a rules file is: its line, so every problem reads `file:line`.

A problem's key path (`rules[7] (low-fit).when.fit[0]`) is walked down the YAML node
tree as far as it goes; the deepest key or list item found gives the line. Python's TOML
reader records no positions, so a TOML text's table headers and `key =` lines are read
for theirs.
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


class _Lines:
    """Where each key path of one rules text is."""

    def line_of(self, parts: list[int | str]) -> int | None:
        raise NotImplementedError

    def place(self, source: str, problem: str) -> str:
        """`path: message` -> `source:line: path: message` (or `source: ...` if unknown)."""
        line = self.line_of(path_parts(problem.split(": ", 1)[0]))
        return f"{source}:{line}: {problem}" if line else f"{source}: {problem}"


class KeyLines(_Lines):
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


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_DOTTED = re.compile(r"""\s*("[^"]*"|'[^']*'|[^.\s]+)\s*(?:\.|$)""")


def _keys(dotted: str) -> list[str]:
    """`a."b.c".d` -> ["a", "b.c", "d"]."""
    return [part.strip("\"'") for part in _DOTTED.findall(dotted) if part]


class TomlKeyLines(_Lines):
    """The same for a TOML text, read line by line: table headers (each `[[rules]]` counted
    under its parent, so `rules[3]` is the fourth) and `key =` lines; a key inside an
    inline table or a value over several lines takes the line of the key that holds it."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[int | str, ...], int] = {}
        counts: dict[tuple[int | str, ...], int] = {}  # the last index of each array of tables
        table: tuple[int | str, ...] = ()
        depth = 0  # brackets and braces still open in a value over several lines
        for number, line in enumerate(text.splitlines(), 1):
            if depth > 0:
                depth += _balance(line)
            elif header := _HEADER.match(line):
                table = _resolve(_keys(header.group(2)), header.group(1) == "[[", counts)
                self._lines.setdefault(table, number)
            elif key := _KEY.match(line):
                self._lines.setdefault((*table, *_keys(key.group(1))), number)
                depth = max(0, _balance(line[key.end() :]))

    def line_of(self, parts: list[int | str]) -> int | None:
        for end in range(len(parts), 0, -1):
            if (line := self._lines.get(tuple(parts[:end]))) is not None:
                return line
        return None


def _resolve(
    keys: list[str], array: bool, counts: dict[tuple[int | str, ...], int]
) -> tuple[int | str, ...]:
    """A header's key path, through the current element of each array of tables on the
    way (`[[teams.members]]` is under the latest `[[teams]]`); a new `[[...]]` counts."""
    path: tuple[int | str, ...] = ()
    for n, key in enumerate(keys):
        path = (*path, key)
        if array and n == len(keys) - 1:
            counts[path] = counts.get(path, -1) + 1
        if path in counts:
            path = (*path, counts[path])
    return path


def _balance(text: str) -> int:
    """Brackets and braces opened minus closed, outside strings and comments."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")
