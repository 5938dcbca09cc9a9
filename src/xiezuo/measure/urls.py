from django.urls import path

from . import views

app_name = "measure"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("snapshots/start/", views.snapshot_start, name="snapshot_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:pk>/households/<int:household_id>/", views.household_result, name="household_result"),
    path("what-if/", views.what_if, name="what_if"),
    path("what-if/jobs/<int:pk>/", views.what_if_job, name="what_if_job"),
    path("runs/<int:pk>/compare/", views.compare, name="compare"),
    path("runs/<int:pk>/compare.xlsx", views.compare_xlsx, name="compare_xlsx"),
]
