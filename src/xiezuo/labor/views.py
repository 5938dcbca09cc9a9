"""Labour pages: placements, students, workshops and workstations (see `crud.Entity`)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from . import forms, selectors, services
from .crud import Column, Entity, Filter, county_filter, year_filter
from .models import Place, Placement, VocationalStudent, Workshop, Workstation


def _placement_totals(qs):
    agg = qs.aggregate(people=Count("member_id", distinct=True), months=Sum("months_employed"))
    return [(_("People placed"), agg["people"]), (_("Months employed"), agg["months"] or 0)]


PLACEMENTS = Entity(
    app="labor", name="placement", model=Placement, title=_("Job placements"), personal=True,
    selector=selectors.placement_list, form=forms.PlacementForm, create=services.placement_create,
    update=services.placement_update, update_kwarg="placement",
    filters=[year_filter(), county_filter(), Filter("place", _("Where"), lambda: list(Place.choices))],
    total=_placement_totals,
    columns=[Column(_("Member"), lambda p: p.member.name), Column(_("Village"), lambda p: p.village.name),
             Column(_("Employer"), lambda p: p.employer), Column(_("Where"), lambda p: p.get_place_display()),
             Column(_("Start"), lambda p: p.start_date), Column(_("End"), lambda p: p.end_date),
             Column(_("Monthly wage"), lambda p: p.monthly_wage, num=True),
             Column(_("Months"), lambda p: p.months_employed, num=True)],
)
STUDENTS = Entity(
    app="labor", name="student", model=VocationalStudent, title=_("Vocational students sent east"), personal=True,
    selector=selectors.student_list, form=forms.StudentForm, create=services.student_create,
    update=services.student_update, update_kwarg="student", filters=[year_filter(), county_filter()],
    total=lambda qs: [(_("Students"), qs.count())],
    columns=[Column(_("Member"), lambda s: s.member.name), Column(_("Village"), lambda s: s.village.name),
             Column(_("School"), lambda s: s.school), Column(_("Programme"), lambda s: s.programme),
             Column(_("Year enrolled"), lambda s: s.enrolled_year, num=True)],
)
WORKSHOPS = Entity(
    app="labor", name="workshop", model=Workshop, title=_("Poverty-alleviation workshops"),
    selector=selectors.workshop_list, form=forms.WorkshopForm, create=services.workshop_create,
    update=services.workshop_update, update_kwarg="workshop", filters=[year_filter(), county_filter()],
    total=lambda qs: [(_("Workshops"), qs.count()), (_("Jobs offered"), qs.aggregate(n=Sum("jobs_offered"))["n"] or 0)],
    columns=[Column(_("Name"), lambda w: w.name), Column(_("Village"), lambda w: w.village.name),
             Column(_("Owner"), lambda w: w.owner_name), Column(_("Opened"), lambda w: w.opened_on),
             Column(_("Jobs offered"), lambda w: w.jobs_offered, num=True)],
)
WORKSTATIONS = Entity(
    app="labor", name="workstation", model=Workstation, title=_("Labour workstations in the east"),
    selector=selectors.workstation_list, form=forms.WorkstationForm, create=services.workstation_create,
    update=services.workstation_update, update_kwarg="workstation", filters=[year_filter(), county_filter()],
    columns=[Column(_("Name"), lambda w: w.name), Column(_("Located in"), lambda w: w.east_division.name),
             Column(_("Serves"), lambda w: w.serves.name), Column(_("Opened"), lambda w: w.opened_on)],
)
ENTITIES = [PLACEMENTS, STUDENTS, WORKSHOPS, WORKSTATIONS]
