from ..consent import PURPOSE_OF_KIND, current_versions, record_consents
from ..models import ConsentAction, ConsentChannel, ConsentPurpose, PolicyVersion
from .mixins import SESSION_KEY


def record_checkout_consent(sender, order, user, request, response, **kwargs):
    """``post_checkout`` receiver: the order is placed, store what was accepted."""
    snapshot = request.session.pop(SESSION_KEY, None)
    if not snapshot:
        return
    wanted = list(snapshot["versions"].values())
    # The versions were read in this request when the form was checked; only a
    # payment flow that places the order in a later request reads them again.
    known = {version.pk: version for version in current_versions(request).values()}
    if any(pk not in known for pk in wanted):
        known.update(PolicyVersion.objects.in_bulk(wanted))
    entries = [
        (PURPOSE_OF_KIND[known[pk].kind], ConsentAction.GIVEN, known[pk])
        for pk in wanted
        if pk in known
    ]
    if snapshot.get("newsletter"):
        entries.append((ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None))
    record_consents(
        entries,
        channel=ConsentChannel.CHECKOUT,
        user=user,
        email=order.email,
        order_number=order.number,
        request=request,
    )
