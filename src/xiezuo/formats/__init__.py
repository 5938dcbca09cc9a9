"""Locale formats that override Django's (FORMAT_MODULE_PATH).

Django's zh_Hans puts "%Y/%m/%d" first in DATE_INPUT_FORMATS, so every DateInput renders its value as
2026/12/04, which an <input type="date"> rejects (it takes only yyyy-mm-dd) and shows empty. It also has no
thousands separator. Reports in Chinese group digits by three with commas (348,200), like the book.
"""
