"""The one rule for dates that users and files give: not before 2013, not after tomorrow.

The poverty registry began in 2014 and the book's data start in 2013, so nothing this
platform records happened earlier; nor can a visit, a posting or a status change happen in
the future (one day of margin for time zones and late-evening entries). 0001-01-01 and
9999-12-31 were accepted before and broke reports and year filters.

Model fields use `validate_record_date` (so ModelForms, `full_clean` in services, the admin
and the API all check it); plain forms use `RecordDateField`; services taking a date that
no model field validates call `check`.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(2013, 1, 1)
FUTURE_MARGIN = dt.timedelta(days=1)


def latest() -> dt.date:
    return timezone.localdate() + FUTURE_MARGIN


def validate_record_date(value: dt.date | None) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime):
        value = value.date()
    if value < EARLIEST:
        raise ValidationError(_("Dates before %(earliest)s are not accepted: the registry's data start in 2013."),
                              code="date_too_early", params={"earliest": EARLIEST.isoformat()})
    if value > latest():
        raise ValidationError(_("A date after %(latest)s is in the future: enter the day it happened."),
                              code="date_in_future", params={"latest": latest().isoformat()})


def check(value: dt.date | None, field: str) -> None:
    """For a service argument: the rule, as an error on `field`."""
    try:
        validate_record_date(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from exc


class RecordDateField(forms.DateField):
    """A date input bounded by the rule (also in the browser's date picker)."""

    default_validators = [validate_record_date]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"min": EARLIEST.isoformat(), "max": latest().isoformat()})
        return attrs
