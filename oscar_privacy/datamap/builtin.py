"""Built-in data map entries: Django, django-oscar, Wagtail, django-otp and
oscar-privacy's own models.

Only entries whose app is installed are registered, so a shop without, say,
Oscar's wishlists app gets no entry for it. Models are named by label and
never imported here: the core does not depend on Wagtail.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from .registry import Entry, Field
from .vocabulary import Category as C
from .vocabulary import Erasure as E
from .vocabulary import Subject as S

CUSTOMERS = (S.CUSTOMERS,)
BUYERS = (S.CUSTOMERS, S.GUESTS)
STAFF = (S.STAFF,)

ADDRESS_FIELDS = (
    Field("title", C.IDENTITY),
    Field("first_name", C.IDENTITY),
    Field("last_name", C.IDENTITY),
    Field("line1", C.ADDRESS),
    Field("line2", C.ADDRESS),
    Field("line3", C.ADDRESS),
    Field("line4", C.ADDRESS),
    Field("state", C.ADDRESS),
    Field("postcode", C.ADDRESS, anonymiser="postcode_prefix"),
    Field("country", C.ADDRESS, anonymiser=None),
    Field("search_text", C.ADDRESS, export=False),
)


def _staff_links(model, *links, erasure=E.ANONYMISE, extra=()):
    """An entry for a staff-facing model that only points at its author."""
    return Entry(
        model=model,
        purposes="site_administration",
        subjects=STAFF,
        user_path=links[0],
        fields=tuple(Field(link, C.IDENTITY) for link in links) + extra,
        retention="staff_records",
        erasure=erasure,
    )


LOGIN_ATTEMPT_MODELS = {
    "axes.AccessAttempt": _(
        "Failed logins per login typed, address and browser: the count that pauses logging "
        "in. The submitted form is not kept (oscar_privacy.throttling.LoginThrottlingHandler)."
    ),
    "axes.AccessFailureLog": _(
        "One row per failed login; written only with AXES_ENABLE_ACCESS_FAILURE_LOG."
    ),
    "axes.AccessLog": _("One row per login; not written with AXES_DISABLE_ACCESS_LOG."),
}


def _login_attempts(model):
    """An entry for one of django-axes' models: reached by the login typed."""
    return Entry(
        model=model,
        purposes="security",
        subjects=(S.CUSTOMERS, S.STAFF, S.VISITORS),
        email_path="username",
        lookup_note=_(
            "Found by the login typed (a customer's email address, a staff username), not "
            "linked to an account: kept only for the short login_attempts period. The "
            "address and browser may be someone else's (an attacker's), so they are left "
            "out of any export."
        ),
        fields=(
            Field("username", C.SECURITY),
            Field("ip_address", C.SECURITY, export=False),
            Field("user_agent", C.SECURITY, export=False),
            Field("attempt_time", C.SECURITY, anonymiser=None),
        ),
        retention="login_attempts",
        erasure=E.DELETE,
        description=LOGIN_ATTEMPT_MODELS[model],
    )


