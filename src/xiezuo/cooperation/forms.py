"""Forms parse input only; the services validate, check scope and audit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiezuo.dates import DatedForm
from xiezuo.geo.fields import DivisionCodeField

from .models import Agreement, Enterprise, Indicator, Meeting, Organisation, Pairing, Visit


class OrganisationForm(forms.ModelForm):
    division = DivisionCodeField(label=_("division code"))

    class Meta:
        model = Organisation
        fields = ["name", "name_en", "kind", "side", "division", "uscc"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.initial["division"] = self.instance.division_id

    def _post_clean(self):  # the service validates the model
        pass


def _org_choices(side: str):
    return Organisation.objects.filter(side=side).order_by("name")


class PairingForm(DatedForm, forms.ModelForm):
    east_division = DivisionCodeField(label=_("eastern division code"), side="east", required=False)
    west_division = DivisionCodeField(label=_("western division code"), side="west", required=False)

    class Meta:
        model = Pairing
        fields = ["level", "round", "east_division", "east_organisation", "west_division", "west_organisation",
                  "basis", "valid_from", "valid_to"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["east_organisation"].queryset = _org_choices("east")
        self.fields["west_organisation"].queryset = _org_choices("west").filter(
            pk__in=Organisation.objects.restrict(user, "view").values("pk")) if user else _org_choices("west")
        if self.instance and self.instance.pk:
            self.initial["east_division"] = self.instance.east_division_id
            self.initial["west_division"] = self.instance.west_division_id

    def clean(self):
        data = super().clean()
        if not data.get("east_division") and not data.get("east_organisation"):
            self.add_error("east_division", _("Give the eastern division or organisation."))
        if not data.get("west_division") and not data.get("west_organisation"):
            self.add_error("west_division", _("Give the western division or organisation."))
        return data

    def _post_clean(self):
        pass


class AgreementForm(DatedForm, forms.ModelForm):
    east_division = DivisionCodeField(label=_("eastern party (division code)"), side="east")
    west_division = DivisionCodeField(label=_("western party (division code)"), side="west")

    class Meta:
        model = Agreement
        fields = ["title", "round", "east_division", "west_division", "signed_on", "valid_from", "valid_to"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.initial["east_division"] = self.instance.east_division_id
            self.initial["west_division"] = self.instance.west_division_id

    def _post_clean(self):
        pass


class _ActivityForm(DatedForm, forms.ModelForm):
    """A visit, meeting or enterprise: the western county and the eastern partner by code; the
    services link the county pairing valid on the date."""

    west_division = DivisionCodeField(label=_("western county (division code)"), side="west")
    east_division = DivisionCodeField(label=_("eastern partner (division code)"), side="east", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.initial["east_division"] = self.instance.east_division_id
            self.initial["west_division"] = self.instance.west_division_id

    def _post_clean(self):  # the service validates the model
        pass


class VisitForm(_ActivityForm):
    class Meta:
        model = Visit
        fields = ["date", "kind", "title", "leader", "west_division", "east_division", "note"]


class MeetingForm(_ActivityForm):
    class Meta:
        model = Meeting
        fields = ["date", "kind", "title", "west_division", "east_division", "note"]


class EnterpriseForm(_ActivityForm):
    class Meta:
        model = Enterprise
        fields = ["name", "uscc", "year", "industry", "west_division", "east_division", "investment_planned",
                  "investment_arrived", "in_production", "poor_people_driven", "note"]


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1996, max_value=2100)
    indicator = forms.ChoiceField(label=_("indicator"), choices=Indicator.choices)
    target = forms.DecimalField(label=_("target"), min_value=0, max_digits=16, decimal_places=2)
    unit = forms.CharField(label=_("unit"), max_length=20, required=False)
