from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from xiezuo.policy.models import PolicyVersion

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


def _published_policies():
    return PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).order_by("-year", "name")


class PolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.year} · {obj.name}"


class RunForm(forms.Form):
    """A measurement run (a background job): the year is the policy's."""

    policy = PolicyChoiceField(label=_("Policy"), queryset=PolicyVersion.objects.none())
    publish = forms.BooleanField(label=_("Publish the run and freeze its inputs"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = _published_policies()


class SnapshotForm(forms.Form):
    """A snapshot of the engine's inputs for the policy's year (a background job; administrators)."""

    policy = PolicyChoiceField(label=_("Policy"), queryset=PolicyVersion.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = _published_policies()
