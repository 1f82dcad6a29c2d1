from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "shop/dashboard/privacy/",
        include(apps.get_app_config("oscar_privacy_dashboard").urls[:2]),
    ),
    path("shop/", include(apps.get_app_config("oscar").urls[0])),
    path("privacy/", include("oscar_privacy.urls")),
    path("newsletter/", include("oscar_privacy.newsletter.urls")),
    path("anymail/", include("oscar_privacy.newsletter.anymail_urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's catch-all must come last.
urlpatterns += [path("", include(wagtail_urls))]
