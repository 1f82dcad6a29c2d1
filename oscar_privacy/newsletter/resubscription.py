"""Re-subscription on request: the one way back for an address that unsubscribed.

The policy: to receive the newsletter again, the person asks through the
contact form. The contact form stores a :class:`~oscar_privacy.models.PrivacyRequest`
of kind ``resubscription`` and sends ``privacy_request_received`` once the
request is actionable (its address confirmed, or sent from an account);
:mod:`.receivers` then calls :func:`request_resubscription`, which emails the
address a link. Following it (:func:`confirm_resubscription`) puts the
address back on the list, past the suppression list, records the consent
and marks the request answered.
"""

from django.db import transaction
from django.utils import timezone, translation

from .. import audit
from ..consent import record_consents
from ..models import ConsentAction, ConsentChannel, ConsentPurpose, PrivacyRequest
from . import emails, tokens
from .addresses import address_hash, normalise
from .models import Channel, Subscription
from .subscriptions import own_records


def request_resubscription(email, *, privacy_request=None, request=None):
    """Email ``email`` the link that confirms its re-subscription; returns the request.

    ``privacy_request`` is the contact form's request of kind
    ``resubscription``; without one, a request is created, so every
    re-subscription has its record. The request is in progress until the
    link is followed.
    """
    email = normalise(email)
    with transaction.atomic():
        if privacy_request is None:
            user = getattr(request, "user", None)
            privacy_request = PrivacyRequest.objects.create(
                kind=PrivacyRequest.Kind.RESUBSCRIPTION,
                email=email,
                user=user if user is not None and user.is_authenticated else None,
            )
        if privacy_request.status == PrivacyRequest.Status.RECEIVED:
            privacy_request.status = PrivacyRequest.Status.IN_PROGRESS
            privacy_request.save(update_fields=["status"])
        token = tokens.resubscribe_token(privacy_request.pk)
        language = translation.get_language() or ""
        transaction.on_commit(
            lambda: emails.send_resubscription_link(email, token, language=language)
        )
    return privacy_request


def confirm_resubscription(token, *, request=None):
    """Follow a re-subscription link: ``(subscription, result)``.

    ``result`` is ``"resubscribed"``, ``"already"`` (the link was followed
    before) or ``"closed"`` (staff closed the request meanwhile). Raises
    :class:`~oscar_privacy.newsletter.tokens.BadToken` or
    :class:`~oscar_privacy.newsletter.tokens.ExpiredToken`.
    """
    pk = tokens.read_resubscribe_token(token)
    now = timezone.now()
    with transaction.atomic():
        privacy_request = (
            PrivacyRequest.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=pk, kind=PrivacyRequest.Kind.RESUBSCRIPTION)
            .first()
        )
        if privacy_request is None:
            raise tokens.BadToken("No such re-subscription request.")
        if privacy_request.decision == PrivacyRequest.Decision.GRANTED:
            return None, "already"
        if not privacy_request.is_open:
            return None, "closed"
        user = privacy_request.user
        email = normalise(privacy_request.email or (user.email if user else ""))
        if not email:
            raise tokens.BadToken("The request has no address.")
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            email_hash=address_hash(email),
            defaults={"source": Channel.CONTACT_FORM, "created_at": now},
        )
        subscription.email = email
        subscription.state = Subscription.State.SUBSCRIBED
        subscription.source = Channel.CONTACT_FORM
        if user is not None and user.is_active and subscription.user_id != user.pk:
            # The link was emailed to the address and followed: it hands the
            # subscription to the account the request came from.
            subscription.user, subscription.linked_at = user, now
        subscription.language = translation.get_language() or subscription.language
        subscription.requested_at = subscription.confirmed_at = subscription.changed_at = now
        subscription.ended_via = subscription.ended_detail = ""
        subscription.generation += 1
        subscription.save()
        with own_records():
            record_consents(
                [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
                channel=ConsentChannel.CONTACT_FORM,
                user=user,
                email=email,
                request=request,
            )
        privacy_request.status = PrivacyRequest.Status.DONE
        privacy_request.decision = PrivacyRequest.Decision.GRANTED
        privacy_request.decided_at = now
        privacy_request.save(update_fields=["status", "decision", "decided_at"])
        audit.record(
            "newsletter.resubscribed",
            actor=user,
            subject=user,
            target=privacy_request,
            request=request,
        )
    return subscription, "resubscribed"
