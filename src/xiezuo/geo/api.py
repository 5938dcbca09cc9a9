"""REST API for divisions: public reference data, read-only, filterable by level and parent."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Division


class DivisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Division
        fields = ["code", "name", "name_en", "level", "parent", "side", "valid_from", "valid_to", "synthetic"]


class DivisionViewSet(ScopedReadOnlyViewSet):
    """Administrative divisions (行政区划); `code` is the 12-digit statistical code."""

    queryset = Division.objects.order_by("code")
    serializer_class = DivisionSerializer
    lookup_value_regex = "[0-9]{12}"
    filter_params = {
        "level": Param("level", choices=tuple(Division.Level.values), description="province, city, county, ..."),
        "parent": Param("parent_id", kind="code", description="12-digit code of the parent division"),
        "code_prefix": Param("code__startswith", kind="code", description="codes starting with these digits"),
        "side": Param("side", choices=tuple(Division.Side.values)),
    }


router = routers.SimpleRouter()
router.register("divisions", DivisionViewSet, basename="division")

urlpatterns = [path("", include(router.urls))]
