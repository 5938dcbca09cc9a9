"""Admin for assistance measures: read-only (writes go through `field.services`, which audit)."""

from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import AssistanceMeasure, CadreAccount, SelfReport, Visit


@admin.register(AssistanceMeasure)
class AssistanceMeasureAdmin(ScopedModelAdmin):
    list_display = ("household", "year", "category", "content", "helping_unit", "amount", "on", "case")
    list_filter = ("year", "category")
    search_fields = ("household__number", "content", "helping_unit")
    raw_id_fields = ("household", "case", "beneficiary", "placement", "attendee")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CadreAccount)
class CadreAccountAdmin(ScopedModelAdmin):
    """Which sign-in is which person responsible (their households are the phone app's "mine")."""

    list_display = ("user", "cadre")
    raw_id_fields = ("user", "cadre")


class _ReadOnly(ScopedModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(_ReadOnly):
    list_display = ("household", "on", "visitor_name", "met", "case")
    list_filter = ("on",)
    search_fields = ("household__number",)


@admin.register(SelfReport)
class SelfReportAdmin(_ReadOnly):
    list_display = ("created_at", "village", "kind", "status", "household", "case")
    list_filter = ("status", "kind")
