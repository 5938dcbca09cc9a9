"""REST API for organisations, pairings and agreements with their targets (read-only, scoped)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Agreement, AgreementTarget, Organisation, Pairing, Round


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


router = routers.DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("agreements", AgreementViewSet, basename="agreement")

urlpatterns = [path("", include(router.urls))]
