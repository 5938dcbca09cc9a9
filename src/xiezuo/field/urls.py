from django.urls import path

from . import cadres, views

app_name = "field"
urlpatterns = [
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("api/households", views.households_json, name="households_json"),
    path("api/visits", views.visit_post, name="visit_post"),
    path("due/", views.visits_due, name="due"),
    path("measures/", views.measure_list, name="measure_list"),
    path("r/<str:token>/", views.report_form, name="report_form"),
    path("reports/", views.report_queue, name="report_queue"),
    path("reports/<int:pk>/", views.report_handle, name="report_handle"),
    path("poster/<str:code>/", views.poster, name="poster"),
    path("cadres/", cadres.cadre_list, name="cadre_list"),
    path("cadres/<int:pk>/", cadres.cadre_assign, name="cadre_assign"),
]
