import pytest

from tests.security import data


@pytest.fixture
def two_counties(divisions):
    return data.build(divisions)


@pytest.fixture
def county_token(two_counties, divisions, make_user):
    from xiezuo.accounts.services import token_create

    user = make_user("lz-api", division=divisions["lizhou"])
    return token_create(user=user)
