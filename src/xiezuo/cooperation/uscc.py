"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015) validation.

python-stdnum checks the 18-character code's own check character (position 18) but not the
GB 11714 organisation-code check embedded at position 17 (domain brief §8.2), so both are
checked here: S' = Σ v(c)·(3 7 9 10 5 8 4 2) over positions 9–16, c = 11 − S' mod 11,
10 → "X", 11 → "0". Example: 91110000600037341L.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: str) -> str:
    """The compact code if valid; otherwise a ValidationError saying which check failed."""
    code = uscc.compact(value or "")
    try:
        code = uscc.validate(code)
    except stdnum_exceptions.InvalidLength as exc:
        raise ValidationError(_("A unified social credit code has 18 characters; %(code)s has %(n)d."),
                              code="uscc.length", params={"code": code, "n": len(code)}) from exc
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check character (position 18) of %(code)s is wrong; it should be %(check)s."),
            code="uscc.checksum", params={"code": code, "check": uscc.calc_check_digit(code[:17])}) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("%(code)s is not a unified social credit code: only digits and the letters "
              "ABCDEFGHJKLMNPQRTUWXY are used, the 3rd to 8th characters are digits."),
            code="uscc.format", params={"code": code}) from exc
    body, check = code[8:16], code[16]
    if not body.isalnum() or org_code_check_char(body) != check:
        raise ValidationError(
            _("The embedded organisation code check (position 17) of %(code)s is wrong; "
              "for %(body)s it should be %(check)s."),
            code="uscc.org_code", params={"code": code, "body": body, "check": org_code_check_char(body)})
    return code


def make_uscc(prefix8: str, body: str) -> str:
    """A valid code from the first 8 characters and an 8-character organisation body (demo data)."""
    first17 = prefix8 + body + org_code_check_char(body)
    return first17 + uscc.calc_check_digit(first17)
