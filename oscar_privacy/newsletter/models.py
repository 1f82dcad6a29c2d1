"""The newsletter's own records: subscriptions, and each sending with its deliveries.

A :class:`Subscription` is keyed by the keyed hash of its address
(:func:`oscar_privacy.newsletter.addresses.address_hash`), not by an
account: the newsletter is independent of the customer account. While the
address may receive the newsletter (pending, subscribed) the row holds it;
when it leaves (unsubscribed, complained, bounced) the address is erased
and the hash stays: these rows are the hashed suppression list, which holds
no readable address.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    """Where a subscription was asked for, or where it ended."""

    REGISTRATION = "registration", _("Registration")
    CHECKOUT = "checkout", _("Checkout")
    MY_ACCOUNT = "my_account", _("My account")
    NEWSLETTER_FORM = "newsletter_form", _("Newsletter form")
    CONTACT_FORM = "contact_form", _("Request through the contact form")
    IMPORT = "import", _("Import")
    STAFF = "staff", pgettext_lazy("newsletter channel", "Staff")
    LINK = "link", _("Unsubscribe link")
    ONE_CLICK = "one_click", _("One-click unsubscribe (mail client)")
    MAILTO = "mailto", _("Unsubscribe email")
    ESP = "esp", _("Email provider")
    ACCOUNT_CLOSED = "account_closed", _("Account closed")


class Subscription(models.Model):
    """One address and its place on the newsletter list."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        SUBSCRIBED = "subscribed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Address bounced")
        COMPLAINED = "complained", _("Marked as spam")

    ACTIVE = (State.PENDING, State.SUBSCRIBED)
    """States in which the row holds the address."""
    SUPPRESSED = (State.UNSUBSCRIBED, State.BOUNCED, State.COMPLAINED)
    """States of the suppression list: the address is erased, its hash kept."""
    OPPOSED = (State.UNSUBSCRIBED, State.COMPLAINED)
    """The person said no: only a request through the contact form brings them back."""

    email = models.EmailField(
        _("email"),
        blank=True,
        help_text=_("Erased when the address leaves the list; the keyed hash stays."),
    )
    email_hash = models.CharField(
        _("keyed hash of the address"),
        max_length=64,
        unique=True,
        editable=False,
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    source = models.CharField(_("asked for through"), max_length=16, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account that manages it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_newsletter_subscriptions",
        help_text=_(
            "Set only once a link emailed to the address was followed from a request made "
            "from this account: Oscar does not verify the address of an account."
        ),
    )
    linked_at = models.DateTimeField(
        _("account linked at"),
        null=True,
        blank=True,
        help_text=_(
            "When the address confirmed the link to the account: from then on the account's "
            "address counts as verified for the newsletter."
        ),
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    requested_at = models.DateTimeField(
        _("last asked for at"),
        default=timezone.now,
        help_text=_("When the last confirmation email was sent."),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    changed_at = models.DateTimeField(
        _("state since"),
        default=timezone.now,
        help_text=_("An email provider's event older than this is ignored."),
    )
    ended_via = models.CharField(
        _("ended through"), max_length=16, choices=Channel.choices, blank=True
    )
    ended_detail = models.CharField(_("how it ended"), max_length=100, blank=True)
    generation = models.PositiveIntegerField(
        _("generation"),
        default=0,
        editable=False,
        help_text=_("Counts state changes: a confirmation link works for one generation only."),
    )

    class Meta:
        verbose_name = _("newsletter subscription")
        verbose_name_plural = _("newsletter subscriptions")
        ordering = ["-created_at", "-pk"]
        # The sending walks subscribed rows in primary-key order.
        indexes = [models.Index(fields=["state", "id"], name="oscar_privacy_nl_state_id")]

    def __str__(self):
        return _("Newsletter subscription #%(id)s (%(state)s)") % {
            "id": self.pk,
            "state": self.get_state_display(),
        }

    @property
    def is_suppressed(self):
        return self.state in self.SUPPRESSED


class Mailing(models.Model):
    """One sending of a newsletter: its content as sent, and its progress.

    The content is frozen when the sending is queued: an edit of the issue
    afterwards changes nothing that is being sent. ``lease_until`` is how
    long the worker sending it may go without reporting progress before
    another run takes over (an interrupted send resumes).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    subject = models.CharField(_("subject"), max_length=255)
    html = models.TextField(_("HTML body"))
    text = models.TextField(_("text body"))
    from_email = models.CharField(_("sender"), max_length=255)
    source = models.CharField(
        _("source"), max_length=255, blank=True, help_text=_("What was sent, e.g. an issue.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("queued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("worker's lease until"), null=True, blank=True)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)

    class Meta:
        verbose_name = _("newsletter sending")
        verbose_name_plural = _("newsletter sendings")
        ordering = ["-queued_at", "-pk"]

    def __str__(self):
        return f"{self.subject} ({self.get_status_display()})"


class Delivery(models.Model):
    """One recipient of one sending, claimed before the message is handed over.

    The row is written (status ``claimed``) and committed before its batch
    goes to the email backend, so a resumed sending skips it whatever
    happened next: a newsletter reaches a person at most once.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed: handed over, outcome not recorded")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("sending"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CLAIMED
    )
    created_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("newsletter delivery")
        verbose_name_plural = _("newsletter deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "subscription"], name="oscar_privacy_nl_delivery_once"
            )
        ]

    def __str__(self):
        return f"{self.mailing_id} → {self.subscription_id}: {self.status}"


class SubscriberImport(models.Model):
    """A CSV file of addresses being added to the list, by a background task.

    The file is kept encrypted (:class:`~oscar_privacy.crypto.EncryptedWriter`)
    in the private storage ``OSCAR_PRIVACY_EXPORT_STORAGE`` only until the
    import ends; the row keeps the progress, the counts and the line numbers
    of the lines refused, never an address.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed = models.BooleanField(
        _("confirmed elsewhere"),
        default=False,
        help_text=_("Subscribed at once instead of each receiving a confirmation link."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    file_name = models.CharField(_("encrypted file"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    bytes_read = models.PositiveBigIntegerField(_("bytes read"), default=0)
    lines_read = models.PositiveIntegerField(_("lines read"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(
        _("first lines refused"),
        default=list,
        blank=True,
        help_text=_("[line number, reason] of the first lines refused."),
    )
    error_count = models.PositiveIntegerField(_("lines refused"), default=0)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("worker's lease until"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter import")
        verbose_name_plural = _("newsletter imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Newsletter import #%(id)s (%(status)s)") % {
            "id": self.pk,
            "status": self.get_status_display(),
        }

    @property
    def percent(self):
        """How much of the file was read, in percent (100 once done)."""
        if self.status == self.Status.DONE or not self.size:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.bytes_read * 100 // self.size)
