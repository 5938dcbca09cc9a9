"""What every form shares: the date widget, and today as the default of a date that records something.

A browser's <input type="date"> takes only yyyy-mm-dd and shows nothing for any other value, so the widget
always writes ISO whatever the language's formats say (pages show dates in Chinese style; inputs stay ISO).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone


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
