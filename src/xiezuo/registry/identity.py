"""Resident identity numbers (公民身份号码, GB 11643-1999), validated with python-stdnum.

Format, check digit and date of birth are rules: a number failing them is refused.
The region code is only a warning: `stdnum.cn.ric.validate` rejects a code that did not
exist in the holder's birth year, but real numbers carry the code current when the card
was *issued* (1984–85, or the 1999 upgrade), so elderly people in counties created
later (朝天 1989, for example) hold genuine numbers that fail it (domain brief §8.3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric


class InvalidIdNumber(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdCheck:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F" from the 17th digit
    warnings: list[str] = field(default_factory=list)


def check_character(body: str) -> str:
    """The 18th character for a 17-digit body (stdnum expects a placeholder in position 18)."""
    return ric.calc_check_digit(body[:17] + "0")


def upgrade_15(number: str) -> str:
    """A first-generation 15-digit number as its 18-digit form (insert "19", add the check digit)."""
    body = number[:6] + "19" + number[6:]
    return body + check_character(body)


def check_id_number(raw: str, *, today: dt.date | None = None) -> IdCheck:
    """Validate and normalise; raise `InvalidIdNumber` with a message saying why and how to fix."""
    number = ric.compact(str(raw or ""))
    if not number:
        raise InvalidIdNumber("id.empty", _("The identity number is empty."))
    if len(number) == 15 and number.isdigit():
        number = upgrade_15(number)
    if len(number) != 18:
        raise InvalidIdNumber(
            "id.length",
            _("The identity number has %(n)d characters; it must have 18 (or 15 for an old card).")
            % {"n": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(
            "id.format",
            _("The identity number may contain only digits, with X allowed as the last character."),
        )
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidIdNumber(
            "id.checksum",
            _("The check digit is wrong (expected %(expected)s, found %(found)s): a digit was probably mistyped.")
            % {"expected": ric.calc_check_digit(number), "found": number[17]},
        )
    try:
        birth = ric.get_birth_date(number)
    except stdnum_exceptions.ValidationError as exc:
        raise InvalidIdNumber(
            "id.birth_date", _("Digits 7–14 (%(digits)s) are not a valid date of birth.") % {"digits": number[6:14]}
        ) from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise InvalidIdNumber(
            "id.birth_date", _("The date of birth %(date)s is impossible.") % {"date": birth.isoformat()}
        )
    warnings: list[str] = []
    try:
        ric.get_birth_place(number)
    except stdnum_exceptions.ValidationError:
        warnings.append(
            _("Region code %(code)s was not in use in the birth year %(year)d; accepted, as numbers issued later "
              "carry the newer code.") % {"code": number[:6], "year": birth.year}
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return IdCheck(number=number, birth_date=birth, sex=sex, warnings=warnings)
