"""REST API for organisations, pairings, agreements with their targets, visits, meetings and enterprise
investment (read-only, scoped)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Agreement, AgreementTarget, Enterprise, Meeting, Organisation, Pairing, Round, Visit


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "name_en", "kind", "division", "side", "uscc"]


class PairingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pairing
        fields = ["id", "level", "east_division", "east_organisation", "west_division", "west_organisation",
                  "round", "basis", "valid_from", "valid_to"]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementTarget
        fields = ["year", "indicator", "target", "unit"]


class AgreementSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "title", "east_division", "west_division", "round", "signed_on", "valid_from", "valid_to",
                  "targets"]


class OrganisationViewSet(ScopedReadOnlyViewSet):
    queryset = Organisation.objects.order_by("id")
    serializer_class = OrganisationSerializer
    filter_params = {"kind": Param("kind", choices=tuple(Organisation.Kind.values)),
                     "side": Param("side", choices=("east", "west"))}


class PairingViewSet(ScopedReadOnlyViewSet):
    queryset = Pairing.objects.order_by("id")
    serializer_class = PairingSerializer
    filter_params = {"level": Param("level", choices=tuple(Pairing.Level.values)),
                     "round": Param("round", choices=tuple(Round.values)),
                     "county": Param("west_division__code__startswith", "code", "western division code prefix")}


class AgreementViewSet(ScopedReadOnlyViewSet):
    queryset = Agreement.objects.prefetch_related("targets").order_by("id")
    serializer_class = AgreementSerializer


ACTIVITY_FIELDS = ["west_division", "east_division", "pairing", "note"]
COUNTY = Param("west_division__code__startswith", "code", "western county code prefix")


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "date", "kind", "title", "leader", *ACTIVITY_FIELDS]


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "date", "kind", "title", *ACTIVITY_FIELDS]


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name", "organisation", "uscc", "year", "industry", "investment_planned", "investment_arrived",
                  "in_production", "poor_people_driven", *ACTIVITY_FIELDS]


class VisitViewSet(ScopedReadOnlyViewSet):
    queryset = Visit.objects.order_by("id")
    serializer_class = VisitSerializer
    filter_params = {"year": Param("date__year", "year"), "county": COUNTY,
                     "kind": Param("kind", choices=tuple(Visit.Kind.values))}


class MeetingViewSet(ScopedReadOnlyViewSet):
    queryset = Meeting.objects.order_by("id")
    serializer_class = MeetingSerializer
    filter_params = {"year": Param("date__year", "year"), "county": COUNTY,
                     "kind": Param("kind", choices=tuple(Meeting.Kind.values))}


class EnterpriseViewSet(ScopedReadOnlyViewSet):
    queryset = Enterprise.objects.order_by("id")
    serializer_class = EnterpriseSerializer
    filter_params = {"year": Param("year", "year"), "county": COUNTY,
                     "in_production": Param("in_production", "bool")}


router = routers.DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("visits", VisitViewSet, basename="visit")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")

urlpatterns = [path("", include(router.urls))]
