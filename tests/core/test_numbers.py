"""Numbers on pages (learncity.core.templatetags.numbers), rendered through templates as pages render them."""

from decimal import Decimal

import pytest
from django.template import Context, Template


def render(text: str, **context) -> str:
    return Template("{% load numbers %}" + text).render(Context(context))


@pytest.mark.parametrize(("value", "shown"), [
    (52.2000000000000, "52.2"),          # SQLite's float sum of hours
    (52.199999999999996, "52.2"),
    (Decimal("24.0"), "24"),
    (Decimal("3.25"), "3.25"),
    (Decimal("3.125"), "3.13"),          # half up, not to even
    (Decimal("2.675"), "2.68"),
    (1763, "1,763"),
    (Decimal("1234567.5"), "1,234,567.5"),
    ("40.50", "40.5"),
    (0, "0"),
    (Decimal("-0.001"), "0"),            # never "-0"
    (Decimal("-2.5"), "-2.5"),
    (Decimal("1E+2"), "100"),
])
def test_num_drops_float_noise_and_trailing_zeros(value, shown):
    assert render("{{ x|num }}", x=value) == shown


def test_num_takes_the_places_to_keep():
    assert render("{{ x|num:1 }}|{{ x|num:0 }}|{{ x|num:3 }}", x=Decimal("7.2549")) == "7.3|7|7.255"


def test_num_with_places_it_cannot_read_keeps_two():
    assert render('{{ x|num:"many" }}', x=Decimal("7.2549")) == "7.25"


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("680.00"), "¥680"),
    (Decimal("12.5"), "¥12.50"),
    (Decimal("1280"), "¥1,280"),
    (99.999, "¥100"),
    (Decimal("0"), "¥0"),
    (Decimal("-12.5"), "-¥12.50"),
    ("35.1", "¥35.10"),
])
def test_money_in_yuan_with_cents_only_when_there_are_some(value, shown):
    assert render("{{ x|money }}", x=value) == shown


def test_nothing_prints_nothing_so_a_default_still_applies():
    assert render('{{ x|num|default:"—" }}/{{ y|money|default:"—" }}/{{ z|num }}', x=None, y="", z=None) == "—/—/"


@pytest.mark.parametrize("value", ["n/a", "12 小时", float("nan"), float("inf"), True])
def test_a_value_that_is_not_a_number_is_printed_as_it_came(value):
    expected = Template("{{ x }}").render(Context({"x": value}))
    assert render("{{ x|num }}", x=value) == expected
    assert render("{{ x|money }}", x=value) == expected
