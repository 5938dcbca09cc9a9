"""Unified social credit code: stdnum's check plus the embedded GB 11714 check (domain brief §8.2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from xiezuo.cooperation.uscc import make_uscc, org_code_check_char, validate_uscc


def test_published_example_is_valid():
    # GB 32100-2015 example quoted in domain brief §8.2: 60003734 → check "1" at position 17
    assert org_code_check_char("60003734") == "1"
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    assert validate_uscc("9111 0000 6000 3734 1L".lower().upper()) == "91110000600037341L"


def test_bad_check_character():
    with pytest.raises(ValidationError, match="position 18.*should be L"):
        validate_uscc("91110000600037341A")


def test_bad_embedded_organisation_code_check():
    # position 17 changed to "2" and position 18 recomputed, so stdnum alone accepts it
    first17 = "91110000600037342"
    code = first17 + uscc.calc_check_digit(first17)
    assert uscc.is_valid(code)
    with pytest.raises(ValidationError, match="position 17.*should be 1"):
        validate_uscc(code)


@pytest.mark.parametrize("code", ["9111000060003734", "91110000600037341LL", "9111000060003734IL"])
def test_wrong_length_or_alphabet(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_org_code_check_maps_10_and_11():
    bodies = {org_code_check_char(f"{n:08d}") for n in range(0, 400)}
    assert {"X", "0"} <= bodies
    assert validate_uscc(make_uscc("93510822", "00000123"))
