"""REST API for the registry: households and members, scoped and masked.

Identity numbers, phones and bank accounts appear only masked; a user allowed to unmask
may reveal one value with `POST .../reveal` and a reason (audited). An eastern office
sees no rows at all (personal data).
"""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, routers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from xiezuo.accounts import services as account_services
from xiezuo.accounts.access import can_unmask
from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet
from xiezuo.dates import validate_record_date

from . import choices, services
from .models import Household, Member


class HouseholdSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    class Meta:
        model = Household
        fields = ["id", "number", "village", "village_name", "head_name", "attribute", "standard", "status",
                  "identified_on", "exit_year", "main_cause", "military_family", "only_child", "two_daughters",
                  "phone_masked", "bank_name", "bank_account_masked", "cultivated_mu", "forest_mu",
                  "housing_area_m2", "relocated", "cooperative_member", "cadre", "synthetic"]



class MemberSerializer(serializers.ModelSerializer):
    # The year, not the date: with the date, the region and the mask's last 4 give the number.
    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "household", "name", "id_number_masked", "sex", "birth_year", "ethnicity", "relation",
                  "education", "schooling", "health", "disability_category", "disability_grade", "labour",
                  "work_place", "months_worked", "medical_insurance", "critical_illness_insurance",
                  "pension_insurance", "dibao", "tekun", "phone_masked", "deceased", "synthetic"]


class MemberCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, min_length=15, write_only=True,
                                      help_text="18-digit identity number (15-digit old cards accepted)")
    relation = serializers.ChoiceField(choices=choices.Relation.choices)
    education = serializers.ChoiceField(choices=choices.Education.choices, required=False)
    health = serializers.ChoiceField(choices=choices.Health.choices, required=False)
    labour = serializers.ChoiceField(choices=choices.Labour.choices, required=False)


class StatusChangeSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=choices.HouseholdStatus.choices,
                                        help_text="The next status; the lifecycle (registry/lifecycle.py) decides "
                                                  "which moves are allowed.")
    on = serializers.DateField(validators=[validate_record_date], help_text="Not before 2013-01-01, not in the future.")
    reason = serializers.CharField(max_length=200, min_length=2)


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=10, max_length=500)


REVEALED = inline_serializer("Revealed", {"value": serializers.CharField()})


class HouseholdViewSet(ScopedReadOnlyViewSet):
    """Registered households (建档立卡户) in your scope."""

    queryset = Household.objects.select_related("village").order_by("number")
    serializer_class = HouseholdSerializer
    filter_params = {
        "village": Param("village__code__startswith", kind="code", description="village code or any prefix"),
        "status": Param("status", choices=tuple(choices.HouseholdStatus.values)),
        "number": Param("number", max_length=30, description="exact household number"),
    }

    def scope_action_for_request(self) -> str:
        return "change" if self.action == "change_status" else "view"

    @extend_schema(request=StatusChangeSerializer, responses={200: HouseholdSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """Record a lifecycle change (identified → assisted → exited → monitored → ...), with a reason."""
        household = self.get_object()
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = services.household_status_change(household=household, user=request.user, **data.validated_data)
        return Response(HouseholdSerializer(household).data)

    @extend_schema(request=RevealSerializer, responses={200: REVEALED})
    @action(detail=True, methods=["post"], url_path=r"reveal/(?P<field>phone|bank_account)")
    def reveal(self, request, pk=None, field=None):
        """The clear phone or bank account of this household, once, with a reason (audited)."""
        return _reveal(request, f"household_{field}", self.get_object().pk)


class MemberViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Household members in your scope; identity numbers masked."""

    queryset = Member.objects.select_related("household").order_by("household__number", "relation", "id")
    serializer_class = MemberSerializer
    filter_params = {
        "household": Param("household_id", kind="int"),
        "village": Param("household__village__code__startswith", kind="code"),
        "deceased": Param("deceased", kind="bool"),
    }

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request, *args, **kwargs):
        """Register a member: the identity number is validated (GB 11643), encrypted and masked."""
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        household = Household.objects.restrict(request.user, "change").filter(pk=fields.pop("household")).first()
        if household is None:
            raise serializers.ValidationError({"household": ["No such household in your scope."]})
        member = services.member_create(household=household, user=request.user, **fields)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevealSerializer, responses={200: REVEALED})
    @action(detail=True, methods=["post"], url_path=r"reveal/(?P<field>id_number|phone)")
    def reveal(self, request, pk=None, field=None):
        """The clear identity number or phone of this member, once, with a reason (audited)."""
        return _reveal(request, "member_id" if field == "id_number" else "member_phone", self.get_object().pk)


def _reveal(request, kind: str, pk: int) -> Response:
    if not can_unmask(request.user):
        from rest_framework.exceptions import PermissionDenied

        raise PermissionDenied("You are not allowed to reveal personal data.")
    data = RevealSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    value = account_services.personal_data_reveal(user=request.user, kind=kind, pk=pk,
                                                  reason=data.validated_data["reason"])
    return Response({"value": value}, headers={"Cache-Control": "no-store"})


router = routers.SimpleRouter()
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")

urlpatterns = [path("", include(router.urls))]
