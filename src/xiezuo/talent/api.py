"""Read-only REST API for talent exchange and training (scoped by the western county)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Exchange, TrainingSession


class ExchangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exchange
        fields = ["id", "person_name", "direction", "kind", "home_unit", "host_unit", "west_division",
                  "east_division", "start_date", "end_date"]


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingSession
        fields = ["id", "title", "date", "place", "organiser", "audience", "west_division", "east_division",
                  "sessions", "headcount"]


COUNTY = "Division code prefix (a county's first 6 digits, a township's 9)"


class ExchangeViewSet(ScopedReadOnlyViewSet):
    queryset = Exchange.objects.order_by("id")
    serializer_class = ExchangeSerializer
    filter_params = {"year": Param("start_date__year", "year", "Year (4 digits)"),
                     "county": Param("west_division__code__startswith", "code", COUNTY),
                     "partner": Param("east_division__code__startswith", "code", "Eastern partner code prefix"),
                     "direction": Param("direction", choices=tuple(Exchange.Direction.values)),
                     "kind": Param("kind", choices=tuple(Exchange.Kind.values))}


class SessionViewSet(ScopedReadOnlyViewSet):
    queryset = TrainingSession.objects.order_by("id")
    serializer_class = SessionSerializer
    filter_params = {"year": Param("date__year", "year", "Year (4 digits)"),
                     "county": Param("west_division__code__startswith", "code", COUNTY),
                     "audience": Param("audience", choices=tuple(TrainingSession.Audience.values))}


router = routers.SimpleRouter()
router.register("exchanges", ExchangeViewSet, basename="exchange")
router.register("sessions", SessionViewSet, basename="session")
urlpatterns = [path("", include(router.urls))]
