"""``manage.py privacy_register``: write the register of processing activities (GDPR art. 30)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from oscar_privacy.exceptions import PrivacyConfigurationError
from oscar_privacy.register import build_register, register_gaps
from oscar_privacy.register_formats import RENDERERS


class Command(BaseCommand):
    help = (
        "Write the register of processing activities (GDPR art. 30(1)) built from the data map "
        "and the OSCAR_PRIVACY_* settings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=list(RENDERERS),
            default="html",
            help="html (print-ready document, the default), json or csv.",
        )
        parser.add_argument(
            "--output", metavar="FILE", help="Write to FILE instead of the standard output."
        )
        parser.add_argument(
            "--language",
            metavar="CODE",
            default=settings.LANGUAGE_CODE,
            help="Language of the document, one of LANGUAGES (default: LANGUAGE_CODE).",
        )

    def handle(self, *args, **options):
        try:
            language = translation.get_supported_language_variant(options["language"])
        except LookupError:
            codes = ", ".join(code for code, _name in settings.LANGUAGES)
            raise CommandError(
                f"Unknown language {options['language']!r}; choose one of {codes}."
            ) from None
        with translation.override(language):
            try:
                register = build_register()
            except PrivacyConfigurationError as exc:
                # A configuration mistake deserves its message, not a traceback.
                raise CommandError(str(exc)) from exc
            text = RENDERERS[options["format"]](register)
            for gap in register_gaps(register):
                self.stderr.write(_("Warning: %(gap)s") % {"gap": gap}, self.style.WARNING)
            if options["output"]:
                self._write_file(options["output"], text)
            else:
                self.stdout.write(text, ending="")

    def _write_file(self, path, text):
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
        self.stderr.write(_("Register written to %(path)s.") % {"path": path})