def builtin_entries():
    """Every built-in entry, installed or not."""
    return [
        # Django
        Entry(
            model="auth.User",
            purposes=("customer_accounts", "site_administration"),
            subjects=(S.CUSTOMERS, S.STAFF),
            user_path="pk",
            fields=(
                Field("username", C.IDENTITY, anonymiser="username"),
                Field("first_name", C.IDENTITY),
                Field("last_name", C.IDENTITY),
                Field("email", C.CONTACT),
                Field("password", C.SECURITY, anonymiser="unusable_password", export=False),
                Field("last_login", C.SECURITY),
                Field("date_joined", C.IDENTITY, anonymiser=None),
                Field("is_active", C.SECURITY, anonymiser="false"),
            ),
            retention="customer_account",
            erasure=E.ANONYMISE,
            description=_("The account itself. Kept, emptied, while orders are under legal hold."),
        ),
        Entry(
            model="sessions.Session",
            purposes=("security", "orders"),
            subjects=(S.CUSTOMERS, S.GUESTS, S.VISITORS),
            fields=(Field("session_data", C.SECURITY, export=False),),
            lookup_note=_(
                "Reached only through the session cookie; holds the login and Oscar's checkout "
                "data (guest email, shipping address). Ended at logout and account closure."
            ),
            retention="sessions",
            erasure=E.DELETE,
        ),
        _staff_links(
            "admin.LogEntry",
            "user",
            erasure=E.KEEP,
            extra=(Field("object_repr", C.CONTENT), Field("change_message", C.CONTENT)),
        ),
        # django-otp
        _staff_links(
            "otp_totp.TOTPDevice",
            "user",
            erasure=E.DELETE,
            extra=(
                Field("name", C.SECURITY),
                Field("key", C.SECURITY, export=False),
            ),
        ),
        _staff_links(
            "otp_static.StaticDevice", "user", erasure=E.DELETE, extra=(Field("name", C.SECURITY),)
        ),
        # django-axes (login throttling)
        *(_login_attempts(model) for model in LOGIN_ATTEMPT_MODELS),
        # Oscar: customers and their accounts
        Entry(
            model="address.UserAddress",
            purposes="customer_accounts",
            user_path="user",
            fields=ADDRESS_FIELDS
            + (
                Field("phone_number", C.CONTACT),
                Field("notes", C.ADDRESS),
                Field("hash", C.ADDRESS, export=False),
            ),
            not_personal=("num_orders_as_shipping_address", "num_orders_as_billing_address"),
            retention="customer_account",
            erasure=E.DELETE,
        ),
        Entry(
            model="customer.ProductAlert",
            purposes="customer_communications",
            subjects=(S.CUSTOMERS, S.VISITORS),
            user_path="user",
            email_path="email",
            fields=(
                Field("email", C.CONTACT),
                Field("product", C.BEHAVIOUR, anonymiser=None),
                Field("status", C.COMMUNICATION, anonymiser=None),
                Field("date_created", C.COMMUNICATION, anonymiser=None),
                Field("key", C.SECURITY, export=False),
            ),
            retention=("customer_account", "unconfirmed_alerts"),
            erasure=E.DELETE,
        ),
        Entry(
            model="communication.Email",
            purposes="customer_communications",
            user_path="user",
            email_path="email",
            fields=(
                Field("email", C.CONTACT),
                Field("subject", C.COMMUNICATION),
                Field("body_text", C.COMMUNICATION),
                Field("body_html", C.COMMUNICATION, export=False),
                Field("date_sent", C.COMMUNICATION, anonymiser=None),
            ),
            retention="email_history",
            erasure=E.DELETE,
        ),
        Entry(
            model="communication.Notification",
            purposes="customer_communications",
            user_path="recipient",
            fields=(
                Field("recipient", C.IDENTITY, anonymiser=None),
                Field("sender", C.IDENTITY, export=False),
                Field("subject", C.COMMUNICATION),
                Field("body", C.COMMUNICATION),
                Field("date_sent", C.COMMUNICATION, anonymiser=None),
            ),
            retention="email_history",
            erasure=E.DELETE,
        ),
        Entry(
            model="wishlists.WishList",
            purposes="customer_accounts",
            user_path="owner",
            fields=(
                Field("owner", C.IDENTITY, anonymiser=None),
                Field("name", C.CONTENT),
                Field("key", C.SECURITY, export=False),
                Field("date_created", C.CONTENT, anonymiser=None),
            ),
            retention="customer_account",
            erasure=E.DELETE,
        ),
        Entry(
            model="wishlists.WishListSharedEmail",
            purposes="customer_accounts",
            subjects=(S.CUSTOMERS, S.VISITORS),
            user_path="wishlist__owner",
            email_path="email",
            fields=(Field("email", C.CONTACT),),
            retention="customer_account",
            erasure=E.DELETE,
            description=_("Addresses a customer shared a wish list with: data about other people."),
        ),
        Entry(
            model="reviews.ProductReview",
            purposes="product_reviews",
            subjects=(S.CUSTOMERS, S.VISITORS),
            user_path="user",
            email_path="email",
            fields=(
                Field("user", C.IDENTITY),
                Field("name", C.IDENTITY),
                Field("email", C.CONTACT),
                Field("homepage", C.CONTACT),
                Field("title", C.CONTENT),
                Field("body", C.CONTENT),
                Field("score", C.CONTENT, anonymiser=None),
                Field("date_created", C.CONTENT, anonymiser=None),
            ),
            retention="customer_account",
            erasure=E.DELETE,
        ),
        Entry(
            model="reviews.Vote",
            purposes="product_reviews",
            user_path="user",
            fields=(Field("user", C.IDENTITY), Field("delta", C.BEHAVIOUR, anonymiser=None)),
            retention="customer_account",
            erasure=E.DELETE,
        ),
        Entry(
            model="basket.Basket",
            purposes="orders",
            user_path="owner",
            fields=(
                Field("owner", C.IDENTITY),
                Field("status", C.BEHAVIOUR, anonymiser=None),
                Field("date_created", C.BEHAVIOUR, anonymiser=None),
            ),
            retention="stale_baskets",
            erasure=E.DELETE,
            description=_("Open baskets; a submitted basket stays linked to its order."),
        ),
        Entry(
            model="basket.LineAttribute",
            purposes="orders",
            user_path="line__basket__owner",
            fields=(Field("value", C.CONTENT),),
            retention="stale_baskets",
            erasure=E.DELETE,
        ),
        Entry(
            model="analytics.UserRecord",
            purposes="shop_statistics",
            user_path="user",
            fields=(
                Field("num_product_views", C.BEHAVIOUR, anonymiser=None),
                Field("num_basket_additions", C.BEHAVIOUR, anonymiser=None),
                Field("num_orders", C.BEHAVIOUR, anonymiser=None),
                Field("total_spent", C.BEHAVIOUR, anonymiser=None),
                Field("date_last_order", C.BEHAVIOUR, anonymiser=None),
            ),
            retention="shop_statistics",
            erasure=E.DELETE,
        ),
        Entry(
            model="analytics.UserProductView",
            purposes="shop_statistics",
            user_path="user",
            fields=(
                Field("product", C.BEHAVIOUR, anonymiser=None),
                Field("date_created", C.BEHAVIOUR, anonymiser=None),
            ),
            retention="shop_statistics",
            erasure=E.DELETE,
        ),
        Entry(
            model="analytics.UserSearch",
            purposes="shop_statistics",
            user_path="user",
            fields=(
                Field("query", C.BEHAVIOUR),
                Field("date_created", C.BEHAVIOUR, anonymiser=None),
            ),
            retention="shop_statistics",
            erasure=E.DELETE,
        ),
        # Oscar: orders (kept for accounting, then anonymised)
        Entry(
            model="order.Order",
            purposes=("orders", "accounting"),
            subjects=BUYERS,
            user_path="user",
            email_path="guest_email",
            fields=(
                Field("user", C.IDENTITY),
                Field("guest_email", C.CONTACT),
                Field("number", C.ORDER, anonymiser=None),
                Field("date_placed", C.ORDER, anonymiser=None),
                Field("status", C.ORDER, anonymiser=None),
                Field("currency", C.ORDER, anonymiser=None),
                Field("total_incl_tax", C.ORDER, anonymiser=None),
                Field("shipping_method", C.ORDER, anonymiser=None),
            ),
            retention="accounting_records",
            erasure=E.ANONYMISE,
        ),
        Entry(
            model="order.ShippingAddress",
            purposes=("orders", "accounting"),
            subjects=BUYERS,
            user_path="order__user",
            email_path="order__guest_email",
            fields=ADDRESS_FIELDS + (Field("phone_number", C.CONTACT), Field("notes", C.ADDRESS)),
            retention="accounting_records",
            erasure=E.ANONYMISE,
        ),
        Entry(
            model="order.BillingAddress",
            purposes="accounting",
            subjects=BUYERS,
            user_path="order__user",
            email_path="order__guest_email",
            fields=ADDRESS_FIELDS,
            retention="accounting_records",
            erasure=E.ANONYMISE,
        ),
        Entry(
            model="order.Line",
            purposes=("orders", "accounting"),
            subjects=BUYERS,
            user_path="order__user",
            email_path="order__guest_email",
            fields=(
                Field("order", C.ORDER, anonymiser=None),
                Field("title", C.ORDER, anonymiser=None),
                Field("quantity", C.ORDER, anonymiser=None),
                Field("line_price_incl_tax", C.ORDER, anonymiser=None),
                Field("status", C.ORDER, anonymiser=None),
            ),
            retention="accounting_records",
            erasure=E.ANONYMISE,
            description=_(
                "What was bought in each order; nothing personal once the order is anonymised."
            ),
        ),
        Entry(
            model="order.LineAttribute",
            purposes="orders",
            subjects=BUYERS,
            user_path="line__order__user",
            email_path="line__order__guest_email",
            fields=(Field("value", C.CONTENT),),
            retention="accounting_records",
            erasure=E.ANONYMISE,
            description=_("Options typed by the customer (an engraving, a message)."),
        ),
        Entry(
            model="order.OrderNote",
            purposes="orders",
            subjects=BUYERS,
            user_path="order__user",
            email_path="order__guest_email",
            fields=(
                Field("message", C.COMMUNICATION, anonymiser="redact"),
                Field("user", C.IDENTITY, anonymiser=None, export=False),
            ),
            retention="accounting_records",
            erasure=E.ANONYMISE,
            description=_("Staff notes about an order; the author's link is kept."),
        ),
        Entry(
            model="payment.Source",
            purposes="accounting",
            subjects=BUYERS,
            user_path="order__user",
            email_path="order__guest_email",
            fields=(
                Field("reference", C.PAYMENT, anonymiser=None),
                Field("label", C.PAYMENT),
            ),
            retention="accounting_records",
            erasure=E.ANONYMISE,
        ),
        Entry(
            model="payment.Bankcard",
            purposes="orders",
            user_path="user",
            fields=(
                Field("name", C.PAYMENT),
                Field("number", C.PAYMENT),
                Field("expiry_date", C.PAYMENT),
                Field("partner_reference", C.PAYMENT),
            ),
            retention="bank_cards",
            erasure=E.DELETE,
        ),
        Entry(
            model="voucher.VoucherApplication",
            purposes="accounting",
            user_path="user",
            fields=(Field("user", C.IDENTITY), Field("date_created", C.ORDER, anonymiser=None)),
            retention="accounting_records",
            erasure=E.ANONYMISE,
            description=_("Kept without the user so that voucher usage limits still hold."),
        ),
        # Oscar: staff
        Entry(
            model="partner.Partner",
            purposes="site_administration",
            subjects=STAFF,
            user_path="users",
            fields=(Field("users", C.IDENTITY, anonymiser=None),),
            retention="staff_records",
            erasure=E.KEEP,
        ),
        _staff_links("offer.RangeProductFileUpload", "uploaded_by", erasure=E.KEEP),
        # Wagtail
        _staff_links(
            "wagtailusers.UserProfile",
            "user",
            erasure=E.DELETE,
            extra=(
                Field("avatar", C.IDENTITY),
                Field("preferred_language", C.IDENTITY, anonymiser=None),
                Field("current_time_zone", C.IDENTITY, anonymiser=None),
            ),
        ),
        _staff_links("wagtailcore.Page", "owner", "locked_by"),
        _staff_links("wagtailcore.Revision", "user"),
        _staff_links("wagtailcore.PageLogEntry", "user"),
        _staff_links("wagtailcore.ModelLogEntry", "user"),
        _staff_links("wagtailcore.WorkflowState", "requested_by"),
        _staff_links("wagtailcore.TaskState", "finished_by"),
        _staff_links("wagtailcore.UploadedFile", "uploaded_by_user"),
        _staff_links("wagtailimages.Image", "uploaded_by_user"),
        _staff_links("wagtaildocs.Document", "uploaded_by_user"),
        _staff_links(
            "wagtailcore.Comment",
            "user",
            "resolved_by",
            erasure=E.DELETE,
            extra=(Field("text", C.CONTENT),),
        ),
        _staff_links(
            "wagtailcore.CommentReply", "user", erasure=E.DELETE, extra=(Field("text", C.CONTENT),)
        ),
        _staff_links("wagtailcore.PageSubscription", "user", erasure=E.DELETE),
        _staff_links(
            "wagtailcore.APIToken",
            "user",
            erasure=E.DELETE,
            extra=(
                Field("name", C.SECURITY),
                Field("key_hash", C.SECURITY, export=False),
            ),
        ),
        _staff_links("wagtailadmin.EditingSession", "user", erasure=E.DELETE),
        _staff_links(
            "wagtailadmin.FormState",
            "user",
            erasure=E.DELETE,
            extra=(Field("data", C.CONTENT, export=False),),
        ),
        # oscar-privacy
        Entry(
            model="oscar_privacy.ConsentRecord",
            purposes="privacy_compliance",
            subjects=(S.CUSTOMERS, S.GUESTS, S.PROSPECTS),
            user_path="user",
            email_path="email",
            fields=(
                Field("user", C.IDENTITY, anonymiser=None),
                Field("email", C.CONTACT, anonymiser=None),
                Field("purpose", C.EVIDENCE, anonymiser=None),
                Field("action", C.EVIDENCE, anonymiser=None),
                Field("version", C.EVIDENCE, anonymiser=None),
                Field("channel", C.EVIDENCE, anonymiser=None),
                Field("order_number", C.EVIDENCE, anonymiser=None),
                Field("created_at", C.EVIDENCE, anonymiser=None),
                Field("network", C.SECURITY, anonymiser=None),
            ),
            retention="consent_proof",
            erasure=E.KEEP,
            description=_("Proof of consent: kept after the account ends, for its own period."),
        ),
        Entry(
            model="oscar_privacy.DataExport",
            purposes="privacy_compliance",
            user_path="owner",
            fields=(
                Field("owner", C.IDENTITY, anonymiser=None),
                Field("status", C.EVIDENCE, anonymiser=None),
                Field("requested_at", C.EVIDENCE, anonymiser=None),
                Field("ready_at", C.EVIDENCE, anonymiser=None),
                Field("expires_at", C.EVIDENCE, anonymiser=None),
                Field("downloads", C.EVIDENCE, anonymiser=None),
                Field("last_downloaded_at", C.EVIDENCE, anonymiser=None),
                Field("file_name", C.SECURITY, export=False),
            ),
            not_personal=("language", "size"),
            retention=("data_exports", "consent_proof"),
            erasure=E.KEEP,
            description=_(
                "Copies of their data asked for by the person: each archive is deleted when it "
                "expires; the request is kept as proof that it was answered."
            ),
        ),
        Entry(
            model="oscar_privacy.AccountClosure",
            purposes="privacy_compliance",
            user_path="user",
            fields=(
                Field("user", C.IDENTITY, anonymiser=None),
                Field("closed_at", C.EVIDENCE, anonymiser=None),
                Field("channel", C.EVIDENCE, anonymiser=None),
                Field("reason", C.EVIDENCE, anonymiser=None),
                Field("had_orders", C.EVIDENCE, anonymiser=None),
                Field("last_order_at", C.EVIDENCE, anonymiser=None),
                Field("hold_until", C.EVIDENCE, anonymiser=None),
                Field("erased_at", C.EVIDENCE, anonymiser=None),
            ),
            retention="consent_proof",
            erasure=E.KEEP,
            description=_(
                "The closure of the account and the end of the legal hold on its order data."
            ),
        ),
        Entry(
            model="oscar_privacy.PrivacyRequest",
            purposes="privacy_compliance",
            subjects=(S.CUSTOMERS, S.GUESTS, S.PROSPECTS),
            user_path="user",
            email_path="email",
            lookup_note=_(
                "A request from someone not (yet) identified, such as a lost-login recovery "
                "request without a match, is reached only by staff through the request queue; "
                "a matched recovery request is attached to the identified account."
            ),
            fields=(
                Field("user", C.IDENTITY, anonymiser=None),
                Field("email", C.CONTACT, anonymiser=None),
                Field("kind", C.EVIDENCE, anonymiser=None),
                Field("status", C.EVIDENCE, anonymiser=None),
                Field("received_at", C.EVIDENCE, anonymiser=None),
                Field("confirmed_at", C.EVIDENCE, anonymiser=None),
                Field("due_at", C.EVIDENCE, anonymiser=None),
                Field("extended_until", C.EVIDENCE, anonymiser=None),
                Field("extension_reason", C.EVIDENCE, anonymiser=None),
                Field("decision", C.EVIDENCE, anonymiser=None),
                Field("decision_reason", C.EVIDENCE, anonymiser=None),
                Field("decided_at", C.EVIDENCE, anonymiser=None),
                Field("details", C.EVIDENCE, anonymiser=None),
                Field("matched_user", C.IDENTITY, anonymiser=None, export=False),
                Field("assignee", C.IDENTITY, anonymiser=None, export=False),
                Field("decided_by", C.IDENTITY, anonymiser=None, export=False),
            ),
            not_personal=("language",),
            retention=("consent_proof", "unconfirmed_requests"),
            erasure=E.KEEP,
            description=_(
                "Requests about personal data and what was decided: kept as proof that they "
                "were answered. What the requester wrote is encrypted at rest. A request sent "
                "from the contact form whose confirmation link was never followed is deleted."
            ),
        ),
        Entry(
            model="oscar_privacy.PrivacyRequestEvent",
            purposes="privacy_compliance",
            subjects=(S.CUSTOMERS, S.GUESTS, S.PROSPECTS),
            user_path="privacy_request__user",
            email_path="privacy_request__email",
            fields=(
                Field("action", C.EVIDENCE, anonymiser=None),
                Field("status", C.EVIDENCE, anonymiser=None),
                Field("created_at", C.EVIDENCE, anonymiser=None),
                Field("note", C.EVIDENCE, anonymiser=None),
                Field("actor", C.IDENTITY, anonymiser=None, export=False),
                Field("actor_label", C.IDENTITY, anonymiser=None, export=False),
            ),
            not_personal=("data",),
            retention="consent_proof",
            erasure=E.KEEP,
            description=_(
                "How a privacy request was handled: each status change, assignment, extension, "
                "email and staff note (encrypted at rest). Kept, and deleted, with the request."
            ),
        ),
        Entry(
            model="oscar_privacy.InactivityNotice",
            purposes="customer_accounts",
            user_path="user",
            fields=(
                Field("user", C.IDENTITY, anonymiser=None),
                Field("warned_at", C.COMMUNICATION, anonymiser=None),
            ),
            retention="customer_account",
            erasure=E.DELETE,
            description=_("The warning sent before an inactive account is closed."),
        ),
        Entry(
            model="oscar_privacy.AuditEvent",
            purposes=("privacy_compliance", "security"),
            subjects=(S.CUSTOMERS, S.STAFF),
            user_path="subject",
            fields=(
                Field("subject", C.IDENTITY, anonymiser=None),
                Field("actor", C.IDENTITY, anonymiser=None, export=False),
                Field("actor_label", C.IDENTITY, anonymiser=None, export=False),
                Field("action", C.EVIDENCE, anonymiser=None),
                Field("created_at", C.EVIDENCE, anonymiser=None),
                Field("reason", C.EVIDENCE, anonymiser=None),
                Field("path", C.SECURITY, anonymiser=None, export=False),
            ),
            retention="audit_trail",
            erasure=E.KEEP,
            description=_("Who read or acted on the person's data: kept as evidence."),
        ),
        # oscar-privacy's newsletter (oscar_privacy.newsletter)
        Entry(
            model="oscar_privacy_newsletter.Subscription",
            purposes="newsletter",
            subjects=(S.CUSTOMERS, S.GUESTS, S.PROSPECTS),
            user_path="user",
            email_path="email",
            lookup_note=_(
                "A subscription is keyed by its address, not by an account: one asked for from "
                "the newsletter form is found by address only. Once the address leaves the "
                "list it is erased and only its keyed hash stays, which nobody can read back."
            ),
            fields=(
                Field("email", C.CONTACT),
                Field("email_hash", C.CONTACT, anonymiser=None, export=False),
                Field("user", C.IDENTITY),
                Field("linked_at", C.COMMUNICATION, anonymiser=None),
                Field("state", C.COMMUNICATION, anonymiser=None),
                Field("source", C.COMMUNICATION, anonymiser=None),
                Field("created_at", C.COMMUNICATION, anonymiser=None),
                Field("confirmed_at", C.COMMUNICATION, anonymiser=None),
                Field("changed_at", C.COMMUNICATION, anonymiser=None),
                Field("ended_via", C.COMMUNICATION, anonymiser=None),
            ),
            not_personal=("language", "requested_at", "ended_detail", "generation"),
            retention=("newsletter_subscriptions", "unconfirmed_subscriptions"),
            erasure=E.ANONYMISE,
            description=_(
                "Newsletter subscriptions: the address while it receives the newsletter; after "
                "it leaves, only the keyed hash that keeps it from being added again."
            ),
        ),
        Entry(
            model="oscar_privacy_newsletter.Delivery",
            purposes="newsletter",
            subjects=(S.CUSTOMERS, S.GUESTS, S.PROSPECTS),
            user_path="subscription__user",
            email_path="subscription__email",
            fields=(
                Field("subscription", C.COMMUNICATION, anonymiser=None),
                Field("mailing", C.COMMUNICATION, anonymiser=None),
                Field("status", C.COMMUNICATION, anonymiser=None),
                Field("created_at", C.COMMUNICATION, anonymiser=None),
            ),
            retention="email_history",
            erasure=E.DELETE,
            description=_("Which newsletters were sent to the address, and when."),
        ),
        _staff_links(
            "oscar_privacy_newsletter.Mailing",
            "queued_by",
            extra=(Field("from_email", C.CONTACT, anonymiser=None, export=False),),
        ),
        # The file imported is deleted when the import ends; the row keeps counts and line
        # numbers, never an address.
        _staff_links("oscar_privacy_newsletter.SubscriberImport", "created_by"),
    ]


# Models whose personal-looking fields are not about a person.
BUILTIN_EXCLUSIONS = {
    "communication.CommunicationEventType": _("Email templates edited by staff; no one's data."),
    "partner.PartnerAddress": _(
        "A supplier's business address. If your partners are individuals, register an entry."
    ),
}


def register_builtin_entries(datamap):
    """Register the built-in entries and exclusions of the installed apps."""
    for entry in builtin_entries():
        app_label, _, model_name = entry.model.partition(".")
        if not _installed(app_label, model_name) or entry.model in datamap:
            continue
        datamap.register(entry)
    for label, reason in BUILTIN_EXCLUSIONS.items():
        if _installed(*label.split(".")):
            datamap.exclude(label, reason)


def _installed(app_label, model_name):
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True
