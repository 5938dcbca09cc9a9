"""Talent exchange (人才交流): cadres and professionals posted across (挂职, both directions) and
training sessions with their attendees. Scoped by the western county involved.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.dates import validate_record_date


class Exchange(models.Model):
    class Direction(models.TextChoices):
        EAST_TO_WEST = "e2w", _("East to west")
        WEST_TO_EAST = "w2e", _("West to east")

    class Kind(models.TextChoices):
        CADRE = "cadre", _("Party or government cadre")
        TEACHER = "teacher", _("Teacher")
        DOCTOR = "doctor", _("Doctor")
        TECHNICIAN = "technician", _("Technician")
        AGRONOMIST = "agronomist", _("Agronomist")
        OTHER = "other", _("Other")

    person_name = models.CharField(_("person"), max_length=100)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    home_unit = models.CharField(_("home unit"), max_length=200)
    host_unit = models.CharField(_("host unit"), max_length=200)
    west_division = models.ForeignKey("geo.Division", verbose_name=_("western county"), on_delete=models.PROTECT,
                                      related_name="+")
    east_division = models.ForeignKey("geo.Division", verbose_name=_("eastern partner"), on_delete=models.PROTECT,
                                      related_name="+")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    pairing = models.ForeignKey("cooperation.Pairing", verbose_name=_("pairing"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "west_division__code"

    class Meta:
        verbose_name = _("exchange posting")
        verbose_name_plural = _("exchange postings")
        ordering = ["-start_date", "id"]

    def __str__(self) -> str:
        return self.person_name

    @property
    def months(self) -> int | None:
        if not self.end_date:
            return None
        return (self.end_date.year - self.start_date.year) * 12 + self.end_date.month - self.start_date.month


class TrainingSession(models.Model):
    class Audience(models.TextChoices):
        CADRES = "cadres", _("Cadres")
        TECHNICIANS = "technicians", _("Technical staff")
        VILLAGE_LEADERS = "village_leaders", _("Village leaders (致富带头人)")
        MEDICAL = "medical", _("Medical staff")
        WORKERS = "workers", _("Workers")
        TEACHERS = "teachers", _("Teachers")

    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), validators=[validate_record_date])
    place = models.CharField(_("place"), max_length=200)
    organiser = models.CharField(_("organiser"), max_length=200)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    west_division = models.ForeignKey("geo.Division", verbose_name=_("western county"), on_delete=models.PROTECT,
                                      related_name="+")
    east_division = models.ForeignKey("geo.Division", verbose_name=_("eastern partner"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    pairing = models.ForeignKey("cooperation.Pairing", verbose_name=_("pairing"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    sessions = models.PositiveSmallIntegerField(_("sessions (期)"), default=1)
    headcount = models.PositiveIntegerField(_("person-times (人次)"), default=0,
                                            help_text=_("Used when attendees are not listed one by one."))
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "west_division__code"

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return self.title


class Attendee(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    member = models.ForeignKey("registry.Member", verbose_name=_("registry member"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="trainings")
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "session__west_division__code"
    personal_data = True

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")

    def __str__(self) -> str:
        return self.name
