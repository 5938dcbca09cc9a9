"""Identity numbers against GB 11643-1999 and its published examples."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from xiezuo.registry.identity import InvalidIdNumber, check_character, check_id_number, upgrade_15


def test_standard_example_with_x_check_character():
    # GB 11643-1999 appendix example: 11010519491231002X (S = 167, 167 mod 11 = 2 -> X).
    result = check_id_number("11010519491231002X")
    assert result.number == "11010519491231002X"
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "F"  # 17th digit 2 is even


def test_lower_case_x_is_normalised():
    assert check_id_number("11010519491231002x").number == "11010519491231002X"


def test_fifteen_digit_number_is_upgraded():
    # The standard's upgrade example: 130503670401001 -> 130503196704010016.
    assert upgrade_15("130503670401001") == "130503196704010016"
    assert check_id_number("130503670401001").number == "130503196704010016"


def test_wrong_check_digit_is_refused_with_the_expected_one():
    with pytest.raises(InvalidIdNumber) as exc:
        check_id_number("110105194912310021")
    assert exc.value.code == "id.checksum"
    assert "X" in exc.value.message


@pytest.mark.parametrize(
    ("raw", "code"),
    [("", "id.empty"), ("5108221990", "id.length"), ("51082219900101123A", "id.format"),
     ("5.10802E+17", "id.length")],
)
def test_malformed_numbers_are_refused(raw, code):
    with pytest.raises(InvalidIdNumber) as exc:
        check_id_number(raw)
    assert exc.value.code == code


def test_impossible_birth_date_is_refused():
    body = "51082219901301123"  # month 13
    with pytest.raises(InvalidIdNumber) as exc:
        check_id_number(body + check_character(body))
    assert exc.value.code == "id.birth_date"


def test_future_birth_date_is_refused():
    body = "51082220990101123"
    with pytest.raises(InvalidIdNumber) as exc:
        check_id_number(body + check_character(body), today=dt.date(2026, 11, 29))
    assert exc.value.code == "id.birth_date"


def test_region_code_newer_than_birth_is_a_warning_not_a_refusal():
    # 朝天区 510812 dates from 1989; a man born there in 1960 holds a genuine number (domain brief §8.3).
    body = "51081219600101123"
    number = body + check_character(body)
    assert not ric.is_valid(number)  # stdnum alone would reject it
    result = check_id_number(number)
    assert result.warnings and "510812" in result.warnings[0]


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)), st.integers(0, 999))
def test_any_valid_number_round_trips(birth, seq):
    body = f"510824{birth:%Y%m%d}{seq:03d}"
    number = body + check_character(body)
    result = check_id_number(number)
    assert result.birth_date == birth
    assert result.sex == ("M" if seq % 2 else "F")
