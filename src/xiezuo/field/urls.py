from django.urls import path

from . import views

app_name = "field"
urlpatterns = [
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("api/households", views.households_json, name="households_json"),
    path("api/visits", views.visit_post, name="visit_post"),
    path("due/", views.visits_due, name="due"),
]
