from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import Placement, VocationalStudent, Workshop, Workstation


@admin.register(Workstation)
class WorkstationAdmin(ScopedModelAdmin):
    list_display = ["name", "east_division", "serves", "opened_on", "closed_on"]
    list_filter = ["opened_on"]
    search_fields = ["name"]


@admin.register(Workshop)
class WorkshopAdmin(ScopedModelAdmin):
    list_display = ["name", "village", "owner_name", "opened_on", "jobs_offered"]
    search_fields = ["name", "owner_name"]
    raw_id_fields = ["village"]


@admin.register(Placement)
class PlacementAdmin(ScopedModelAdmin):
    list_display = ["member", "village", "employer", "place", "start_date", "end_date", "monthly_wage",
                    "months_employed"]
    list_filter = ["place"]
    raw_id_fields = ["workstation", "workshop"]
    readonly_fields = ["village", "member", "months_employed"]

    def has_add_permission(self, request):
        return False  # added through the pages, whose services derive the scope fields


@admin.register(VocationalStudent)
class VocationalStudentAdmin(ScopedModelAdmin):
    list_display = ["member", "village", "school", "programme", "enrolled_year"]
    list_filter = ["enrolled_year"]
    readonly_fields = ["village", "member"]

    def has_add_permission(self, request):
        return False  # added through the pages, whose services derive the scope fields
