from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import (
    Cadre,
    CountyAssessment,
    Household,
    HouseholdYear,
    Member,
    PoorUnit,
    StatusChange,
    VillageFacts,
)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = ("name", "id_number_masked", "sex", "birth_date", "relation", "health", "labour", "schooling")
    readonly_fields = ("id_number_masked",)
    show_change_link = True


class HouseholdYearInline(admin.TabularInline):
    model = HouseholdYear
    extra = 0
    fields = ("year", "size", "wage", "business", "production_cost", "housing_grade", "water_safe", "year_status")


@admin.register(Household)
class HouseholdAdmin(ScopedModelAdmin):
    list_display = ("number", "head_name", "village", "attribute", "status", "exit_year", "synthetic")
    list_filter = ("status", "attribute", "exit_year", "synthetic")
    search_fields = ("number", "head_name", "village__name", "village__code")
    raw_id_fields = ("village", "cadre")
    readonly_fields = ("phone_masked", "bank_account_masked")
    inlines = [MemberInline, HouseholdYearInline]
    list_select_related = ("village",)


@admin.register(Member)
class MemberAdmin(ScopedModelAdmin):
    list_display = ("name", "id_number_masked", "household", "sex", "birth_date", "relation", "health", "labour")
    list_filter = ("sex", "health", "labour", "schooling", "dibao", "tekun")
    search_fields = ("name", "household__number")
    raw_id_fields = ("household",)
    exclude = ("id_number_enc", "id_number_hash")
    readonly_fields = ("id_number_masked", "phone_masked")
    list_select_related = ("household",)


@admin.register(HouseholdYear)
class HouseholdYearAdmin(ScopedModelAdmin):
    list_display = ("household", "year", "size", "housing_grade", "water_safe", "year_status")
    list_filter = ("year", "year_status", "housing_grade")
    search_fields = ("household__number", "household__head_name")
    raw_id_fields = ("household",)


@admin.register(Cadre)
class CadreAdmin(ScopedModelAdmin):
    list_display = ("name", "work_unit", "post", "division")
    search_fields = ("name", "work_unit")
    raw_id_fields = ("division",)
    readonly_fields = ("phone_masked",)


@admin.register(StatusChange)
class StatusChangeAdmin(ScopedModelAdmin):
    list_display = ("household", "on", "from_status", "to_status", "reason")
    list_filter = ("to_status",)
    raw_id_fields = ("household",)


@admin.register(PoorUnit)
class PoorUnitAdmin(ScopedModelAdmin):
    list_display = ("division", "level", "designated_year", "exit_year", "designated_by", "synthetic")
    list_filter = ("level", "designated_year", "exit_year", "synthetic")
    search_fields = ("division__name", "division__code", "designated_by", "exit_document")
    raw_id_fields = ("division",)
    readonly_fields = ("level",)


@admin.register(VillageFacts)
class VillageFactsAdmin(ScopedModelAdmin):
    list_display = ("village", "year", "collective_income", "hardened_road", "clinic", "cultural_room", "telecom")
    list_filter = ("year", "hardened_road", "clinic", "cultural_room", "telecom")
    search_fields = ("village__name", "village__code")
    raw_id_fields = ("village",)


@admin.register(CountyAssessment)
class CountyAssessmentAdmin(ScopedModelAdmin):
    list_display = ("county", "year", "wrong_exit_rate", "missed_poor_rate", "public_approval", "source")
    list_filter = ("year",)
    raw_id_fields = ("county",)
