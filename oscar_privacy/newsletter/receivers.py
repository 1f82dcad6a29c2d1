"""How the newsletter follows the rest of the site, through the core's signals.

The core never imports the newsletter; the newsletter listens:

- ``consent_recorded``: a newsletter consent given elsewhere (the boxes at
  registration and checkout, My Account) asks for a subscription; one
  withdrawn (My consents, the closure of an account) ends it at once;
- ``account_closed``: every subscription of the account, and of its old
  address, ends at once;
- ``privacy_request_received``: a re-subscription request sends the link
  that confirms it.
"""

from ..models import ConsentAction, ConsentChannel, ConsentPurpose, PrivacyRequest
from .models import Channel
from .resubscription import request_resubscription
from .subscriptions import recording_own, request_subscription, unsubscribe_address

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
