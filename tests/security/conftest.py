import pytest

from . import data


@pytest.fixture
def two_counties(divisions):
    return data.build(divisions)


@pytest.fixture
def staff_user(make_user):
    """A user with every model permission in the admin, scoped by role and grants."""

    def make(username, role, division, kind="edit"):
        from django.contrib.auth.models import Permission

        user = make_user(username, role=role, division=division, kind=kind, is_staff=True)
        user.user_permissions.set(Permission.objects.all())
        return user

    return make
