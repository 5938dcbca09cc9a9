"""zh-hans: Django's formats, with ISO first for date input (what <input type="date"> takes) and 3-digit groups."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
                          "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"]
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
