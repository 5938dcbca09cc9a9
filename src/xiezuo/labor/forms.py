"""Forms for labour pages: they parse input only; the services validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.scoped_forms import UserForm, divisions
from xiezuo.registry.models import Member

from .models import Placement, VocationalStudent, Workshop, Workstation


def member_field(user) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Member.objects.restrict(user, "change").filter(deceased=False), label=_("Member (registry id)"),
        widget=forms.NumberInput, help_text=_("The member's number in the registry (see the household page)."))


class WorkstationForm(UserForm):
    class Meta:
        model = Workstation
        fields = ["name", "east_division", "serves", "opened_on", "closed_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["east_division"].queryset = divisions(level=("city", "county"), side="east")
        self.fields["serves"].queryset = divisions(level="county", side="west", user=self.user,
                                                   keep=self.current("serves"))


class WorkshopForm(UserForm):
    class Meta:
        model = Workshop
        fields = ["name", "village", "owner_name", "owner_uscc", "opened_on", "jobs_offered"]
        widgets = {"village": forms.TextInput(attrs={"inputmode": "numeric", "size": 14})}
        help_texts = {"village": _("The village's 12-digit division code.")}


class PlacementForm(UserForm):
    months_employed = forms.IntegerField(label=_("Months employed in the start year"), required=False,
                                         help_text=_("Left blank, it is computed from the dates."))

    class Meta:
        model = Placement
        fields = ["member", "employer", "place", "workstation", "workshop", "start_date", "end_date",
                  "monthly_wage", "months_employed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = member_field(self.user)
        self.fields["workstation"].queryset = Workstation.objects.restrict(self.user, "view")
        self.fields["workshop"].queryset = Workshop.objects.restrict(self.user, "view")


class StudentForm(UserForm):
    class Meta:
        model = VocationalStudent
        fields = ["member", "school", "school_division", "programme", "enrolled_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = member_field(self.user)
        self.fields["school_division"].queryset = divisions(level=("city", "county"), side="east")
