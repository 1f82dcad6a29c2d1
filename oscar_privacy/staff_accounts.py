"""What staff do to other people's accounts from an admin page: create, change.

Every admin surface that creates or edits accounts (Django's admin on every
admin site, Wagtail's user admin, Oscar's partner users pages) calls these
services, so that the policy holds whichever page staff use:

- nobody chooses another person's password: a new account has none, and
  :func:`invite_account` emails its owner a link to choose one (the reset
  link of :mod:`oscar_privacy.passwords`: single use, expiring, to the
  registered address only);
- an email address changed by staff is audited with staff's reason, and the
  **old** address is told (:func:`record_account_changes`): otherwise staff
  could point an account at their own mailbox and send it a reset link
  unnoticed;
- a change of access (active, staff status, superuser, groups,
  permissions, partners) is audited, so that ticking "staff status" on a
  customer to reach staff-side tools leaves a trace.

Deleting an account is :mod:`oscar_privacy.account_deletion`'s.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from oscar.core.loading import get_class

from . import audit
from .masking import mask_email
from .passwords import link_validity, reset_refusal, site_url

logger = logging.getLogger(__name__)

Dispatcher = get_class("communication.utils", "Dispatcher")
get_password_reset_url = get_class("customer.utils", "get_password_reset_url")

INVITATION_EMAIL = "PRIVACY_ACCOUNT_INVITATION"
"""Oscar communication event code of the invitation to choose a password."""

EMAIL_CHANGED_BY_STAFF_EMAIL = "PRIVACY_EMAIL_CHANGED_BY_STAFF"
"""Oscar communication event code of the warning sent to the old address."""

ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser")
"""Boolean fields of the user model that open or close doors."""

ACCESS_RELATIONS = ("groups", "user_permissions", "partners")
"""Many-to-many relations of an account that open doors (``partners``: Oscar's)."""


def invite_account(user, *, actor, request=None, surface=""):
    """Make ``user``'s password unusable and email them a link to choose one.

    For accounts staff create: whatever the page, the creator never types
    the password. The email goes once the creation commits; an address
    that fails is logged, and the person can ask for a link on the
    forgotten-password page. Raises
    :class:`~oscar_privacy.exceptions.PasswordResetRefused` for an inactive
    or address-less account (nothing is changed then). Audited as
    ``account.invited``.
    """
    refusal = reset_refusal(user)
    if refusal is not None:
        raise refusal
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    audit.record(
        "account.invited", actor=actor, subject=user, request=request, data={"surface": surface}
    )
    # The link is made now, with the page's address; it stays valid as the account
    # does not change before the email goes.
    reset_url = get_password_reset_url(user)
    context = {
        "user": user,
        "reset_url": reset_url,
        "reset_link": site_url(reset_url, request),
        "valid_for": link_validity(),
    }
    language = translation.get_language()
    transaction.on_commit(
        lambda: _send(INVITATION_EMAIL, _email_of(user), context, language), robust=True
    )


def _send(event_code, recipient, context, language):
    """Send Oscar's ``event_code`` email to ``recipient`` directly, never storing it."""
    with translation.override(language):
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(event_code, context)
        dispatcher.dispatch_direct_messages(recipient, messages)


def account_snapshot(user):
    """The email address and the access of ``user`` as stored now, to compare after a change."""
    fresh = get_user_model()._default_manager.get(pk=user.pk)
    snapshot = {"email": _email_of(fresh)}
    for name in ACCESS_FIELDS:
        if hasattr(fresh, name):
            snapshot[name] = bool(getattr(fresh, name))
    for name, values in _relations(fresh).items():
        snapshot[name] = values
    return snapshot


def _relations(user):
    found = {}
    for name in ACCESS_RELATIONS:
        try:
            related = getattr(user, name)
        except (AttributeError, ValueError):
            continue
        if not hasattr(related, "all"):
            continue
        found[name] = sorted(_label(item) for item in related.all())
    return found


def _label(item):
    """A permission as ``app_label.codename`` (what ``has_perm`` takes), anything else as text."""
    if hasattr(item, "codename") and hasattr(item, "content_type"):
        return f"{item.content_type.app_label}.{item.codename}"
    return str(item)


def record_account_changes(user, *, before, actor, reason="", request=None, surface=""):
    """Audit what staff changed on ``user`` since ``before`` (an :func:`account_snapshot`).

    An email change is ``account.email_changed`` (with ``reason``, which the
    forms require) and the old address gets a warning once committed; a
    change of access is ``account.access_changed``. Returns the changed
    keys.
    """
    after = account_snapshot(user)
    changed = [key for key in after if before.get(key) != after[key]]
    if "email" in changed:
        audit.record(
            "account.email_changed",
            actor=actor,
            subject=user,
            reason=reason,
            request=request,
            data={"old": before.get("email", ""), "new": after["email"], "surface": surface},
        )
        old_email = before.get("email")
        if old_email:
            # No reset link in it: the old mailbox may no longer be the customer's.
            context = {
                "user": user,
                "new_email": mask_email(after["email"]),
                "changed_at": timezone.now(),
            }
            language = translation.get_language()
            transaction.on_commit(
                lambda: _send(EMAIL_CHANGED_BY_STAFF_EMAIL, old_email, context, language),
                robust=True,
            )
    access = {key: [before.get(key), after[key]] for key in changed if key != "email"}
    if access:
        audit.record(
            "account.access_changed",
            actor=actor,
            subject=user,
            request=request,
            data={"changes": access, "surface": surface},
        )
    return changed


def _email_of(user):
    return getattr(user, user.get_email_field_name(), "") or ""
