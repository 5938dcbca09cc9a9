from django.urls import path

from . import views

app_name = "dataio"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/commit/", views.job_commit, name="job_commit"),
    path("jobs/<int:pk>/problems.xlsx", views.job_report, name="job_report"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
    path("templates/<str:entity>.xlsx", views.template_download, name="template"),
    path("export/", views.export, name="export"),
]
