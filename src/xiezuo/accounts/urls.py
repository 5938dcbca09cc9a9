"""Accounts pages. `login` and `logout` stay un-namespaced (LOGIN_URL, the base template);
everything else is under the `accounts:` namespace."""

from django.urls import include, path

from . import views

app_name_patterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.<str:fmt>", views.audit_export, name="audit_export"),
    path("reveal/<str:kind>/<int:pk>/", views.reveal, name="reveal"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("tokens/", views.api_tokens, name="api_tokens"),
]

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", include((app_name_patterns, "accounts"))),
]
