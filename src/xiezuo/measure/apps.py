from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasureConfig(AppConfig):
    name = "xiezuo.measure"
    verbose_name = _("Measurement")

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from .models import Run

        # A run deleted any way takes its partition and frozen inputs with it; a signal, not a method, because
        # QuerySet.delete() and cascades call no Run method. Storage, not a business rule.
        pre_delete.connect(_run_deleting, sender=Run, dispatch_uid="measure.run.storage")


def _run_deleting(sender, instance, using: str, **kwargs) -> None:
    from .services import run_storage_drop  # here, not at start-up: services loads the engine

    run_storage_drop(run_id=instance.pk, using=using)
