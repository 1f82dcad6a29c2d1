import pytest
from oscar.test.factories import UserFactory


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.com", first_name="Camille", last_name="Martin")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", username="staff", is_staff=True)


pytest_plugins = ["tests.datamap_helpers"]
