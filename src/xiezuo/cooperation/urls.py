from django.urls import path

from . import views

app_name = "cooperation"
urlpatterns = [
    path("", views.pairing_list, name="pairing_list"),
    path("pairings/new/", views.pairing_edit, name="pairing_create"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/edit/", views.pairing_edit, name="pairing_edit"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_edit, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_edit, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
]
# Plain routes per kind (not one regex alternation) so the security URL walker fills and walks each.
for _kind in ("visit", "meeting", "enterprise"):
    urlpatterns += [
        path(f"{_kind}s/", views.activity_list, {"kind": _kind}, name=f"{_kind}_list"),
        path(f"{_kind}s/new/", views.activity_edit, {"kind": _kind}, name=f"{_kind}_create"),
        path(f"{_kind}s/<int:pk>/", views.activity_detail, {"kind": _kind}, name=f"{_kind}_detail"),
        path(f"{_kind}s/<int:pk>/edit/", views.activity_edit, {"kind": _kind}, name=f"{_kind}_edit"),
    ]
