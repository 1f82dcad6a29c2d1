"""Models of the core app. Each model here is described in the data map."""

import datetime
import uuid

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .exceptions import AppendOnlyError
from .fields import EncryptedJSONField


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be deleted.")


class ImmutableModel(models.Model):
    """A row written once and never changed or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"A {self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"A {self._meta.verbose_name} cannot be deleted.")


class AuditEventQuerySet(ImmutableQuerySet):
    def purge_before(self, moment):
        """Delete events older than ``moment``: the one way out, used by retention.

        On PostgreSQL the append-only trigger lets the DELETE through because
        the flag ``oscar_privacy.audit_purge`` is ``on`` for this statement
        only: it is set just before and cleared just after, in one transaction.
        """
        old = self.filter(created_at__lt=moment)
        connection = connections[old.db]
        with transaction.atomic(using=old.db):
            if connection.vendor != "postgresql":
                return old._raw_delete(old.db)
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('oscar_privacy.audit_purge', 'on', true)")
                deleted = old._raw_delete(old.db)
                # On failure the rollback (to the savepoint) undoes the flag too.
                cursor.execute("SELECT set_config('oscar_privacy.audit_purge', 'off', true)")
        return deleted


class AuditEvent(ImmutableModel):
    """Who did what to whose personal data, when and why. Never changed."""

    class Kind(models.TextChoices):
        READ = "read", _("Read")
        ACTION = "action", _("Action")

    created_at = models.DateTimeField(
        _("date and time"), default=timezone.now, db_index=True, editable=False
    )
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
        verbose_name=_("person concerned"),
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
        # Staff actions that are audited but change no model of their own.
        permissions = [
            (
                "reset_customer_password",
                _("Can send a customer a password reset link from the dashboard"),
            ),
            (
                "view_customer_privacy",
                _("Can see the privacy panel of a customer in the dashboard"),
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class PolicyKind(models.TextChoices):
    PRIVACY = "privacy", _("Privacy policy")
    TERMS = "terms", _("Terms and conditions of sale")


class PolicyVersion(ImmutableModel):
    """A legal text exactly as it was published: what a customer accepted.

    Created when an editor publishes the legal page; never changed, so a
    consent record always points at the words the person saw.
    """

    kind = models.CharField(_("document"), max_length=16, choices=PolicyKind.choices)
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), help_text=_("The rendered HTML, frozen at publication."))
    sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    material = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_("Customers who accepted an earlier version must accept this one."),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    source_page_id = models.PositiveIntegerField(_("source page"), null=True, blank=True)
    source_revision_id = models.PositiveIntegerField(_("source revision"), null=True, blank=True)
    source_url = models.CharField(
        _("page address"),
        max_length=255,
        blank=True,
        help_text=_("Where the page was published; it stays reachable for re-acceptance."),
    )

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="oscar_privacy_version_unique")
        ]

    def __str__(self):
        return _("%(document)s, version %(number)s") % {
            "document": self.get_kind_display(),
            "number": self.number,
        }

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("oscar_privacy:policy-version", args=[self.kind, self.number])


class ConsentPurpose(models.TextChoices):
    PRIVACY_POLICY = "privacy_policy", _("Privacy policy")
    TERMS = "terms", _("Terms and conditions of sale")
    NEWSLETTER = "newsletter", _("Newsletter")


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentChannel(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    CHECKOUT = "checkout", _("Checkout")
    POLICY_UPDATE = "policy_update", _("Acceptance of an updated policy")
    MY_ACCOUNT = "my_account", _("My account")
    NEWSLETTER_FORM = "newsletter_form", _("Newsletter form")
    CONTACT_FORM = "contact_form", _("Contact form")
    ESP_WEBHOOK = "esp_webhook", _("Email provider")
    STAFF = "staff", pgettext_lazy("consent channel", "Staff")


class ConsentRecordQuerySet(ImmutableQuerySet):
    def purge(self):
        """Delete these records: the one way out, used by retention (``consent_proof``)."""
        return self._raw_delete(self.db)


class ConsentRecord(ImmutableModel):
    """Proof that someone gave or withdrew consent: append-only."""

    created_at = models.DateTimeField(_("date and time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_consents",
    )
    email = models.EmailField(_("email"), blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    action = models.CharField(_("action"), max_length=16, choices=ConsentAction.choices)
    version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
    )
    channel = models.CharField(_("channel"), max_length=32, choices=ConsentChannel.choices)
    order_number = models.CharField(_("order number"), max_length=128, blank=True)
    network = EncryptedJSONField(
        _("network data"),
        null=True,
        blank=True,
        help_text=_(
            "The truncated IP address, or its keyed hash, as the settings say; encrypted at rest."
        ),
    )

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "purpose", "created_at"])]

    def __str__(self):
        purpose, action = self.get_purpose_display(), self.get_action_display()
        return f"{purpose} {action} ({self.created_at:%Y-%m-%d})"


class DataExport(models.Model):
    """A copy of a person's data prepared for them to download (GDPR Art. 15 and 20).

    The archive is encrypted in private storage; the row records the request
    after the archive has expired and been deleted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired and deleted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="privacy_exports",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("The language the copy is written in."),
    )
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    file_name = models.CharField(_("file in private storage"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    last_downloaded_at = models.DateTimeField(_("last downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return _("Copy of the data of %(person)s, %(date)s") % {
            "person": self.owner_id,
            "date": f"{self.requested_at:%Y-%m-%d}",
        }

    @property
    def is_expired(self):
        return self.status == self.Status.EXPIRED or (
            self.expires_at is not None and self.expires_at <= timezone.now()
        )

    def get_download_url(self):
        from django.urls import reverse

        return reverse("oscar_privacy:export-download", args=[self.pk])


class AccountClosure(models.Model):
    """An account closed by its owner or by staff, and what remains under legal hold."""

    class Channel(models.TextChoices):
        MY_ACCOUNT = "my_account", _("My account")
        STAFF = "staff", pgettext_lazy("closure channel", "Staff")
        REQUEST = "request", _("Privacy request")
        RETENTION = "retention", _("Inactive account (retention rule)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="privacy_closure",
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    reason = models.TextField(_("reason"), blank=True)
    had_orders = models.BooleanField(_("had orders"), default=False)
    last_order_at = models.DateTimeField(_("last order placed at"), null=True, blank=True)
    hold_until = models.DateTimeField(
        _("order data kept until"),
        null=True,
        blank=True,
        help_text=_("End of the legal hold on the order data; then it is anonymised."),
    )
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        help_text=_("When the last personal data of the account was erased or anonymised."),
    )

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")
        ordering = ["-closed_at"]

    def __str__(self):
        return _("Account #%(id)s closed on %(date)s") % {
            "id": self.user_id,
            "date": f"{self.closed_at:%Y-%m-%d}",
        }


class RetentionRun(models.Model):
    """One retention rule applied (or counted, in a dry run) by ``privacy_retention``.

    Written when the rule starts, its ``counts`` saved with each batch that
    changes rows, and completed when it ends: a row without ``finished_at``
    is a run still going or killed (:attr:`status`). ``counts`` is ``{model
    label: rows}`` deleted, anonymised or, in a dry run, found. No personal data.
    """

    rule = models.CharField(_("rule"), max_length=64, db_index=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    counts = models.JSONField(_("rows per model"), default=dict, blank=True)
    stopped_early = models.BooleanField(
        _("stopped early"),
        default=False,
        help_text=_("Time ran out with rows left; the next run goes on."),
    )

    class Status(models.TextChoices):
        FINISHED = "finished", _("finished")
        STOPPED_EARLY = "stopped_early", _("stopped early: the next run goes on")
        RUNNING = "running", _("not finished: still running, or killed")
        INTERRUPTED = "interrupted", _("interrupted: killed before its end; the next run goes on")

    INTERRUPTED_AFTER = datetime.timedelta(days=1)
    """A run still not finished this long after it started was killed (or its server stopped)."""

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.rule} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def status(self):
        """``"finished"``, ``"stopped_early"``, ``"running"`` or ``"interrupted"`` (``Status``).

        A run without ``finished_at`` is running, or was killed: the two look
        the same until :attr:`INTERRUPTED_AFTER` has passed since it started.
        Either way its ``counts`` are what its committed batches changed.
        """
        if self.finished_at is not None:
            return self.Status.STOPPED_EARLY if self.stopped_early else self.Status.FINISHED
        if self.started_at <= timezone.now() - self.INTERRUPTED_AFTER:
            return self.Status.INTERRUPTED
        return self.Status.RUNNING


class InactivityNotice(models.Model):
    """The warning sent to an inactive customer before their account is closed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="privacy_inactivity_notice",
    )
    warned_at = models.DateTimeField(_("warned at"), default=timezone.now)

    class Meta:
        verbose_name = _("inactivity notice")
        verbose_name_plural = _("inactivity notices")
        ordering = ["warned_at"]

    def __str__(self):
        return _("Account #%(id)s warned on %(date)s") % {
            "id": self.user_id,
            "date": f"{self.warned_at:%Y-%m-%d}",
        }


def one_month_after(moment):
    """The answer deadline of a request received at ``moment`` (GDPR Art. 12(3)).

    A calendar month: 31 January gives 28 (or 29) February.
    """
    return moment + relativedelta(months=1)


class PrivacyRequest(models.Model):
    """A data subject's request, from its arrival to the decision on it.

    ``details`` holds what the requester typed (names, facts, free text),
    encrypted at rest: it is personal data of someone who may not be
    identified yet. ``user`` is the account the request came from or, once
    identified, the requester's account; ``matched_user`` the account staff
    (account recovery) or the confirmed address (contact form) identified.

    The answer is due one month after the request becomes actionable
    (GDPR Art. 12(3)): at once when it comes from a logged-in customer or
    from staff; when the requester follows the confirmation link otherwise
    (``confirmed_at``). Until then the request is ``unconfirmed``, has no
    deadline and nobody acts on it.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access to or copy of the data")
        RECTIFICATION = "rectification", _("Rectification")
        CLOSURE = "closure", _("Account closure or erasure")
        WITHDRAWAL = "withdrawal", _("Withdrawal of consent")
        RESUBSCRIPTION = "resubscription", _("Newsletter re-subscription")
        RECOVERY = "recovery", _("Lost login and email address")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Awaiting the requester's confirmation")
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Answered")
        REFUSED = "refused", _("Refused")

    class Decision(models.TextChoices):
        MATCH = "match", _("Account identified")
        NO_MATCH = "no_match", _("No account identified")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_requests",
    )
    email = models.EmailField(_("requester's email"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("The language of the emails to the requester."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the requester followed the confirmation link sent to their address."),
    )
    due_at = models.DateTimeField(
        _("answer due by"),
        null=True,
        blank=True,
        help_text=_(
            "One month after the request became actionable (GDPR Art. 12(3)); empty while "
            "it awaits the requester's confirmation."
        ),
    )
    extended_until = models.DateTimeField(
        _("deadline extended until"),
        null=True,
        blank=True,
        help_text=_("At most two more months, for complex or numerous requests."),
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    details = EncryptedJSONField(
        _("what the requester wrote"),
        default=dict,
        blank=True,
        help_text=_("Encrypted at rest."),
    )
    matched_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account identified"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status", "received_at"])]

    def __str__(self):
        return _("%(kind)s request #%(id)s of %(date)s") % {
            "kind": self.get_kind_display(),
            "id": self.pk,
            "date": f"{self.received_at:%Y-%m-%d}",
        }

    def save(self, *args, **kwargs):
        if self.due_at is None and self.status != self.Status.UNCONFIRMED:
            self.due_at = one_month_after(self.actionable_since)
        super().save(*args, **kwargs)

    @property
    def reference(self):
        """What the requester and staff quote: ``PR-42``."""
        return f"PR-{self.pk}"

    @property
    def actionable_since(self):
        """When the legal clock started: confirmation, or receipt for a request needing none."""
        return self.confirmed_at or self.received_at

    @property
    def deadline(self):
        """When the answer is due, extension included (``None`` while unconfirmed)."""
        return self.extended_until or self.due_at

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self):
        return self.is_open and self.deadline is not None and self.deadline < timezone.now()


class PrivacyRequestEvent(ImmutableModel):
    """One step in handling a privacy request: the request's history, append-only.

    ``note`` is what staff wrote (encrypted at rest: it is about the
    requester); ``data`` holds only codes and ids (statuses, the email's
    event code, the new deadline), never personal data.
    """

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        CONFIRMED = "confirmed", _("Confirmed by the requester")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        NOTE = "note", _("Note")
        EXTENDED = "extended", _("Deadline extended")
        DECIDED = "decided", _("Decided")
        EMAIL = "email", _("Email sent")
        ACCOUNT_CLOSED = "account_closed", _("Account closed")
        EXPORT = "export", _("Copy of the data prepared")

    privacy_request = models.ForeignKey(
        PrivacyRequest,
        verbose_name=_("privacy request"),
        on_delete=models.CASCADE,
        related_name="history",
    )
    created_at = models.DateTimeField(_("date and time"), default=timezone.now, editable=False)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    status = models.CharField(
        _("status afterwards"), max_length=16, choices=PrivacyRequest.Status.choices
    )
    note = EncryptedJSONField(_("note"), null=True, blank=True, help_text=_("Encrypted at rest."))
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy request event")
        verbose_name_plural = _("privacy request events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.privacy_request_id} {self.created_at:%Y-%m-%d %H:%M} {self.action}"
