"""Every ``OSCAR_PRIVACY_*`` setting, its default and what it does.

Values are read from ``django.conf.settings`` each time they are accessed, so
``override_settings`` works in tests and nothing is written onto the settings
object. ``docs/configuration.rst`` lists the same settings; a test keeps the
two in step.
"""

from django.conf import settings


class PrivacySettings:
    prefix = "OSCAR_PRIVACY_"

    def _get(self, name, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def ADAPTER(self):
        """Dotted path of the adapter class that takes shop-specific decisions."""
        return self._get("ADAPTER", "oscar_privacy.adapter.DefaultPrivacyAdapter")

    @property
    def CONTROLLER(self):
        """The data controller named in the register of processing.

        A dict with ``name`` (required), ``address``, ``email``, ``phone``,
        ``website``, ``registration`` (company number), and optionally
        ``representative`` and ``dpo`` (each a dict with ``name``, ``email``,
        ``address``, ``phone``).
        """
        return self._get("CONTROLLER", {})

    @property
    def RECIPIENTS(self):
        """Who receives personal data from the shop (GDPR Art. 30(1)(d)).

        ``None`` lists four categories without company names: the email
        service provider, the payment service provider, the carriers and the
        hosting provider. Otherwise a list of dicts with ``key`` and
        ``category`` (required), ``purposes`` (required: a list of purpose
        keys, or ``"__all__"``), ``name`` (the company), ``country`` (ISO
        3166-1 alpha-2 code of where the data goes) and ``safeguards``
        (required for a country outside the EEA: adequacy decision, standard
        contractual clauses...).
        """
        return self._get("RECIPIENTS", None)

    @property
    def PURPOSES(self):
        """Additions to, or changes of, the built-in processing purposes.

        A dict keyed by purpose key; each value is a dict of the
        :class:`~oscar_privacy.datamap.Purpose` attributes to set (a new
        purpose needs ``name``, ``description`` and ``legal_basis``). ``None``
        removes a built-in purpose; check ``oscar_privacy.E004`` then reports
        any data map entry that still names it.
        """
        return self._get("PURPOSES", {})

    @property
    def RETENTION(self):
        """Additions to, or changes of, the default retention rules.

        A dict keyed by rule name; each value is a dict with ``category``,
        ``start``, ``period`` (ISO 8601, e.g. ``"P10Y"``), ``action``,
        ``description`` and ``source``. For a default rule, keys left out keep
        their default; a new rule needs all six. ``start`` is one of
        ``created``, ``last_modified``, ``order_placed``, ``last_activity``,
        ``relationship_end``, ``expiry``; ``action`` one of ``delete``,
        ``anonymise``, ``close_account``, ``review``.
        """
        return self._get("RETENTION", {})

    @property
    def DATAMAP_EXCLUDE(self):
        """Models the coverage check must not report, as ``{"app_label.Model": "reason"}``.

        Each needs a reason, which the docs and the data map show.
        """
        return self._get("DATAMAP_EXCLUDE", {})

    @property
    def SECURITY_MEASURES(self):
        """Security measures listed in the register (GDPR Art. 30(1)(g)).

        ``None`` lists only what is in place: measures of oscar-privacy and
        those the settings in force show (HTTPS, the password hasher).
        Otherwise a list whose items are strings or dicts with ``title`` and
        ``description``.
        """
        return self._get("SECURITY_MEASURES", None)

    @property
    def EEA_COUNTRIES(self):
        """ISO 3166-1 alpha-2 codes of the countries where data does not leave the EU/EEA."""
        return self._get(
            "EEA_COUNTRIES",
            (
                "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT "
                "RO SK SI ES SE IS LI NO"
            ).split(),
        )

    @property
    def CONSENT_NETWORK_DATA(self):
        """What a consent record keeps of the network address it came from.

        ``"truncated_ip"`` (the default) keeps the first three bytes of an IPv4
        address or the first 48 bits of an IPv6 one; ``"hashed_ip"`` keeps a
        keyed hash of the full address (same address, same hash; unreadable
        without the ``SECRET_KEY``); ``"none"`` keeps nothing.
        """
        return self._get("CONSENT_NETWORK_DATA", "truncated_ip")

    @property
    def REACCEPTANCE_EXEMPT_PATHS(self):
        """Path prefixes a customer may still visit before accepting a new policy.

        Always reachable: logout, oscar-privacy's own pages (the acceptance
        page and the archive of every version), the page each version to
        accept was published at, static and media files. Add your own here
        (a help page, the contact form).
        """
        return self._get("REACCEPTANCE_EXEMPT_PATHS", [])

    @property
    def ENCRYPTION_KEYS(self):
        """Keys that encrypt data at rest (export archives), newest first.

        A list of Fernet keys (``cryptography.fernet.Fernet.generate_key()``,
        as text). The first encrypts; every key decrypts, so a new key is
        added at the front and an old one removed once nothing uses it.
        Empty: a key derived from ``SECRET_KEY``, accepted only with
        ``DEBUG`` (check ``oscar_privacy.E010``).
        """
        return self._get("ENCRYPTION_KEYS", [])

    @property
    def EXPORT_STORAGE(self):
        """The ``STORAGES`` alias where encrypted export archives are kept.

        It must be private: not served under ``MEDIA_URL`` or ``STATIC_URL``
        (check ``oscar_privacy.E009``). Archives are only ever handed out by
        the download view, to their owner.
        """
        return self._get("EXPORT_STORAGE", "oscar_privacy_exports")

    @property
    def EXPORT_EXPIRY_DAYS(self):
        """Days an export archive can be downloaded; then it is deleted."""
        return self._get("EXPORT_EXPIRY_DAYS", 7)

    @property
    def INACTIVITY_GRACE_DAYS(self):
        """Days between the warning to an inactive customer and the closure of the account."""
        return self._get("INACTIVITY_GRACE_DAYS", 30)

    @property
    def REAUTHENTICATION_SECONDS(self):
        """How long a re-entered password unlocks sensitive pages (the data download)."""
        return self._get("REAUTHENTICATION_SECONDS", 300)

    @property
    def NO_STORE_NAMESPACES(self):
        """URL namespaces whose every page is sent with ``Cache-Control: no-store``.

        Applied by ``oscar_privacy.caching.NoStoreMiddleware``; the default is
        Oscar's My Account (``"customer"``). Add the namespaces of a shop's own
        pages that show personal data. oscar-privacy's own pages are covered
        without it.
        """
        return self._get("NO_STORE_NAMESPACES", ("customer",))

    @property
    def PASSWORD_RESET_UNKNOWN_IDENTIFIER(self):
        """What the forgotten-password form answers when no account matches.

        ``"neutral"`` (default): the same answer as for a known account, since
        being a customer of the shop is itself personal data. ``"error"``: the
        policy's explicit "no account matches" form error.
        """
        return self._get("PASSWORD_RESET_UNKNOWN_IDENTIFIER", "neutral")

    @property
    def PASSWORD_RESET_RATE_PER_IP(self):
        """Forgotten-password requests allowed per client IP address (django-ratelimit rate)."""
        return self._get("PASSWORD_RESET_RATE_PER_IP", "10/h")

    @property
    def PASSWORD_RESET_RATE_PER_IDENTIFIER(self):
        """Forgotten-password requests allowed per username or email address entered."""
        return self._get("PASSWORD_RESET_RATE_PER_IDENTIFIER", "3/h")

    @property
    def LOGIN_FAILURE_LIMIT_PER_IP(self):
        """Failed logins from one IP address, whatever the login typed, before it is paused.

        Applies to an ``"ip_address"`` entry of ``AXES_LOCKOUT_PARAMETERS``
        with ``oscar_privacy.throttling.LoginThrottlingHandler``; higher
        than ``AXES_FAILURE_LIMIT`` (per login and address) because many
        customers can share one address (offices, mobile networks).
        """
        return self._get("LOGIN_FAILURE_LIMIT_PER_IP", 30)

    @property
    def PREVENT_ACCOUNT_ENUMERATION(self):
        """Whether registration answers alike for a new email address and one with an account.

        ``True`` (default): both end on the same "check your inbox" page; a
        new customer's account is created, and they are logged in, when they
        follow the link emailed to them, and the owner of an address that
        already has an account is emailed a reminder and the forgotten-password
        page instead. The checkout's "create an account" choice leads there
        whatever the address. A logged-in customer's new address in My
        Account's profile takes effect once its owner follows the link
        emailed to it (whose owner, if the address has another account, is
        told so instead). ``False``: Oscar's behaviour: "A user with that
        email address already exists", or an account created and logged in at
        once, or the profile's address changed at once; anyone can then learn
        who is a customer (check ``oscar_privacy.W027``).
        """
        return self._get("PREVENT_ACCOUNT_ENUMERATION", True)

    @property
    def REGISTRATION_CONFIRMATION_DAYS(self):
        """Days the link that creates a new customer's account works (once)."""
        return self._get("REGISTRATION_CONFIRMATION_DAYS", 3)

    @property
    def EMAIL_CHANGE_CONFIRMATION_DAYS(self):
        """Days the link that applies a customer's new email address works (once).

        With ``PREVENT_ACCOUNT_ENUMERATION``, an address typed in My Account's
        profile form takes effect only when its owner follows the link emailed to it.
        """
        return self._get("EMAIL_CHANGE_CONFIRMATION_DAYS", 3)

    @property
    def GUEST_CHECKOUT_WITH_ACCOUNT(self):
        """Whether a guest whose email address has an account checks out as a guest.

        ``True`` (default): the checkout's first page answers alike for every
        address, and the order is a guest order under that address. ``False``:
        Oscar's ``OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT`` decides, and by
        default asks that guest to log in, which tells anyone whether an address
        has an account (check ``oscar_privacy.W028``).
        """
        return self._get("GUEST_CHECKOUT_WITH_ACCOUNT", True)

    @property
    def STAFF_RESET_DISABLES_PASSWORD(self):
        """Whether a staff password reset also disables the current password at once.

        ``False`` (default): the customer keeps their password until they use
        the link, as with a forgotten password. ``True``: the password stops
        working and every session of the customer ends as the link is sent;
        for a shop whose staff reset accounts believed compromised.
        """
        return self._get("STAFF_RESET_DISABLES_PASSWORD", False)

    @property
    def STAFF_TWO_FACTOR(self):
        """Whether staff must pass a second factor before any staff page.

        ``True`` (default): Oscar's dashboard, Wagtail's admin and Django's
        admin ask every staff member for a code from an authenticator app
        (or a backup code) once per session, and lead those without one
        through the set-up (``oscar_privacy.middleware.StaffTwoFactorMiddleware``,
        see ``docs/staff-areas.rst``). ``False`` for a shop that enforces
        two-factor authentication another way (a single sign-on, a VPN).
        """
        return self._get("STAFF_TWO_FACTOR", True)

    @property
    def STAFF_AREAS(self):
        """Further parts of the site that count as staff areas, besides the three built in.

        A list of names, each one of: the application or instance namespace
        of an include (``"backoffice"`` for
        ``path("backoffice/", include("myshop.backoffice.urls"))`` with
        ``app_name = "backoffice"``), the dotted path of an included URLconf
        module (``"myshop.backoffice.urls"``), or the full name of one view
        (``"myshop:order-export"``). Their pages ask for the second factor and
        are never cached, as Oscar's dashboard, Wagtail's admin and Django's
        admin are (``oscar_privacy.staff_areas``, ``docs/staff-areas.rst``).
        """
        return self._get("STAFF_AREAS", [])

    @property
    def RECOVERY_RATE_PER_IP(self):
        """How many account recovery requests one IP address may send (django-ratelimit rate).

        ``"5/h"`` by default: five an hour. More get an HTTP 429 page. The
        address is ``REMOTE_ADDR`` unless ``RATELIMIT_IP_META_KEY`` says
        otherwise (behind a proxy).
        """
        return self._get("RECOVERY_RATE_PER_IP", "5/h")

    @property
    def HTTPS_REDIRECTED_UPSTREAM(self):
        """Whether a proxy in front of Django terminates TLS and redirects HTTP to HTTPS.

        ``False`` (default): Django itself must redirect plain HTTP requests
        (``SECURE_SSL_REDIRECT = True``, check ``oscar_privacy.E013``).
        ``True``: the load balancer or reverse proxy does it, so
        ``SECURE_SSL_REDIRECT`` may stay off; Django must then be told which
        header marks a request that arrived over HTTPS
        (``SECURE_PROXY_SSL_HEADER``, check ``oscar_privacy.W013``).
        """
        return self._get("HTTPS_REDIRECTED_UPSTREAM", False)

    @property
    def RECOVERY_DATE_TOLERANCE_DAYS(self):
        """How far, in days, the last order may be from the date a recovery requester gives."""
        return self._get("RECOVERY_DATE_TOLERANCE_DAYS", 31)

    @property
    def NEWSLETTER_DOUBLE_OPT_IN(self):
        """Whether a new newsletter subscription waits for its confirmation link.

        ``True`` (default): the subscription stays pending until the link
        emailed to the address is followed, so nobody can subscribe someone
        else's address. ``False`` activates it at once; consider it only for
        addresses the shop has verified by other means.
        """
        return self._get("NEWSLETTER_DOUBLE_OPT_IN", True)

    @property
    def NEWSLETTER_CONFIRMATION_DAYS(self):
        """Days a newsletter confirmation or re-subscription link works."""
        return self._get("NEWSLETTER_CONFIRMATION_DAYS", 7)

    @property
    def NEWSLETTER_FROM_EMAIL(self):
        """Sender of newsletters and their confirmation emails (``None``: ``OSCAR_FROM_EMAIL``)."""
        return self._get("NEWSLETTER_FROM_EMAIL", None)

    @property
    def NEWSLETTER_SITE_URL(self):
        """Scheme and host of the links in newsletter emails, such as ``"https://shop.example"``.

        ``None``: ``https://`` and the domain of the current Django ``Site``.
        The unsubscribe link of the ``List-Unsubscribe`` header must be an
        ``https`` address (RFC 8058; check ``oscar_privacy.W024``).
        """
        return self._get("NEWSLETTER_SITE_URL", None)

    @property
    def NEWSLETTER_UNSUBSCRIBE_MAILTO(self):
        """The address of the ``mailto:`` unsubscribe link of every newsletter, or ``None``.

        Mail clients that cannot use the one-click link write to it, the
        token in the subject; route that address's incoming mail to
        django-anymail's inbound webhook and the token unsubscribes at once.
        """
        return self._get("NEWSLETTER_UNSUBSCRIBE_MAILTO", None)

    @property
    def NEWSLETTER_HASH_KEY(self):
        """The secret key of the keyed hash that identifies newsletter addresses.

        The suppression list keeps only this hash of an unsubscribed address.
        ``None``: a key derived from ``SECRET_KEY``, so changing
        ``SECRET_KEY`` would forget every unsubscription (check
        ``oscar_privacy.W023``). Set it once, to a long random string, and
        never change it.
        """
        return self._get("NEWSLETTER_HASH_KEY", None)

    @property
    def NEWSLETTER_BATCH_SIZE(self):
        """Recipients handed to the email backend per batch when a newsletter is sent."""
        return self._get("NEWSLETTER_BATCH_SIZE", 500)

    @property
    def NEWSLETTER_EMAIL_BACKEND(self):
        """Dotted path of the email backend that sends newsletters (``None``: ``EMAIL_BACKEND``).

        For instance a django-anymail backend for the newsletter while
        service emails keep going through SMTP.
        """
        return self._get("NEWSLETTER_EMAIL_BACKEND", None)

    @property
    def NEWSLETTER_CONTACT_URL(self):
        """Where someone who unsubscribed asks to receive the newsletter again.

        A path or full URL of the shop's contact form, shown on the
        newsletter pages and in its emails. ``None``: oscar-privacy's privacy
        request form (``oscar_privacy:contact``) with the re-subscription kind
        ticked.
        """
        return self._get("NEWSLETTER_CONTACT_URL", None)

    @property
    def NEWSLETTER_RATE_PER_IP(self):
        """Newsletter subscriptions allowed per client IP address (a django-ratelimit rate)."""
        return self._get("NEWSLETTER_RATE_PER_IP", "10/h")

    @property
    def NEWSLETTER_IMPORT_MAX_BYTES(self):
        """The largest CSV file staff may import into the newsletter, in bytes (10 MiB).

        A larger upload is refused with a form error. Web servers have their
        own limit on a request's size (nginx's ``client_max_body_size``):
        keep it at least this large for the subscribers page.
        """
        return self._get("NEWSLETTER_IMPORT_MAX_BYTES", 10 * 1024 * 1024)

    @property
    def REQUEST_RATE_PER_IP(self):
        """Privacy requests one IP address may send from the contact form (django-ratelimit rate).

        ``"5/h"`` by default. More get an HTTP 429 page and are not stored.
        """
        return self._get("REQUEST_RATE_PER_IP", "5/h")

    @property
    def REQUEST_RATE_PER_EMAIL(self):
        """Privacy requests the contact form accepts for one email address (django-ratelimit rate).

        ``"3/h"`` by default: it keeps anyone from flooding a mailbox with
        confirmation links. Counted whether or not an account has the address.
        """
        return self._get("REQUEST_RATE_PER_EMAIL", "3/h")

    @property
    def REQUEST_CONFIRMATION_DAYS(self):
        """Days the confirmation link of a visitor's privacy request works.

        The link works once. A request never confirmed is deleted by the
        ``unconfirmed_requests`` retention rule (30 days by default; check
        ``oscar_privacy.W021`` if the link would outlive it).
        """
        return self._get("REQUEST_CONFIRMATION_DAYS", 7)

    @property
    def SUPERVISORY_AUTHORITY(self):
        """The data protection authority a requester may complain to (GDPR Art. 12(4) and 77).

        A dict with ``name`` and ``url``, named in the answer to every
        privacy request. The CNIL's complaint page by default.
        """
        return self._get(
            "SUPERVISORY_AUTHORITY",
            {
                "name": "CNIL (Commission nationale de l'informatique et des libertés)",
                "url": "https://www.cnil.fr/fr/plaintes",
            },
        )


app_settings = PrivacySettings()
