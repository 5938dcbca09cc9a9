"""REST API for projects, budget lines, ledger entries and fund pools (read-only, scoped).

Postings go through the services (the project pages); the API reads.
"""

from __future__ import annotations

from django.urls import include, path
from rest_framework import routers, serializers

from xiezuo.accounts.api_base import Param, ScopedReadOnlyViewSet

from .models import Budget, Category, FundPool, LedgerEntry, PoolEntry, Project, Status


class BudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Budget
        fields = ["id", "project", "source", "amount", "allocated", "disbursed", "pooled"]


class ProjectSerializer(serializers.ModelSerializer):
    budgets = BudgetSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "code", "name", "name_en", "county", "township", "village", "category", "year", "end_year",
                  "status", "pairing", "responsible", "area_mu", "tag", "summary_count", "budgets"]


class LedgerEntrySerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="budget.source", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "project", "budget", "source", "kind", "date", "amount", "payee", "voucher", "memo",
                  "reverses", "posted_at"]


class PoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundPool
        fields = ["id", "county", "balance"]


class PoolEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PoolEntry
        fields = ["id", "pool", "kind", "date", "amount", "ledger_entry", "reverses", "payee", "voucher", "memo"]


class ProjectViewSet(ScopedReadOnlyViewSet):
    queryset = Project.objects.prefetch_related("budgets").order_by("id")
    serializer_class = ProjectSerializer
    filter_params = {
        "year": Param("year", "year", "first year"),
        "county": Param("county__code__startswith", "code", "county code prefix"),
        "status": Param("status", choices=tuple(Status.values)),
        "category": Param("category", choices=tuple(Category.values)),
        "pairing": Param("pairing_id", "int", "pairing id"),
    }


class LedgerEntryViewSet(ScopedReadOnlyViewSet):
    queryset = LedgerEntry.objects.select_related("budget").order_by("id")
    serializer_class = LedgerEntrySerializer
    filter_params = {
        "project": Param("project_id", "int", "project id"),
        "kind": Param("kind", choices=tuple(LedgerEntry.Kind.values)),
        "county": Param("project__county__code__startswith", "code", "county code prefix"),
    }


class PoolViewSet(ScopedReadOnlyViewSet):
    queryset = FundPool.objects.order_by("county_id")
    serializer_class = PoolSerializer


class PoolEntryViewSet(ScopedReadOnlyViewSet):
    queryset = PoolEntry.objects.order_by("id")
    serializer_class = PoolEntrySerializer
    filter_params = {"pool": Param("pool_id", "int", "pool id")}


router = routers.DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("ledger", LedgerEntryViewSet, basename="ledger-entry")
router.register("pools", PoolViewSet, basename="fund-pool")
router.register("pool-entries", PoolEntryViewSet, basename="pool-entry")

urlpatterns = [path("", include(router.urls))]
