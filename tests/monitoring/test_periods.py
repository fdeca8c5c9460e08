import datetime

import pytest

from learncity.core.errors import DomainError
from learncity.monitoring.periods import (
    Period,
    period_check_countable,
    period_custom,
    period_of,
    period_parse,
)

D = datetime.date


@pytest.mark.parametrize(("key", "kind", "start", "end", "label"), [
    ("2026", "year", D(2026, 1, 1), D(2026, 12, 31), "2026年"),
    ("2026-Q3", "quarter", D(2026, 7, 1), D(2026, 9, 30), "2026年第3季度"),
    ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29), "2024年2月"),
    ("2026-01-15..2026-03-02", "custom", D(2026, 1, 15), D(2026, 3, 2), "2026-01-15至2026-03-02"),
])
def test_periods_parse_and_print_back(key, kind, start, end, label):
    p = period_parse(key)
    assert (p.kind, p.start, p.end, p.label, p.key) == (kind, start, end, label, key)


@pytest.mark.parametrize(("key", "words"), [
    ("2026-03-31..2026-01-01", "早于开始日期"),
    ("2026-13", "月份"),
    ("2026-Q5", "不是期间"),
    ("2026-02-30..2026-03-01", "不是有效日期"),
    ("", "不是期间"),
    ("next year", "不是期间"),
])
def test_bad_periods_say_what_is_wrong(key, words):
    with pytest.raises(DomainError) as exc:
        period_parse(key)
    assert words in " ".join(exc.value.errors["period"])


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(DomainError) as exc:
        period_custom(D(2026, 5, 1), D(2026, 4, 30))
    assert exc.value.errors == {"period": ["期间的结束日期 2026-04-30 早于开始日期 2026-05-01"]}


def test_previous_months_and_masks():
    assert period_parse("2026-Q1").previous() == period_parse("2025-Q4")
    assert period_parse("2026-01").previous() == period_parse("2025-12")
    assert period_parse("2026").previous() == period_parse("2025")
    assert period_parse("2026-03-01..2026-04-30").previous() == Period("custom", D(2026, 1, 1), D(2026, 2, 28))
    assert period_parse("2026-Q2").mask() == 0b000000111000
    assert period_parse("2026").mask() == 0xFFF
    assert period_parse("2025-11-01..2026-02-28").months() == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]


def test_elapsed_share():
    q = period_of("quarter", D(2026, 2, 1))  # 90 days
    assert q.elapsed_share(D(2025, 12, 31)) == 0
    assert q.elapsed_share(D(2026, 1, 9)) == pytest.approx(9 / 90)
    assert q.elapsed_share(D(2026, 4, 1)) == 1


def test_custom_periods_are_counted_in_whole_months_within_a_year():
    period_check_countable(period_parse("2026-02-01..2026-05-31"))
    for key in ("2026-02-03..2026-05-31", "2025-12-01..2026-01-31"):
        with pytest.raises(DomainError) as exc:
            period_check_countable(period_parse(key))
        assert "整月" in exc.value.errors["period"][0]
