"""How the newsletter follows the rest of the site, through the core's signals.

The core never imports the newsletter; the newsletter listens:

- ``consent_recorded``: a newsletter consent given elsewhere (the boxes at
  registration and checkout, My Account) asks for a subscription; one
  withdrawn (My consents, the closure of an account) ends it at once;
- ``account_closed``: every subscription the account manages ends at once
  (not one of its address the account never confirmed: see
  :func:`~.subscriptions.unsubscribe_address`);
- ``privacy_request_received``: a re-subscription request sends the link
  that confirms it;
- ``customer_panel_rows``: the customer's page in Oscar's dashboard shows
  where the account's address stands on the list.
"""

from django.utils import formats
from django.utils.translation import gettext as _

from ..models import ConsentAction, ConsentChannel, ConsentPurpose, PrivacyRequest
from .addresses import address_hash
from .models import Channel, Subscription
from .resubscription import request_resubscription
from .subscriptions import (
    account_subscription,
    recording_own,
    request_subscription,
    unsubscribe_address,
)

CHANNEL_OF_CONSENT = {
    ConsentChannel.REGISTRATION: Channel.REGISTRATION,
    ConsentChannel.CHECKOUT: Channel.CHECKOUT,
    ConsentChannel.MY_ACCOUNT: Channel.MY_ACCOUNT,
    ConsentChannel.POLICY_UPDATE: Channel.MY_ACCOUNT,
    ConsentChannel.NEWSLETTER_FORM: Channel.NEWSLETTER_FORM,
    ConsentChannel.CONTACT_FORM: Channel.CONTACT_FORM,
    ConsentChannel.ESP_WEBHOOK: Channel.ESP,
    ConsentChannel.STAFF: Channel.STAFF,
}


def on_consent_recorded(sender, records, request=None, **kwargs):
    if recording_own():
        return
    for record in records:
        if record.purpose != ConsentPurpose.NEWSLETTER:
            continue
        via = CHANNEL_OF_CONSENT.get(record.channel, Channel.STAFF)
        email = record.email or (record.user.email if record.user_id else "")
        if record.action == ConsentAction.GIVEN:
            if email:
                request_subscription(email, via=via, user=record.user)
        else:
            unsubscribe_address(email, via=via, user=record.user, consent=False)


def on_account_closed(sender, closure, user, email, **kwargs):
    unsubscribe_address(email, via=Channel.ACCOUNT_CLOSED, user=user)


def on_privacy_request_received(sender, privacy_request, request=None, **kwargs):
    if privacy_request.kind != PrivacyRequest.Kind.RESUBSCRIPTION:
        return
    email = privacy_request.email or (privacy_request.user.email if privacy_request.user_id else "")
    if email:
        request_resubscription(email, privacy_request=privacy_request, request=request)


def customer_panel_rows(sender, customer, **kwargs):
    """The newsletter row of the customer's privacy panel.

    The subscription the account manages, else the state of the account's
    current address (a visitor form, an import), said to be the address's:
    the account never confirmed it. At most two queries.
    """
    subscription = account_subscription(customer)
    managed = subscription is not None
    if subscription is None and customer.email:
        subscription = Subscription.objects.filter(email_hash=address_hash(customer.email)).first()
    if subscription is None:
        text = _("Not on the list.")
    else:
        text = _("%(state)s since %(date)s (asked for through: %(source)s).") % {
            "state": subscription.get_state_display(),
            "date": formats.date_format(subscription.changed_at, "SHORT_DATE_FORMAT"),
            "source": subscription.get_source_display(),
        }
        if not managed:
            text += " " + _(
                "This is the state of the account's address; the account never "
                "confirmed it and cannot change it."
            )
    return [(_("Newsletter"), text)]
