"""en: Django's formats, with ISO first for date input (what <input type="date"> takes)."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d", *(f for f in DATE_INPUT_FORMATS if f != "%Y-%m-%d")]  # noqa: F405
