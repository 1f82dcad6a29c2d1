"""``manage.py privacy_reset_two_factor <username> --reason "..."``: set up 2FA again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oscar_privacy.two_factor import reset_two_factor


class Command(BaseCommand):
    help = (
        "Remove every two-factor device (authenticator app, backup codes) of an account and end "
        "its sessions: at the next visit of a staff page, its owner sets up two-factor "
        "authentication again. For a staff member who lost their phone and their backup codes; "
        "check who is asking before running it. Recorded in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The account's username (its login).")
        parser.add_argument(
            "--reason",
            required=True,
            help="Why, for the audit trail (who asked, how their identity was checked).",
        )

    def handle(self, *args, **options):
        reason = options["reason"].strip()
        if not reason:
            raise CommandError(_("Give a reason: it is kept in the audit trail."))
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(options["username"])
        except user_model.DoesNotExist as exc:
            raise CommandError(
                _("No account has the username %(username)s.") % {"username": options["username"]}
            ) from exc
        removed = reset_two_factor(user, reason=reason)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(username)s: %(count)d two-factor device removed and their sessions ended. "
                    "They will set up two-factor authentication again at their next visit of a "
                    "staff page.",
                    "%(username)s: %(count)d two-factor devices removed and their sessions ended. "
                    "They will set up two-factor authentication again at their next visit of a "
                    "staff page.",
                    removed,
                )
                % {"username": user.get_username(), "count": removed}
            )
        )
