from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import Agreement, AgreementTarget, Enterprise, Meeting, Organisation, Pairing, Visit


@admin.register(Organisation)
class OrganisationAdmin(ScopedModelAdmin):
    list_display = ("name", "kind", "side", "division", "uscc", "synthetic")
    list_filter = ("kind", "side", "synthetic")
    search_fields = ("name", "uscc", "division__name")
    raw_id_fields = ("division",)


@admin.register(Pairing)
class PairingAdmin(ScopedModelAdmin):
    list_display = ("__str__", "level", "round", "valid_from", "valid_to", "synthetic")
    list_filter = ("level", "round", "synthetic")
    search_fields = ("east_division__name", "west_division__name", "basis")
    raw_id_fields = ("east_division", "west_division", "east_organisation", "west_organisation")


class TargetInline(admin.TabularInline):
    model = AgreementTarget
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ScopedModelAdmin):
    list_display = ("title", "east_division", "west_division", "round", "valid_from", "valid_to")
    list_filter = ("round",)
    raw_id_fields = ("east_division", "west_division")
    inlines = [TargetInline]


@admin.register(Visit)
class VisitAdmin(ScopedModelAdmin):
    list_display = ("date", "title", "kind", "west_division", "east_division", "synthetic")
    list_filter = ("kind", "synthetic")
    search_fields = ("title", "leader", "west_division__name")
    raw_id_fields = ("west_division", "east_division", "pairing")


@admin.register(Meeting)
class MeetingAdmin(ScopedModelAdmin):
    list_display = ("date", "title", "kind", "west_division", "east_division", "synthetic")
    list_filter = ("kind", "synthetic")
    search_fields = ("title", "west_division__name")
    raw_id_fields = ("west_division", "east_division", "pairing")


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedModelAdmin):
    list_display = ("name", "year", "west_division", "investment_planned", "investment_arrived", "in_production",
                    "synthetic")
    list_filter = ("year", "in_production", "synthetic")
    search_fields = ("name", "uscc", "industry", "west_division__name")
    raw_id_fields = ("organisation", "west_division", "east_division", "pairing")
