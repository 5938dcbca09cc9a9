"""Read-only REST API for labour cooperation (scoped; placements and students are personal data)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Place, Placement, VocationalStudent, Workshop, Workstation


class WorkstationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workstation
        fields = ["id", "name", "east_division", "serves", "opened_on", "closed_on"]


class WorkshopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workshop
        fields = ["id", "name", "village", "owner_name", "owner_uscc", "opened_on", "jobs_offered"]


class PlacementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Placement
        fields = ["id", "member", "village", "employer", "place", "workstation", "workshop", "start_date", "end_date",
                  "monthly_wage", "months_employed"]


class StudentSerializer(serializers.ModelSerializer):
    class Meta:
        model = VocationalStudent
        fields = ["id", "member", "village", "school", "school_division", "programme", "enrolled_year"]


YEAR = "Year (4 digits)"
COUNTY = "Division code prefix (a county's first 6 digits, a township's 9)"


class WorkstationViewSet(ScopedReadOnlyViewSet):
    queryset = Workstation.objects.order_by("id")
    serializer_class = WorkstationSerializer
    filter_params = {"year": Param("opened_on__year", "year", YEAR),
                     "county": Param("serves__code__startswith", "code", COUNTY)}


class WorkshopViewSet(ScopedReadOnlyViewSet):
    queryset = Workshop.objects.order_by("id")
    serializer_class = WorkshopSerializer
    filter_params = {"year": Param("opened_on__year", "year", YEAR),
                     "county": Param("village__code__startswith", "code", COUNTY)}


class PlacementViewSet(ScopedReadOnlyViewSet):
    queryset = Placement.objects.order_by("id")
    serializer_class = PlacementSerializer
    filter_params = {"year": Param("start_date__year", "year", YEAR),
                     "county": Param("village__code__startswith", "code", COUNTY),
                     "place": Param("place", choices=tuple(Place.values))}


class StudentViewSet(ScopedReadOnlyViewSet):
    queryset = VocationalStudent.objects.order_by("id")
    serializer_class = StudentSerializer
    filter_params = {"year": Param("enrolled_year", "year", YEAR),
                     "county": Param("village__code__startswith", "code", COUNTY)}


router = routers.SimpleRouter()
router.register("workstations", WorkstationViewSet, basename="workstation")
router.register("workshops", WorkshopViewSet, basename="workshop")
router.register("placements", PlacementViewSet, basename="placement")
router.register("students", StudentViewSet, basename="student")
urlpatterns = [path("", include(router.urls))]
