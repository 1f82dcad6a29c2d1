"""A shop that mounts every staff area somewhere else than the sandbox.

Oscar at the root (its dashboard at ``/dashboard/``), oscar-privacy's
dashboard outside Oscar's (``/privacy-dashboard/``), Wagtail's admin at
``/editor/``, Django's admin at ``/admin/`` and a second ``AdminSite`` at
``/back-office/``.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

back_office = admin.AdminSite(name="back_office")
back_office.register(Group, GroupAdmin)

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("back-office/", back_office.urls),
    path("editor/", include(wagtailadmin_urls)),
    path(
        "privacy-dashboard/",
        include(apps.get_app_config("oscar_privacy_dashboard").urls[:2]),
    ),
    path("privacy/", include("oscar_privacy.urls")),
    path("newsletter/", include("oscar_privacy.newsletter.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
