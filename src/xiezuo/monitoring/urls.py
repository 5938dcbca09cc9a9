from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/advance/", views.case_advance, name="case_advance"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("cases/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("self-report/", views.self_report, name="self_report"),
    path("staff-check/", views.staff_check, name="staff_check"),
    path("department-warning/", views.department_warning, name="department_warning"),
    path("open-from-run/", views.open_from_run, name="open_from_run"),
]
