"""Shared with the labour tests."""

from tests.labor.conftest import make_member, staff, wuxing  # noqa: F401
