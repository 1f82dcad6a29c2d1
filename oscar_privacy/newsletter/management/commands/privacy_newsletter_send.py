"""Resume newsletter sendings a stopped worker left unfinished."""

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from oscar_privacy.newsletter.models import Mailing
from oscar_privacy.newsletter.tasks import send_mailing_task


class Command(BaseCommand):
    help = (
        "Queue again the newsletter sendings whose worker stopped (its lease ran out); "
        "nobody already claimed is sent to twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--resume", action="store_true", help="Queue every interrupted sending again."
        )
        parser.add_argument("mailing", nargs="*", type=int, help="Ids of sendings to queue again.")

    def handle(self, *args, resume=False, mailing=(), **options):
        stalled = Mailing.objects.exclude(status=Mailing.Status.SENT).filter(
            Q(lease_until__lt=timezone.now()) | Q(lease_until__isnull=True)
        )
        if not resume:
            stalled = stalled.filter(pk__in=mailing)
        ids = list(stalled.values_list("pk", flat=True))
        for pk in ids:
            send_mailing_task.enqueue(pk)
        self.stdout.write(f"{len(ids)} sending(s) queued.")
