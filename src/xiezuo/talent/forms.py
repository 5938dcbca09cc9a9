"""Forms for talent pages: they parse input only; the services validate and save."""

from __future__ import annotations

from xiezuo.accounts.scoped_forms import UserForm, divisions

from .models import Exchange, TrainingSession


class ExchangeForm(UserForm):
    class Meta:
        model = Exchange
        fields = ["person_name", "direction", "kind", "home_unit", "host_unit", "west_division", "east_division",
                  "start_date", "end_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["west_division"].queryset = divisions(level="county", side="west", user=self.user, keep=self.current("west_division"))
        self.fields["east_division"].queryset = divisions(level=("city", "county"), side="east")


class SessionForm(UserForm):
    class Meta:
        model = TrainingSession
        fields = ["title", "date", "place", "organiser", "audience", "west_division", "east_division", "sessions",
                  "headcount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["west_division"].queryset = divisions(level="county", side="west", user=self.user, keep=self.current("west_division"))
        self.fields["east_division"].queryset = divisions(level=("city", "county"), side="east")
