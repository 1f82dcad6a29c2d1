"""Consent: policy versions and the proof of what each person accepted.

Plain functions that views, Oscar mixins, the Wagtail integration and staff
tools call. Records are append-only; withdrawing adds a record.
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from .conf import app_settings
from .models import ConsentAction, ConsentPurpose, ConsentRecord, PolicyKind, PolicyVersion
from .signals import consent_recorded, policy_version_published

# The consent purpose under which accepting each document is recorded.
PURPOSE_OF_KIND = {
    PolicyKind.PRIVACY: ConsentPurpose.PRIVACY_POLICY,
    PolicyKind.TERMS: ConsentPurpose.TERMS,
}
# What the session knows of its user's acceptances: {"material": {kind: number
# of the newest material version when last checked}, "accepted": {kind: highest
# number accepted}}. Read again from the database only when "material" changes.
SESSION_ACCEPTED = "oscar_privacy_acceptance"
# What CONSENT_NETWORK_DATA may say (check E008 reports anything else).
NETWORK_DATA_MODES = ("truncated_ip", "hashed_ip", "none")


def text_digest(body):
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def freeze_version(
    kind,
    *,
    title,
    body,
    material=False,
    published_at=None,
    source_page_id=None,
    source_revision_id=None,
    source_url="",
):
    """Store the text of a publication as the next version of ``kind``.

    Returns ``(version, created)``. A text identical to the newest version's
    creates nothing: a change of title or of layout is not a new version.
    """
    digest = text_digest(body)
    for _attempt in range(3):
        newest = PolicyVersion.objects.filter(kind=kind).order_by("-number").first()
        if newest is not None and newest.sha256 == digest:
            return newest, False
        try:
            with transaction.atomic():
                version = PolicyVersion.objects.create(
                    kind=kind,
                    number=newest.number + 1 if newest else 1,
                    title=title,
                    body=body,
                    sha256=digest,
                    material=material,
                    published_at=published_at or timezone.now(),
                    source_page_id=source_page_id,
                    source_revision_id=source_revision_id,
                    source_url=source_url,
                )
        except IntegrityError:
            continue  # a concurrent publication took this number: read again
        policy_version_published.send(sender=PolicyVersion, version=version)
        return version, True
    raise IntegrityError(f"Could not number a new {kind} version: too many publications at once.")


def current_versions(request=None):
    """``{kind: PolicyVersion}``: the newest version of each document, in one query.

    Each version carries ``last_material``, the number of the newest version
    of its document that must be accepted again (``None`` if there is none).
    Given a request, the answer is kept on it for the rest of the request.
    """
    cached = getattr(request, "_oscar_privacy_versions", None)
    if cached is not None:
        return cached
    same_kind = PolicyVersion.objects.filter(kind=OuterRef("kind")).order_by("-number")
    queryset = PolicyVersion.objects.filter(
        number=Subquery(same_kind.values("number")[:1])
    ).annotate(last_material=Subquery(same_kind.filter(material=True).values("number")[:1]))
    versions = {version.kind: version for version in queryset}
    if request is not None:
        request._oscar_privacy_versions = versions
    return versions


def network_data(request):
    """What a consent record keeps of the client's address (see CONSENT_NETWORK_DATA)."""
    mode = app_settings.CONSENT_NETWORK_DATA
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    # "none", or an unknown mode (check E008 reports it): keep nothing.
    if mode not in ("truncated_ip", "hashed_ip") or not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if mode == "hashed_ip":
        key = hashlib.sha256(("oscar_privacy.network" + settings.SECRET_KEY).encode()).digest()
        return "sha256:" + hmac.new(key, ip.packed, hashlib.sha256).hexdigest()[:48]
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def record_consents(
    entries, *, channel, user=None, email="", order_number="", request=None, network=None
):
    """Store consent records in one INSERT and announce them.

    ``entries`` is a list of ``(purpose, action, version_or_None)``. The
    person is ``user`` and/or ``email`` (guests are known by email only).
    ``network`` is what :func:`network_data` kept of the request the consent
    was given in, when that is not ``request`` (a registration confirmed
    later from an emailed link).
    """
    if not entries:
        return []
    user = user if user is not None and user.is_authenticated else None
    email = email or (user.email if user is not None else "")
    # Encrypted at rest; nothing at all (not an encrypted empty string) when none is kept.
    network = (network if network is not None else network_data(request)) or None
    now = timezone.now()
    records = ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                created_at=now,
                user=user,
                email=email,
                purpose=purpose,
                action=action,
                version=version,
                channel=channel,
                order_number=order_number,
                network=network,
            )
            for purpose, action, version in entries
        ]
    )
    if request is not None and user is not None and hasattr(request, "session"):
        known = request.session.get(SESSION_ACCEPTED)
        if known is not None:
            accepted = dict(known["accepted"])
            for _purpose, action, version in entries:
                if version is not None and action == ConsentAction.GIVEN:
                    accepted[version.kind] = max(accepted.get(version.kind, 0), version.number)
            request.session[SESSION_ACCEPTED] = {**known, "accepted": accepted}
    consent_recorded.send(sender=ConsentRecord, records=records, request=request)
    return records


def record_consents_of_many(people, entries, *, channel):
    """Store the same consent records for several people in one INSERT, and announce them.

    ``people`` is a list of ``(user_id or None, email)``; ``entries`` as for
    :func:`record_consents`. For what arrives in bulk without a person's
    request (a batch of events from an email provider): no network data.
    """
    now = timezone.now()
    records = ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                created_at=now,
                user_id=user_id,
                email=email,
                purpose=purpose,
                action=action,
                version=version,
                channel=channel,
            )
            for user_id, email in people
            for purpose, action, version in entries
        ]
    )
    if records:
        consent_recorded.send(sender=ConsentRecord, records=records, request=None)
    return records


def accepted_numbers(user):
    """``{kind: highest version number}`` the user has accepted, in one query."""
    rows = (
        ConsentRecord.objects.filter(user=user, action=ConsentAction.GIVEN, version__isnull=False)
        .values("version__kind")
        .annotate(number=Max("version__number"))
    )
    return {row["version__kind"]: row["number"] for row in rows}


def versions_to_accept(request, *, fresh=False):
    """The current versions the logged-in person must accept before going on.

    A document needs accepting when a version marked as a material change is
    newer than the last version the person accepted. The privacy policy
    concerns everyone with an account; the terms of sale only those who
    accepted them before (at a checkout).

    The person's acceptances are read from the database when a new material
    version appears (or with ``fresh=True``), then kept in the session: a
    request costs the one query of :func:`current_versions`.
    """
    versions = current_versions(request)
    material = {kind: v.last_material for kind, v in versions.items() if v.last_material}
    if not material:
        return []
    known = request.session.get(SESSION_ACCEPTED)
    if fresh or known is None or known["material"] != material:
        known = {"material": material, "accepted": accepted_numbers(request.user)}
        request.session[SESSION_ACCEPTED] = known
    accepted = known["accepted"]
    due = []
    for kind, number in material.items():
        has_accepted = accepted.get(kind, 0)
        if has_accepted >= number:
            continue
        if kind == PolicyKind.PRIVACY or has_accepted:
            due.append(versions[kind])
    return sorted(due, key=lambda version: version.kind)
