"""core.inputs: one reading of numbers and dates, and field-named, translated errors for every schema."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import translation
from pydantic import Field

from learncity.core.errors import DomainError, NotFound, PermissionDenied, Refusal, ValidationError
from learncity.core.inputs import Amount, Day, Input, number, parse


class Sample(Input):
    credits: Amount = Field(gt=0)
    hours: Amount | None = None
    when: Day | None = None
    name: str = Field(min_length=1, max_length=5)
    kinds: list[str] = []


def errors(data, schema=Sample, **kwargs) -> dict:
    with pytest.raises(DomainError) as caught:
        parse(schema, data, **kwargs)
    return caught.value.errors


def test_good_input_comes_out_typed():
    data = parse(Sample, {"credits": " 1.50 ", "hours": 12, "when": "2026-12-07", "name": " 书法 ", "csrf": "x"})

    assert data.credits == Decimal("1.50")
    assert data.hours == Decimal(12)
    assert data.when == datetime.date(2026, 12, 7)
    assert data.name == "书法"  # stripped; the form's extra fields are ignored


def test_a_json_number_is_read_by_its_shortest_form():
    assert parse(Sample, {"credits": 0.1, "name": "a"}).credits == Decimal("0.1")


def test_every_wrong_field_is_named_at_once():
    assert errors({"credits": "x", "hours": "1.234", "when": "2026-13-01", "name": "abcdefg"}) == {
        "credits": ["「x」不是数字"],
        "hours": ["「1.234」最多 2 位小数"],
        "when": ["「2026-13-01」不是日期（YYYY-MM-DD）"],
        "name": ["不能超过 5 个字符"],
    }


@pytest.mark.parametrize(("value", "message"), [
    ("", "必填"),
    (None, "必填"),
    (True, "「True」不是数字"),
    ("NaN", "「NaN」不是合理的数字"),
    ("1e9", "「1e9」不是合理的数字"),
    ("0", "必须大于 0，而不是 0"),
    ("-1", "必须大于 0，而不是 -1"),
])
def test_a_bad_number_says_what_is_wrong(value, message):
    assert errors({"credits": value, "name": "a"})["credits"] == [message]


def test_one_wrong_field_is_a_validation_error_with_its_code_and_field():
    with pytest.raises(ValidationError) as caught:
        parse(Sample, {"credits": "1", "name": ""})

    assert caught.value.field == "name"
    assert caught.value.errors == {"name": ["必填"]}
    assert caught.value.status == 400


def test_missing_fields_are_required():
    assert errors({}) == {"credits": ["必填"], "name": ["必填"]}


def test_a_query_dict_gives_lists_to_list_fields_only():
    data = parse(Sample, QueryDict("credits=2&name=ab&kinds=course&kinds=event&hours="))

    assert data.kinds == ["course", "event"]
    assert data.credits == Decimal(2)
    assert data.hours is None  # a blank optional field


def test_aliases_rename_fields_in_the_errors():
    assert errors({"credits": "x", "name": "a"}, aliases={"credits": "credit_value"}) == {
        "credit_value": ["「x」不是数字"]}


def test_a_parsed_object_passes_through():
    data = parse(Sample, {"credits": "1", "name": "a"})

    assert parse(Sample, data) is data


def test_messages_follow_the_language():
    with translation.override("en"):
        assert errors({"credits": "0", "name": "abcdefg"}) == {
            "credits": ["must be greater than 0, not 0"], "name": ["must be at most 5 characters"]}


def test_number_by_hand_uses_the_same_rule():
    assert number("3.25", "hours") == Decimal("3.25")
    with pytest.raises(ValidationError) as caught:
        number("3.255", "hours")
    assert caught.value.errors == {"hours": ["「3.255」最多 2 位小数"]}
    assert number("3.5", "score", places=1) == Decimal("3.5")


def test_not_found_and_permission_denied_are_not_input_errors():
    # a form catching DomainError to show input errors must not swallow a 403 or a 404
    assert not issubclass(NotFound, DomainError)
    assert not issubclass(PermissionDenied, DomainError)
    assert issubclass(NotFound, Refusal) and issubclass(PermissionDenied, Refusal)
    assert (NotFound().status, PermissionDenied().status, ValidationError("x", "f", "m").status) == (404, 403, 400)


def test_a_whole_number_field_says_a_fraction_is_not_whole():
    class Seats(Input):
        capacity: int

    for value in ("12.5", 12.5):
        with pytest.raises(ValidationError) as exc:
            parse(Seats, {"capacity": value})
        assert exc.value.errors == {"capacity": ["「12.5」不是整数"]}
    with pytest.raises(ValidationError) as exc:
        parse(Seats, {"capacity": "很多"})
    assert exc.value.errors == {"capacity": ["「很多」不是数字"]}
