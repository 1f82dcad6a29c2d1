"""Subscribing, confirming, unsubscribing: the services every newsletter page, receiver,
webhook and import calls.

The rules they keep:

- a new address waits for its confirmation link (double opt-in, unless
  ``NEWSLETTER_DOUBLE_OPT_IN`` is off);
- an address that unsubscribed or marked the newsletter as spam is never put
  back by a form, a box or an import: only a request through the contact
  form, confirmed from the mailbox (:mod:`.resubscription`), brings it back;
- an address that bounced may subscribe again through a form: the
  confirmation link reaching the mailbox shows it works again;
- leaving the list erases the address from the row; its keyed hash stays,
  as the suppression entry;
- a subscription is linked to a customer account (``user``, which lets the
  account see it and end it) only once the address itself confirmed it:
  by following a link, emailed to it, that names the account. Oscar does not
  verify the address of an account, so whoever types someone else's address
  in their profile learns nothing of its subscription and cannot end it. An
  address is *verified* for an account, here, once such a link was followed
  (the row's ``linked_at`` records when).

Consents are recorded with the core's :func:`~oscar_privacy.consent.record_consents`.
What the newsletter records itself is wrapped in :func:`own_records`, so its
receiver of ``consent_recorded`` (:mod:`.receivers`) does not act on it twice.
"""

import contextlib
import contextvars
import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from ..conf import app_settings
from ..consent import record_consents
from ..models import ConsentAction, ConsentChannel, ConsentPurpose
from . import emails, tokens
from .addresses import address_hash, normalise
from .models import Channel, Subscription

State = Subscription.State

RESEND_AFTER = datetime.timedelta(minutes=10)
"""A new confirmation (or notice) email for the same address waits this long."""

CONSENT_CHANNEL = {
    Channel.REGISTRATION: ConsentChannel.REGISTRATION,
    Channel.CHECKOUT: ConsentChannel.CHECKOUT,
    Channel.MY_ACCOUNT: ConsentChannel.MY_ACCOUNT,
    Channel.NEWSLETTER_FORM: ConsentChannel.NEWSLETTER_FORM,
    Channel.CONTACT_FORM: ConsentChannel.CONTACT_FORM,
    Channel.IMPORT: ConsentChannel.STAFF,
    Channel.STAFF: ConsentChannel.STAFF,
    # The unsubscribe page and its one-click and email variants are the
    # newsletter's own forms.
    Channel.LINK: ConsentChannel.NEWSLETTER_FORM,
    Channel.ONE_CLICK: ConsentChannel.NEWSLETTER_FORM,
    Channel.MAILTO: ConsentChannel.NEWSLETTER_FORM,
    Channel.ESP: ConsentChannel.ESP_WEBHOOK,
    Channel.ACCOUNT_CLOSED: ConsentChannel.MY_ACCOUNT,
}
"""The consent channel a newsletter channel is recorded under."""

_own_records = contextvars.ContextVar("oscar_privacy_newsletter_own_records", default=False)


@contextlib.contextmanager
def own_records():
    """Consents recorded inside are the newsletter's own: its receiver leaves them alone."""
    marker = _own_records.set(True)
    try:
        yield
    finally:
        _own_records.reset(marker)


def recording_own():
    """Whether the consents being recorded now come from the newsletter itself."""
    return _own_records.get()


@dataclass(frozen=True)
class Outcome:
    """What :func:`request_subscription` did: ``pending``, ``subscribed``, ``already`` or
    ``opposed`` (the address unsubscribed earlier and was not put back).

    ``managed``: the account that asked manages the subscription (it
    verified the address before). Only then may the account be told the result.
    """

    subscription: Subscription
    result: str
    managed: bool = False

    @property
    def opposed(self):
        return self.result == "opposed"


def _record(action, *, via, email, user=None, request=None):
    """Record the newsletter consent ``action`` as the newsletter's own."""
    with own_records():
        return record_consents(
            [(ConsentPurpose.NEWSLETTER, action, None)],
            channel=CONSENT_CHANNEL[via],
            user=user,
            email=email,
            request=request,
        )


