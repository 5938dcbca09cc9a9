"""REST API for monitoring cases (read-only, scoped): /api/monitoring/cases/ and .../counts.

Writes go through the pages (the workflow needs its forms); the API lists and reads cases
with their steps and measures. An eastern office sees no case (personal data)."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import routers, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet
from xiezuo.field.models import AssistanceMeasure

from . import selectors
from .models import Case, CaseStep, Category, Stage


class CaseStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseStep
        fields = ["from_stage", "to_stage", "on", "actor_name", "comment"]


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssistanceMeasure
        fields = ["id", "category", "risk_type", "content", "helping_unit", "helper", "on", "end_on", "amount",
                  "result"]


class CaseSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    village = serializers.CharField(source="household.village_id", read_only=True)
    steps = CaseStepSerializer(many=True, read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "household", "household_number", "village", "county_code", "year", "risk_types", "source",
                  "source_run_id", "source_department", "category", "stage", "opened_on", "stage_entered_on",
                  "stage_due_on", "identified_on", "closed_on", "income_at_identification", "steps", "measures"]


class CaseViewSet(ScopedReadOnlyViewSet):
    """Monitoring cases in the caller's scope."""

    queryset = (Case.objects.select_related("household").prefetch_related("steps", "measures")
                .order_by("-opened_on", "-id"))
    serializer_class = CaseSerializer
    filter_params = {
        "county": Param("county_code__startswith", kind="code", description="county code or prefix"),
        "stage": Param("stage", choices=tuple(Stage.values)),
        "category": Param("category", choices=tuple(Category.values)),
        "year": Param("year", kind="year"),
        "household": Param("household_id", kind="int"),
    }

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def counts(self, request):
        year = request.query_params.get("year", "")
        return Response(selectors.case_counts(request.user, year=int(year) if year.isdigit() else None))


router = routers.SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
urlpatterns = [path("", include(router.urls))]
