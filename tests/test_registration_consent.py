import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from oscar_privacy.models import ConsentRecord, PolicyKind

from .shop import confirm_from_mail, publish, publish_policies

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "A-long-enough-password-2026"


@pytest.fixture
def versions():
    return publish_policies()


def register_data(response, prefix="", **extra):
    form = response.context["form" if not prefix else "registration_form"]
    data = {
        form.add_prefix("email"): "new@example.com",
        form.add_prefix("password1"): PASSWORD,
        form.add_prefix("password2"): PASSWORD,
        form.add_prefix("privacy_version"): form.fields["privacy_version"].initial,
    }
    for name, value in extra.items():
        data[form.add_prefix(name)] = value
    if prefix:
        data["registration_submit"] = "1"
    return data


PAGES = [("customer:register", ""), ("customer:login", "registration")]


@pytest.mark.parametrize(("url_name", "prefix"), PAGES)
def test_registration_requires_the_privacy_policy(client, versions, url_name, prefix):
    url = reverse(url_name)
    response = client.get(url)
    html = response.content.decode()
    name = f"{prefix}-accept_privacy" if prefix else "accept_privacy"
    assert f'name="{name}"' in html
    assert versions[0].get_absolute_url() in html
    assert 'name="newsletter"' in html or f'name="{prefix}-newsletter"' in html

    response = client.post(url, register_data(response, prefix))
    assert response.status_code == 200
    assert "Please read and accept the privacy policy" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(("url_name", "prefix"), PAGES)
@pytest.mark.parametrize("newsletter", [False, True])
@pytest.mark.parametrize("prevent", [True, False], ids=["emailed link", "oscar"])
def test_registration_records_the_accepted_version(
    client, settings, versions, url_name, prefix, newsletter, prevent
):
    settings.OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = prevent
    url = reverse(url_name)
    response = client.get(url)
    extra = {"accept_privacy": "on"}
    if newsletter:
        extra["newsletter"] = "on"
    response = client.post(url, register_data(response, prefix, **extra), REMOTE_ADDR="2001:db8::1")
    assert response.status_code == 302
    if prevent:
        # Recorded when the account is created, from the link, with what the form received.
        assert not User.objects.filter(email="new@example.com").exists()
        assert not ConsentRecord.objects.exists()
        assert confirm_from_mail(client).status_code == 302
    user = User.objects.get(email="new@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    records = {r.purpose: r for r in ConsentRecord.objects.all()}
    expected = {"privacy_policy", "newsletter"} if newsletter else {"privacy_policy"}
    assert set(records) == expected
    privacy = records["privacy_policy"]
    assert (privacy.user, privacy.email, privacy.version) == (user, user.email, versions[0])
    assert (privacy.action, privacy.channel, privacy.order_number) == ("given", "registration", "")
    assert privacy.network == "2001:db8::/48"


def test_a_stale_or_forged_version_is_asked_again(client, versions):
    url = reverse("customer:register")
    response = client.get(url)
    data = register_data(response, accept_privacy="on")
    new = publish(PolicyKind.PRIVACY, "A new privacy policy.")
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"please read version {new.number}" in response.content.decode()
    assert not User.objects.exists()

    data["privacy_version"] = "<b>1</b>"
    response = client.post(url, data)
    assert "<b>1</b>" not in response.content.decode()
    assert not User.objects.exists()


def test_without_a_published_policy_registration_still_works(client):
    response = client.get(reverse("customer:register"))
    assert "accept_privacy" not in response.context["form"].fields
    form = response.context["form"]
    data = {
        form.add_prefix("email"): "new@example.com",
        form.add_prefix("password1"): PASSWORD,
        form.add_prefix("password2"): PASSWORD,
    }
    assert client.post(reverse("customer:register"), data).status_code == 302
    assert confirm_from_mail(client).status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
    assert not ConsentRecord.objects.exists()
