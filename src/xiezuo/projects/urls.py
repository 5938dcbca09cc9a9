from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_edit, name="project_create"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/transition/", views.project_transition, name="project_transition"),
    path("<int:pk>/budget/", views.project_budget, name="project_budget"),
    path("<int:pk>/post/", views.project_post, name="project_post"),
    path("<int:pk>/reverse/", views.project_reverse, name="project_reverse"),
    path("<int:pk>/beneficiaries/", views.project_beneficiary, name="project_beneficiary"),
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
]
