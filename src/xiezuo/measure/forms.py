from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Run


class WhatIfForm(forms.Form):
    base_run = forms.ModelChoiceField(label=_("Published run"), queryset=Run.objects.none())
    monitoring_threshold = forms.DecimalField(label=_("Monitoring threshold (yuan)"), required=False,
                                              min_value=Decimal("1"), max_digits=10, decimal_places=2)
    poverty_line = forms.DecimalField(label=_("Poverty line (yuan)"), required=False, min_value=Decimal("1"),
                                      max_digits=10, decimal_places=2)
    k = forms.FloatField(label=_("MPI cutoff k"), required=False, min_value=0.0001, max_value=1,
                         help_text=_("e.g. 0.25 for 1/4"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_run"].queryset = Run.objects.filter(published=True).select_related("policy").order_by("-year")

    def changes(self) -> dict:
        out = {}
        d = self.cleaned_data
        if d.get("monitoring_threshold") is not None:
            out["monitoring_threshold"] = str(d["monitoring_threshold"])
        if d.get("poverty_line") is not None:
            out["poverty_line"] = str(d["poverty_line"])
        if d.get("k") is not None:
            out["mpi.k"] = d["k"]
        return out

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(_("Change at least one parameter."))
        return cleaned
