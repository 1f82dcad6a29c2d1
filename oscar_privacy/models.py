"""Models of the core app. Each model here is described in the data map."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import AppendOnlyError


class AuditEventQuerySet(models.QuerySet):
    """Audit events are append-only: bulk changes and deletes are refused."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError(
            "Audit events cannot be deleted; the retention rule 'audit_trail' purges old ones."
        )

    def purge_before(self, moment):
        """Delete events older than ``moment``: the one way out, used by retention."""
        old = self.filter(created_at__lt=moment)
        return old._raw_delete(old.db)


class AuditEvent(models.Model):
    """Who did what to whose personal data, when and why. Never changed."""

    class Kind(models.TextChoices):
        READ = "read", _("Read")
        ACTION = "action", _("Action")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ACTION)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The person whose data was read or acted on, if they have an account."),
    )
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["subject", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")
