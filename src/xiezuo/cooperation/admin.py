from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import Agreement, AgreementTarget, Organisation, Pairing


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
