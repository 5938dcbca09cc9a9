"""Forms of the case pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiezuo.dates import DateInput, RecordDateField
from xiezuo.field.models import Category as MeasureKind

from . import workflow as wf
from .models import Category, RiskType, Stage

DATE = DateInput()


class OpenCaseForm(forms.Form):
    """Self-report (农户自主申报) and staff check (干部排查): short, for a village clerk."""

    household_number = forms.CharField(label=_("Household number"), max_length=30)
    risk_types = forms.MultipleChoiceField(label=_("Risk types (up to 5)"), choices=RiskType.choices,
                                           widget=forms.CheckboxSelectMultiple)
    detail = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rigid_expenditure = forms.DecimalField(label=_("Rigid expenditure (yuan)"), max_digits=12, decimal_places=2,
                                           min_value=0, required=False)
    department = forms.CharField(label=_("Department"), max_length=60, required=False)
    on = RecordDateField(label=_("Date"), widget=DATE, initial=timezone.localdate)

    def clean_risk_types(self):
        risks = self.cleaned_data["risk_types"]
        if len(risks) > wf.MAX_RISKS:
            raise forms.ValidationError(_("At most %(n)d risk types per case."), params={"n": wf.MAX_RISKS})
        return risks


class AdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Next step"), choices=Stage.choices)
    on = RecordDateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    category = forms.ChoiceField(label=_("Category (county decision)"), required=False,
                                 choices=[("", "—"), *Category.choices])
    income_stable = forms.BooleanField(label=_("Income stable for at least half a year"), required=False)
    rigid_expense_resolved = forms.BooleanField(label=_("Rigid expenses resolved"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            allowed = wf.TRANSITIONS.get(case.stage, ())
            labels = dict(Stage.choices)
            self.fields["to_stage"].choices = [(s, labels[s]) for s in allowed]
            if case.stage != wf.COUNTY_DECISION:
                del self.fields["category"]
            if case.stage != wf.ELIMINATION_CHECK:
                del self.fields["income_stable"]
                del self.fields["rigid_expense_resolved"]


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=MeasureKind.choices)
    risk_type = forms.ChoiceField(label=_("Risk addressed"), choices=RiskType.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    helping_unit = forms.CharField(label=_("Helping unit"), max_length=100, required=False)
    responsible = forms.CharField(label=_("Person responsible"), max_length=50)
    start_on = forms.DateField(label=_("Start"), widget=DATE, initial=timezone.localdate)
    end_on = forms.DateField(label=_("End"), widget=DATE, required=False)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0,
                                required=False)
    result = forms.CharField(label=_("Result"), max_length=200, required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            labels = dict(RiskType.choices)
            self.fields["risk_type"].choices = [(r, labels.get(r, r)) for r in case.risk_types]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (JPEG, PNG or PDF, at most 10 MB)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AssignForm(forms.Form):
    """Hand a case to another person who may work in its village (or to nobody)."""

    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False, empty_label="—")

    def __init__(self, *args, case=None, **kwargs):
        from django.contrib.auth import get_user_model

        from xiezuo.accounts.access import users_within

        super().__init__(*args, **kwargs)
        allowed = [u.pk for u in users_within(case.household.village_id, "change", personal_data=True)]
        self.fields["owner"].queryset = get_user_model().objects.filter(pk__in=allowed).order_by("username")
        self.fields["owner"].initial = case.owner_id
