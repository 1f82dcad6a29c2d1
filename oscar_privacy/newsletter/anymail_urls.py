"""django-anymail's webhook URLs, each view applying the events of its request together.

Include them in place of ``anymail.urls``::

    path("anymail/", include("oscar_privacy.newsletter.anymail_urls")),

The views are anymail's own, with their check of ``ANYMAIL["WEBHOOK_SECRET"]``;
only the newsletter's handling of the events changes: instead of a few
queries per event, a few per request (providers such as SendGrid post
hundreds of events at once). With ``anymail.urls`` included directly, the
events are applied one by one, with the same result.
"""

import copy

from anymail import urls as anymail_urls

from .events import batched_webhook

app_name = "anymail"

urlpatterns = []
for pattern in anymail_urls.urlpatterns:
    pattern = copy.copy(pattern)
    pattern.callback = batched_webhook(pattern.callback)
    urlpatterns.append(pattern)
