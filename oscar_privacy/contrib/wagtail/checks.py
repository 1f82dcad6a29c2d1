"""The legal pages deployment check, ``oscar_privacy.E015``.

Until a privacy policy and terms of sale are named and published, customers
are asked to accept nothing: registration and checkout go ahead without the
agreement the policy says they cannot do without. The check reads the
database, so, like ``oscar_privacy.W005``, it speaks only when Django is given
databases to check: ``manage.py check --deploy --database default``.
"""

from django.core import checks
from django.db import DatabaseError, router

PAGES = (
    ("privacy_page", "privacy policy"),
    ("terms_page", "terms and conditions of sale"),
)


@checks.register(checks.Tags.database, deploy=True)
def check_legal_pages(app_configs=None, databases=None, **kwargs):
    """Each Wagtail site names a live privacy policy and terms page, each with a frozen version."""
    from .models import LegalPagesSettings

    if not databases:
        return []
    problems = []
    for alias in databases:
        if not router.allow_migrate_model(alias, LegalPagesSettings):
            continue
        try:
            problems += legal_page_problems(alias)
        except DatabaseError:
            pass  # no table yet (before migrate) or no database: nothing to say
    return [
        checks.Error(
            problem,
            hint=(
                "In Wagtail's admin, publish a Legal page for each document and name both in "
                "Settings > Legal pages; publishing a named page freezes its text as the "
                "version customers accept."
            ),
            id="oscar_privacy.E015",
        )
        for problem in problems
    ]


def legal_page_problems(alias="default"):
    """What keeps each Wagtail site of database ``alias`` from asking for consent, as sentences."""
    from wagtail.models import Site

    from .models import LegalPagesSettings

    named = {
        setting.site_id: setting
        for setting in LegalPagesSettings.objects.using(alias).select_related(
            "privacy_page", "terms_page"
        )
    }
    problems = []
    for site in Site.objects.using(alias).order_by("pk"):
        setting = named.get(site.pk)
        for field, document in PAGES:
            page = getattr(setting, field, None)
            where = f"Site {site.hostname!r}"
            if page is None:
                problems.append(
                    f"{where} names no {document} page: customers register and order without "
                    "accepting it, which the privacy policy says cannot happen."
                )
            elif not page.live:
                problems.append(
                    f"{where}: its {document} page {page.title!r} is not published, so "
                    "customers are asked to accept nothing."
                )
            elif page.frozen_version() is None:
                problems.append(
                    f"{where}: the text of its {document} page {page.title!r} has no frozen "
                    "version, so acceptances cannot say which text was accepted."
                )
    return problems
