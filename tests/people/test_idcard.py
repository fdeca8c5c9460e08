"""Resident ID numbers (GB 11643-1999): check character, birth date, sex and the masked form."""

import datetime

import pytest

from learncity.core.errors import DomainError
from learncity.people import idcard

TODAY = datetime.date(2026, 11, 1)


def _id_error(raw: str, *, today: datetime.date = TODAY) -> list[str]:
    with pytest.raises(DomainError) as exc:
        idcard.parse(raw, today=today)
    return exc.value.errors["id_number"]


def test_a_valid_number_ending_in_x_gives_birth_date_and_sex():
    # given the standard's own example, whose check character is X
    number = "11010519491231002X"

    # when it is parsed
    rid = idcard.parse(number, today=TODAY)

    # then it is accepted, with its birth date and sex (17th digit 2 is even: female)
    assert rid == idcard.ResidentId(number="11010519491231002X", birth_date=datetime.date(1949, 12, 31), sex="F")


def test_a_valid_number_with_an_odd_sequence_is_male():
    rid = idcard.parse("350102199003071234", today=TODAY)

    assert rid == idcard.ResidentId(number="350102199003071234", birth_date=datetime.date(1990, 3, 7), sex="M")


def test_check_char_follows_iso_7064_mod_11_2():
    # weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over 11010519491231002 sum to 167; 167 % 11 = 2 -> "X"
    assert idcard.check_char("11010519491231002") == "X"
    # 35010219900307123 sums to 228; 228 % 11 = 8 -> "4"
    assert idcard.check_char("35010219900307123") == "4"


def test_a_lower_case_x_and_spaces_are_normalised():
    rid = idcard.parse(" 110105 19491231 002x ", today=TODAY)

    assert rid.number == "11010519491231002X"


def test_make_builds_numbers_that_parse():
    number = idcard.make("350102", datetime.date(1985, 6, 15), 37)

    assert number[:17] == "35010219850615037"
    assert idcard.parse(number, today=TODAY) == idcard.ResidentId(
        number=number, birth_date=datetime.date(1985, 6, 15), sex="M"
    )


def test_a_wrong_check_digit_names_the_expected_character():
    assert _id_error("110105194912310021") == ["身份证号码校验位错误：最后一位应为 X，而不是 1"]


def test_a_wrong_check_x_names_the_expected_digit():
    assert _id_error("35010219900307123X") == ["身份证号码校验位错误：最后一位应为 4，而不是 X"]


def test_an_impossible_date_is_refused():
    # given 30 February 1999, with an otherwise correct check character
    first17 = "35010219990230123"
    number = first17 + idcard.check_char(first17)

    assert _id_error(number) == ["身份证号码中的出生日期 19990230 不存在"]


def test_a_birth_date_in_the_future_is_refused():
    first17 = "35010220261102123"
    number = first17 + idcard.check_char(first17)

    assert _id_error(number, today=datetime.date(2026, 11, 1)) == ["身份证号码中的出生日期 2026-11-02 不可能"]


def test_a_birth_date_today_is_accepted():
    first17 = "35010220261101123"
    number = first17 + idcard.check_char(first17)

    assert idcard.parse(number, today=datetime.date(2026, 11, 1)).birth_date == datetime.date(2026, 11, 1)


def test_a_birth_year_before_1890_is_refused():
    assert _id_error("440524188001010014") == ["身份证号码中的出生日期 1880-01-01 不可能"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("3501021990030712", "身份证号码应为 18 位，「3501021990030712」是 16 位"),
        ("3501021990030712345", "身份证号码应为 18 位，「3501021990030712345」是 19 位"),
        ("", "身份证号码应为 18 位，「」是 0 位"),
        (None, "身份证号码应为 18 位，「」是 0 位"),
    ],
)
def test_a_number_of_the_wrong_length_is_refused(raw, message):
    assert _id_error(raw) == [message]


@pytest.mark.parametrize("raw", ["3501021990030A1234", "35010219900307123Y", "X50102199003071234", "35010219900307123-"])
def test_letters_are_refused(raw):
    assert _id_error(raw) == ["身份证号码前 17 位必须是数字，最后一位是数字或 X"]


def test_the_error_is_a_domain_error_on_the_id_number_field():
    with pytest.raises(DomainError) as exc:
        idcard.parse("123", today=TODAY)

    assert exc.value.code == "invalid"
    assert set(exc.value.errors) == {"id_number"}


def test_mask_keeps_region_and_last_four():
    assert idcard.mask("350102199003071234") == "350102********1234"


def test_masked_property_of_a_parsed_number():
    assert idcard.parse("11010519491231002X", today=TODAY).masked == "110105********002X"
