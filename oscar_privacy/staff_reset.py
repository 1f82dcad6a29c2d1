"""Staff send a customer a password reset link: the policy's "reset by the administrator".

Staff never see nor choose the password: the link goes to the address
registered on the account (:func:`oscar_privacy.passwords.send_reset_link`)
and the customer chooses the new password. With
``OSCAR_PRIVACY_STAFF_RESET_DISABLES_PASSWORD`` the current password also
stops working at once and the customer's sessions end. Each reset is in the
audit trail with the reason staff gave.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .adapter import get_adapter
from .conf import app_settings
from .passwords import (
    ResetChannel,
    disable_password_and_end_sessions,
    reset_refusal,
    send_reset_link,
)
from .ratelimit import is_limited


def may_reset(actor, user):
    """Whether ``actor`` may send ``user`` a reset link from the dashboard.

    Staff and superuser accounts are reset by superusers only: another staff
    member could otherwise disable an administrator's password, or start
    a takeover through an administrator's mailbox.
    """
    return actor.is_superuser or not get_adapter().is_protected_user(user)


def staff_reset_throttled(request, user):
    """Count one staff reset of ``user``; ``True`` when over the limit.

    The limit is per account, whoever sends: it protects the customer's
    mailbox from a flood of links (a double-click, a careless script). The
    rate is the forgotten-password form's per-identifier one,
    ``OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IDENTIFIER``.
    """
    return is_limited(
        request,
        group="oscar_privacy.staff_reset.account",
        rate=app_settings.PASSWORD_RESET_RATE_PER_IDENTIFIER,
        identifier=str(user.pk),
    )


def reset_customer_password(user, *, actor, reason, request=None, disable_password=None):
    """Send ``user`` a reset link on behalf of ``actor``, and maybe disable their password.

    ``disable_password`` defaults to ``OSCAR_PRIVACY_STAFF_RESET_DISABLES_PASSWORD``.
    Raises ``PermissionDenied`` when :func:`may_reset` says no, and
    :class:`~oscar_privacy.exceptions.PasswordResetRefused` for an inactive,
    closed or address-less account: nothing is changed or sent then. If the
    email cannot be sent, the password is left as it was.
    """
    if not may_reset(actor, user):
        raise PermissionDenied("Only superusers reset the password of a staff account.")
    if disable_password is None:
        disable_password = app_settings.STAFF_RESET_DISABLES_PASSWORD
    with transaction.atomic():
        # Locked: an account being closed at the same moment gets no link.
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        refusal = reset_refusal(user)
        if refusal is not None:
            raise refusal
        if disable_password:
            disable_password_and_end_sessions(user, actor=actor, reason=reason, request=request)
        send_reset_link(
            user, request=request, channel=ResetChannel.STAFF, actor=actor, reason=reason
        )
    return user
