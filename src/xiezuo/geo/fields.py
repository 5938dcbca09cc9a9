"""Form fields over divisions, shared by every app's forms (below them all, so none imports another's forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Division


class DivisionCodeField(forms.CharField):
    """A division entered by its statistical code (6, 9 or 12 digits), on one side."""

    def __init__(self, *args, side: str = "", **kwargs):
        self.side = side
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "size": 14}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Division):
            return value.code
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        code = value.strip()
        if not code.isdigit() or len(code) not in (6, 9, 12):
            raise forms.ValidationError(_("A division code has 6, 9 or 12 digits."))
        division = Division.objects.filter(code=code.ljust(12, "0")).first()
        if division is None:
            raise forms.ValidationError(_("No division has the code %(code)s.") % {"code": code})
        if self.side and division.side != self.side:
            raise forms.ValidationError(_("%(name)s is not on this side.") % {"name": division.name})
        return division
