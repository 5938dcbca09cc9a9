from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("poor-units/", views.poor_unit_list, name="poor_unit_list"),
]
