"""The newsletter's background tasks (Django's tasks API): each takes an id; a service works."""

from django_tasks import task


@task()
def send_mailing_task(mailing_id):
    """Send a queued newsletter to every confirmed subscriber; resumes where a run stopped."""
    from .sending import send_mailing

    mailing = send_mailing(mailing_id)
    return None if mailing is None else mailing.status


@task()
def import_subscribers_task(import_id):
    """Import a CSV file of addresses in batches; resumes where a stopped run left off."""
    from .imports import run_import

    job = run_import(import_id)
    return None if job is None else job.status