def request_subscription(email, *, via, user=None, language=None):
    """Ask for ``email`` to receive the newsletter; returns an :class:`Outcome`.

    ``via`` is a ``Channel``; ``user`` the account it was asked from, if
    any. Records no consent: the caller has, or does. The confirmation email
    (or, for an address that unsubscribed, the notice saying how to come
    back) is sent once the transaction commits, at most once per
    :data:`~oscar_privacy.newsletter.subscriptions.RESEND_AFTER` for the
    same address.

    The account is never linked here: its confirmation link names it, and
    following the link links it. When the account does not manage the
    subscription yet, the link is sent even for an address already
    subscribed (or with double opt-in off), since only the address may
    hand its subscription to an account.
    """
    email = normalise(email)
    language = language or translation.get_language() or ""
    now = timezone.now()
    user = user if user is not None and user.is_authenticated else None
    double_opt_in = app_settings.NEWSLETTER_DOUBLE_OPT_IN
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            email_hash=address_hash(email),
            defaults={
                "email": email,
                "state": State.PENDING if double_opt_in else State.SUBSCRIBED,
                "source": via,
                "language": language,
                "created_at": now,
                "requested_at": now,
                "changed_at": now,
                "confirmed_at": None if double_opt_in else now,
            },
        )
        if created:
            if double_opt_in or user is not None:
                _send_link(subscription, email, user)
            return Outcome(subscription, subscription.state)
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        managed = user is not None and subscription.user_id == user.pk
        due = subscription.requested_at <= now - RESEND_AFTER
        if subscription.state in Subscription.OPPOSED:
            if due:
                Subscription.objects.filter(pk=subscription.pk).update(requested_at=now)
                _send_later(emails.send_opposed_notice, email)
            return Outcome(subscription, "opposed", managed)
        if subscription.state == State.SUBSCRIBED and subscription.email:
            if user is not None and not managed and due:
                Subscription.objects.filter(pk=subscription.pk).update(requested_at=now)
                _send_link(subscription, email, user)
            return Outcome(subscription, "already", managed)
        if subscription.state == State.BOUNCED or not subscription.email:
            # Back from a bounce (or a row whose address was erased by hand): as
            # new, except that the row (and its hash) stays.
            subscription.state = State.PENDING if double_opt_in else State.SUBSCRIBED
            subscription.generation += 1
            subscription.changed_at = now
            subscription.confirmed_at = None if double_opt_in else now
            subscription.source = via
            subscription.ended_via = subscription.ended_detail = ""
            due = True
        subscription.email = email
        subscription.language = language
        if due and (subscription.state == State.PENDING or (user is not None and not managed)):
            subscription.requested_at = now
            _send_link(subscription, email, user)
        subscription.save()
    return Outcome(subscription, subscription.state, managed)


def _send_link(subscription, email, user):
    """Send ``email`` its confirmation link once committed, naming ``user`` if an account asked."""
    _send_later(emails.send_confirmation, email, tokens.confirm_token(subscription, user))


def _send_later(send, email, *args):
    # In the language of the page the person asked from.
    language = translation.get_language() or ""
    transaction.on_commit(lambda: send(email, *args, language=language))


def confirm_subscription(token):
    """Follow a confirmation link: ``(subscription, result)``.

    ``result`` is ``"confirmed"``, ``"already"`` (the subscription was
    active already: the link was followed before, or was sent to let an
    account manage it) or ``"stale"`` (the subscription changed since the
    link was sent, or is gone). A link asked for from an account links the
    subscription to that account: the address confirmed it. Raises
    :class:`~oscar_privacy.newsletter.tokens.BadToken` or
    :class:`~oscar_privacy.newsletter.tokens.ExpiredToken` for a damaged or
    expired link.
    """
    pk, generation, account_id = tokens.read_confirm_token(token)
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(pk=pk).first()
        if subscription is None or subscription.generation != generation:
            return subscription, "stale"
        now = timezone.now()
        if subscription.state == State.SUBSCRIBED:
            result = "already"
        elif subscription.state == State.PENDING:
            subscription.state = State.SUBSCRIBED
            subscription.confirmed_at = subscription.changed_at = now
            subscription.save(update_fields=["state", "confirmed_at", "changed_at"])
            result = "confirmed"
        else:
            return subscription, "stale"
        if account_id is not None:
            link_account(subscription, account_id, now=now)
    return subscription, result


def link_account(subscription, account_id, *, now=None):
    """Let the account ``account_id`` manage ``subscription``: its address confirmed it.

    The one place a subscription gets an account. Called when a link
    emailed to the address, naming the account, is followed. An account
    that no longer exists or is inactive (closed) is not linked.
    """
    user = get_user_model()._default_manager.filter(pk=account_id, is_active=True).first()
    if user is None or subscription.user_id == user.pk:
        return False
    subscription.user = user
    subscription.linked_at = now or timezone.now()
    subscription.save(update_fields=["user", "linked_at"])
    return True


