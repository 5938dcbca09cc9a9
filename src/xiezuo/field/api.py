"""REST API for assistance measures (read-only, scoped; personal data): /api/field/measures/.

Writes go through the pages, the import sheet and the phone's visits, which call the services."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import AssistanceMeasure, Category


class MeasureSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)

    class Meta:
        model = AssistanceMeasure
        fields = ["id", "household", "household_number", "year", "category", "content", "helping_unit", "helper",
                  "amount", "on", "end_on", "result", "case", "risk_type", "beneficiary", "placement", "attendee"]


class MeasureViewSet(ScopedReadOnlyViewSet):
    """Assistance measures of the households in the caller's scope."""

    queryset = AssistanceMeasure.objects.select_related("household").order_by("household_id", "on", "id")
    serializer_class = MeasureSerializer
    filter_params = {
        "year": Param("year", "year", "Year (4 digits)"),
        "county": Param("household__village__code__startswith", "code", "Division code prefix (a county's first 6 digits, a township's 9)"),
        "household": Param("household_id", "int", "Household id"),
        "category": Param("category", choices=tuple(Category.values)),
        "case": Param("case_id", "int", "Monitoring case id"),
    }


router = routers.SimpleRouter()
router.register("measures", MeasureViewSet, basename="measure")
urlpatterns = [path("", include(router.urls))]
