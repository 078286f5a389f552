"""CSV readers for the companies directory and CRM account exports.

A bad row is reported with its file and line number and skipped, never silently.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from domain.geo import country_code
from domain.models import Account, Company

T = TypeVar("T")

COMPANY_COLUMNS = ("domain", "name", "employees", "industry", "country")
ACCOUNT_COLUMNS = (
    "domain",
    "name",
    "owner_id",
    "is_customer",
    "open_opportunity_owner_id",
    "named_account",
)
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}


class CatalogError(ValueError):
    """The file cannot be read at all (missing, or without the needed columns)."""


@dataclass(frozen=True)
class RowProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _bool(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{column}: {value!r} is not true or false")


def _domain(value: str) -> str:
    text = value.strip().lower().removeprefix("www.")
    if not text or "." not in text or " " in text or "@" in text:
        raise ValueError(f"domain: {value!r} is not a web domain like acme.com")
    return text


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot open: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in columns if c not in header]
        if missing:
            raise CatalogError(
                f"{path}:1: missing column(s) {', '.join(missing)}; expected {','.join(columns)}"
            )
        reader.fieldnames = header
        for row in reader:
            yield reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}


def _parse_company(row: dict[str, str]) -> Company:
    employees = row["employees"].strip().replace(",", "")
    if employees and not employees.isdigit():
        raise ValueError(f"employees: {row['employees']!r} is not a whole number")
    country = row["country"].strip()
    code = country_code(country) if country else None
    if country and code is None:
        raise ValueError(f"country: {country!r} is not a known country")
    return Company(
        domain=_domain(row["domain"]),
        name=row["name"].strip() or None,
        employees=int(employees) if employees else None,
        industry=row["industry"].strip() or None,
        country=code,
    )


def _parse_account(row: dict[str, str]) -> Account:
    name = row["name"].strip()
    if not name:
        raise ValueError("name: is empty")
    return Account(
        domain=_domain(row["domain"]),
        name=name,
        owner_id=row["owner_id"].strip() or None,
        is_customer=_bool(row["is_customer"], "is_customer"),
        open_opportunity_owner_id=row["open_opportunity_owner_id"].strip() or None,
        named_account=_bool(row["named_account"], "named_account"),
    )


def _read(
    path: Path, columns: tuple[str, ...], parse: Callable[[dict[str, str]], T]
) -> Iterator[T | RowProblem]:
    for line, row in _rows(path, columns):
        try:
            yield parse(row)
        except ValueError as exc:
            yield RowProblem(str(path), line, str(exc))


def read_companies(path: Path) -> Iterator[Company | RowProblem]:
    return _read(path, COMPANY_COLUMNS, _parse_company)


def read_accounts(path: Path) -> Iterator[Account | RowProblem]:
    return _read(path, ACCOUNT_COLUMNS, _parse_account)


def load_companies(path: Path) -> tuple[dict[str, Company], list[RowProblem]]:
    companies: dict[str, Company] = {}
    problems: list[RowProblem] = []
    for item in read_companies(path):
        if isinstance(item, RowProblem):
            problems.append(item)
        else:
            companies[item.domain] = item
    return companies, problems
