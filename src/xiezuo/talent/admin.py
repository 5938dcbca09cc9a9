from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import Attendee, Exchange, TrainingSession


@admin.register(Exchange)
class ExchangeAdmin(ScopedModelAdmin):
    list_display = ["person_name", "kind", "direction", "west_division", "east_division", "start_date", "end_date"]
    list_filter = ["kind", "direction"]
    search_fields = ["person_name", "home_unit", "host_unit"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedModelAdmin):
    list_display = ["title", "date", "audience", "west_division", "sessions", "headcount"]
    list_filter = ["audience"]
    search_fields = ["title"]


@admin.register(Attendee)
class AttendeeAdmin(ScopedModelAdmin):
    list_display = ["name", "session", "unit", "member"]
    raw_id_fields = ["session", "member"]