def subscribe_from_form(email, *, acceptances, request=None):
    """The visitor form: the policy acceptance recorded, and the subscription asked for.

    ``acceptances`` are the form's ``(purpose, action, version)`` entries
    (the privacy policy, with its version). The newsletter consent is
    recorded too, unless the address had unsubscribed: then it is not put back.
    """
    with transaction.atomic():
        outcome = request_subscription(email, via=Channel.NEWSLETTER_FORM)
        entries = list(acceptances)
        if not outcome.opposed:
            entries.append((ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None))
        with own_records():
            record_consents(
                entries,
                channel=ConsentChannel.NEWSLETTER_FORM,
                email=normalise(email),
                request=request,
            )
    return outcome


def account_subscription(user):
    """The newest subscription ``user``'s account manages, or ``None``.

    Found by the account, never by its address: Oscar does not verify the
    address given at registration, and a subscription is linked to an
    account only once its address confirmed it.
    """
    return Subscription.objects.filter(user=user).order_by("-pk").first()


def subscribe_account(user, *, request=None):
    """The My Account switch turned on: ask for the account's address, record the consent.

    When the account does not manage the address's subscription, this is a
    visitor's request (a link emailed to the address) and the consent the
    account gave is recorded whatever the address's state, so that neither
    the page nor "My consents" tells the account anything about the address.
    """
    with transaction.atomic():
        outcome = request_subscription(user.email, via=Channel.MY_ACCOUNT, user=user)
        if not outcome.managed or (not outcome.opposed and outcome.result != "already"):
            _record(
                ConsentAction.GIVEN,
                via=Channel.MY_ACCOUNT,
                email=user.email,
                user=user,
                request=request,
            )
    return outcome


def unsubscribe_account(user, *, request=None):
    """The My Account switch turned off: every subscription of the account ends at once."""
    ended = 0
    for subscription in _active(Q(user=user)):
        ended += end_subscription(subscription, via=Channel.MY_ACCOUNT, request=request)
    return ended


def _active(query):
    return list(
        Subscription.objects.select_related("user").filter(query, state__in=Subscription.ACTIVE)
    )


def unsubscribe(subscription_id, *, via):
    """Unsubscribe by id (the link, one-click, email): at once, in at most three queries.

    Returns whether anything changed. An unknown id, or a subscription
    already off the list, changes nothing.
    """
    subscription = Subscription.objects.select_related("user").filter(pk=subscription_id).first()
    if subscription is None or subscription.state not in Subscription.ACTIVE:
        return False
    return end_subscription(subscription, via=via)


def unsubscribe_address(email, *, via, user=None, consent=True, request=None):
    """End the active subscriptions of ``user``'s account, or of ``email``; returns how many.

    With an account (its consent withdrawn, its closure), only the
    subscriptions it manages end: the account's address is not verified, and
    ending another person's subscription because someone typed their address
    in a profile would be acting in their name. Without an account, every
    subscription of ``email``. ``consent=False`` when the caller has just
    recorded the withdrawal.
    """
    if user is not None and user.pk is not None:
        query = Q(user=user)
    else:
        query = Q(email_hash=address_hash(email)) if email else Q(pk__in=[])
    return sum(
        end_subscription(subscription, via=via, consent=consent, request=request)
        for subscription in _active(query)
    )


def end_subscription(
    subscription, *, via, state=State.UNSUBSCRIBED, detail="", consent=True, request=None
):
    """Take ``subscription`` off the list now: its address erased, its hash kept.

    ``state`` is unsubscribed, complained or bounced. A withdrawal of
    consent is recorded for the first two (unless ``consent=False``): a
    bounce is the mailbox failing, not the person's choice. Returns
    ``False`` if another request changed the subscription first.

    Two statements: the conditional UPDATE and the consent record, without
    a savepoint inside a caller's transaction (the unsubscribe budget).
    """
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        changed = Subscription.objects.filter(
            pk=subscription.pk, generation=subscription.generation
        ).update(
            state=state,
            email="",
            changed_at=now,
            ended_via=via,
            ended_detail=detail[:100],
            generation=F("generation") + 1,
        )
        if not changed:
            return False
        if consent and state in Subscription.OPPOSED and subscription.email:
            # The person, through a link or their mail client: no network data
            # to keep, the link itself identified the subscription.
            _record(
                ConsentAction.WITHDRAWN,
                via=via,
                email=subscription.email,
                user=subscription.user,
                request=request,
            )
    return True


def is_opposed(email):
    """Whether ``email`` unsubscribed or complained (the suppression list), in one query."""
    return Subscription.objects.filter(
        email_hash=address_hash(email), state__in=Subscription.OPPOSED
    ).exists()
