"""The newsletter's background task (Django's tasks API): it takes an id; the service works."""

from django_tasks import task


@task()
def send_mailing_task(mailing_id):
    """Send a queued newsletter to every confirmed subscriber; resumes where a run stopped."""
    from .sending import send_mailing

    mailing = send_mailing(mailing_id)
    return None if mailing is None else mailing.status
