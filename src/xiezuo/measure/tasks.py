"""measure's job kinds: "measure.what_if" (a what-if run in the background, see services.what_if_submit)."""

from __future__ import annotations

from xiezuo.dataio.jobs import JobHandle, register

from . import services
from .models import Run


@register(services.WHAT_IF_JOB)
def what_if_job(handle: JobHandle, params: dict) -> dict:
    base = Run.objects.select_related("policy").get(pk=params["base_run"])
    run = services.what_if(base_run=base, changes=params["changes"], user=handle.user, progress=handle.progress)
    return {"run": run.pk, "message": f"run #{run.pk}"}
