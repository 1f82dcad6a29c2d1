"""Oscar's customer views that oscar-privacy replaces."""

from django.views.generic import RedirectView


class ProfileDeleteRedirectView(RedirectView):
    """Oscar's "delete profile" address, GET or POST, leads to the account closure page.

    Oscar's own view deletes the user and, through cascades, business records
    the law requires the shop to keep; it must not remain a way around the
    closure (see :func:`oscar_privacy.closure.close_account`).
    """

    pattern_name = "oscar_privacy:close-account"
    permanent = False
    query_string = False
