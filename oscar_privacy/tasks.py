"""Background tasks (Django's tasks API). Each takes ids and calls a service.

Run them with any django-tasks backend: the immediate one in development and
tests, a real queue (``django-tasks-db``, ``django-tasks-rq``) in production.
"""

from django_tasks import task


@task()
def build_data_export(export_id, exports_url):
    """Build, encrypt and store a person's data export, then email them."""
    from .export import build_export

    export = build_export(export_id, exports_url=exports_url)
    return None if export is None else export.status


@task()
def end_sessions(user_id):
    """Delete the stored sessions of an account: closed, or its password disabled by staff."""
    from .closure import delete_sessions

    return delete_sessions(user_id)


@task()
def send_password_reset_links(sealed_identifier, origin=None):
    """Send the forgotten-password links for an identifier; the request only enqueues this.

    The identifier typed comes encrypted (``oscar_privacy.crypto``), so that a
    queue kept in the database holds no address.
    """
    from .crypto import decrypt
    from .passwords import deliver_forgotten_password_links

    identifier = decrypt(sealed_identifier.encode()).decode()
    return deliver_forgotten_password_links(identifier, origin=origin)


@task()
def send_registration_email(token, origin=None):
    """Email a registering address its confirmation link, or "you already have an account".

    The address is read from ``token``, the encrypted registration link.
    """
    from .registration import deliver_registration_email

    return deliver_registration_email(token, origin=origin)


@task()
def send_email_change_email(token, origin=None):
    """Email a customer's new address its confirmation link, or "another account has it".

    The address is read from ``token``, the encrypted confirmation link.
    """
    from .email_change import deliver_email_change_email

    return deliver_email_change_email(token, origin=origin)
