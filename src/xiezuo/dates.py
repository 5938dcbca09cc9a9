"""The one rule for dates that users and files give: not before 2013, not after tomorrow.

The poverty registry began in 2014 and the book's data start in 2013, so nothing this
platform records happened earlier; nor can a visit, a posting or a status change happen in
the future (one day of margin for time zones and late-evening entries). 0001-01-01 and
9999-12-31 were accepted before and broke reports and year filters.

Model fields use `validate_record_date` (so ModelForms, `full_clean` in services, the admin
and the API all check it); plain forms use `RecordDateField`; services taking a date that
no model field validates call `check`.

Every form's dates share `DateInput` and `DatedForm` (here, below every app, so that `accounts` and the
domain apps use them without importing another app's forms). A browser's <input type="date"> takes only
yyyy-mm-dd and shows nothing for any other value, so the widget always writes ISO whatever the language's
formats say (pages show dates in Chinese style; inputs stay ISO).
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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 (Django's argument name)
        super().__init__(attrs, format or "%Y-%m-%d")


class DatedForm:
    """Mixin for the forms that record something (a step, a payment, a visit): every date field gets the ISO
    date widget, and an unbound form for a new record starts its required dates at today, so a clerk confirms
    or changes the date instead of typing it. An edit form shows the record's own dates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        new = instance is None or instance.pk is None
        for name, field in self.fields.items():
            if not isinstance(field, forms.DateField) or isinstance(field, forms.DateTimeField):
                continue
            if type(field.widget) in (forms.DateInput, forms.TextInput, DateInput):
                attrs = {k: v for k, v in field.widget.attrs.items() if k != "type"}
                field.widget = DateInput(attrs)
            if (new and not self.is_bound and field.required and field.initial is None
                    and self.initial.get(name) is None):
                self.initial[name] = timezone.localdate()
