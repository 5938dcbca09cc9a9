from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data.json", views.dashboard_json, name="dashboard_data"),
    path("map.geojson", views.map_geojson, name="map_geojson"),
    path("echarts.min.js", views.echarts_js, name="echarts_js"),
    path("indicators/", views.indicator_table, name="indicators"),
    path("trace/", views.trace, name="trace"),
    path("report/", views.report_download, name="report"),
]
