import pytest
from oscar.test.factories import UserFactory

from .staff import login_verified


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.com", first_name="Camille", last_name="Martin")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", username="staff", is_staff=True)


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's ``admin_client``, with a session that passed the second factor."""
    return login_verified(client, admin_user)


pytest_plugins = ["tests.datamap_helpers"]
