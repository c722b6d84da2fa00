import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_taxpayer_home_opens_for_taxpayer(taxpayer_client, taxpayer):
    response = taxpayer_client.get(reverse("operations:taxpayer_home"))
    assert response.status_code == 200
    assert taxpayer.first_name in response.content.decode()


def test_agent_home_refuses_taxpayer(taxpayer_client):
    assert taxpayer_client.get(reverse("operations:agent_home")).status_code == 403


def test_supervisor_home_opens_for_supervisor(supervisor_client):
    assert supervisor_client.get(reverse("operations:supervisor_home")).status_code == 200
