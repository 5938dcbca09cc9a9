from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import Division, DivisionPopulation


@admin.register(Division)
class DivisionAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "level", "side", "parent", "synthetic")
    list_filter = ("level", "side", "synthetic")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("parent",)


@admin.register(DivisionPopulation)
class DivisionPopulationAdmin(ScopedModelAdmin):
    list_display = ("division", "year", "rural_population")
    list_filter = ("year",)
    search_fields = ("division__name", "division__code")
    raw_id_fields = ("division",)
