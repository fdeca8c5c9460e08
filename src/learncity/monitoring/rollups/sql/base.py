"""The protocol of the rollups' SQL that differs by database."""

from typing import Protocol


class RollupSql(Protocol):
    def age_base(self, birth: str) -> str:
        """SQL of the year from which a person's age at 1 January is counted, from the date column `birth`: the
        birth year, plus one unless born on 1 January (the age at 1 January of year Y is Y minus it)."""

    def since(self, registered: str, created: str) -> str:
        """SQL of the month a resident registered as the integer YYYYMM: the date `registered`, else the day of the
        timestamp `created`."""

    def date_part(self, expr: str, part: str) -> str:
        """SQL of the year, month or day (`part`) of the date `expr` as an integer, natively (no Python per row)."""

    def fence(self) -> str:
        """What ends a subquery so the planner keeps it a subquery (works each row's values out once)."""

    def analyze(self, cursor, table: str) -> None:
        """Give the planner fresh figures of a table just filled (or rewritten in bulk)."""

    def prepare_lookup(self, cursor, table: str, columns: tuple[str, ...]) -> None:
        """Make a temporary table cheap to look rows up in by all of `columns` (before a reconciliation)."""

    def bulk_settings(self, cursor) -> None:
        """Settings for this transaction's big statements."""
