"""No admin of dataio's own; and django-tasks-db's task list is taken out of the admin: it would show every
task's traceback (an error message may quote a record) to all staff, unscoped and unaudited. The job pages are
the interface to background work."""

from django.contrib import admin
from django_tasks_db import admin as _tasks_admin  # registers DBTaskResult now, so it can be unregistered
from django_tasks_db.models import DBTaskResult

del _tasks_admin
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
