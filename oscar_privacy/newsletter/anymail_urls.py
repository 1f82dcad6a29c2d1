"""django-anymail's webhook URLs: each event read on its own, a request's events applied together.

Include them in place of ``anymail.urls``::

    path("anymail/", include("oscar_privacy.newsletter.anymail_urls")),

The views are anymail's own, with their checks of ``ANYMAIL["WEBHOOK_SECRET"]``
and of each provider's signature; two things change:

- **one malformed event never fails the others.** anymail parses a
  request's events in one go, and an event it cannot read (a missing field,
  a recipient sent as a list) fails the whole request with HTTP 500, so the
  provider retries it forever and a valid unsubscription in the same batch
  is never applied. Here each event is parsed on its own: a malformed one
  is skipped and logged (without its content), the others go on. A body
  that cannot be read at all (not JSON) is answered HTTP 400;
- **the events of one request are applied together**, in a few queries
  (providers such as SendGrid post hundreds of events at once).

With ``anymail.urls`` included directly, the events are applied one by one,
and a malformed one fails its request.

Every provider's URLs are routed, as ``anymail.urls`` does; a provider the
shop has not configured (anymail raises ``AnymailConfigurationError``, such as
Brevo's inbound webhook without its API key) answers 404, and the mistake is
logged as an error, rather than a server error anyone could provoke.
"""

import copy
import functools
import logging
import types

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailAPIError, AnymailConfigurationError
from django.core.exceptions import BadRequest
from django.http import Http404

from .events import batched_webhook

logger = logging.getLogger("oscar_privacy.newsletter.events")

app_name = "anymail"

SKIPPED = object()
"""What a per-event parser returns for an event it could not read."""

PER_EVENT_PARSERS = {
    # method name: what it gives back for an event that cannot be read
    "esp_to_anymail_event": lambda *args: SKIPPED,
    "mailgun_legacy_to_anymail_event": lambda *args: SKIPPED,
    "esp_to_anymail_events": lambda *args: [],  # Amazon SES: one notification, several events
    "unwrap_event": lambda raw_event, *args: (None, None, raw_event),  # SparkPost: dropped
}
"""anymail's methods that read one event, in its webhook views (one or another per provider)."""

BODY_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, AnymailAPIError)
"""What a body anymail cannot read raises (``AnymailAPIError``: an SNS message that is not
one): a bad request, not a server error."""


def _skipping(method, fallback):
    @functools.wraps(method)
    def parse_one(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except AnymailConfigurationError:
            raise  # the shop's mistake (an inbound URL given as tracking): anymail's answer
        except Exception as error:  # one event must not fail the others
            logger.warning(
                "Skipped an event from %s that could not be read: %s.",
                self.esp_name,
                type(error).__name__,
            )
            return fallback(*args)

    return parse_one


def _reading(method):
    """``method`` (anymail's validators, or its parsing) with an unreadable body answered 400."""

    @functools.wraps(method)
    def read(self, request):
        try:
            return method(self, request)
        except AnymailConfigurationError:
            raise
        except BODY_ERRORS as error:
            raise BadRequest(f"Unreadable {self.esp_name} webhook body.") from error

    return read


def _filtering(parse_events):
    read = _reading(parse_events)

    @functools.wraps(parse_events)
    def parse(self, request):
        return [event for event in read(self, request) if event is not SKIPPED]

    return parse


def tolerant(view_class):
    """``view_class`` reading each event on its own; a malformed one is skipped and logged.

    The returned class only prepares each instance: once set up, the view is
    an instance of ``view_class`` again, with its parsers wrapped, so that
    anymail's signals keep ``view_class`` as their sender (receivers that
    connect with ``sender=`` still receive them).
    """

    def setup(self, request, *args, **kwargs):
        self.__class__ = view_class
        for name, fallback in PER_EVENT_PARSERS.items():
            if hasattr(view_class, name):
                parser = _skipping(getattr(view_class, name), fallback)
                setattr(self, name, types.MethodType(parser, self))
        self.parse_events = types.MethodType(_filtering(view_class.parse_events), self)
        self.run_validators = types.MethodType(_reading(view_class.run_validators), self)
        view_class.setup(self, request, *args, **kwargs)

    return type(view_class.__name__, (view_class,), {"setup": setup, "__module__": __name__})


def configured_only(view):
    """``view`` answering 404 (and logging why) for a provider anymail is not configured for."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AnymailConfigurationError as error:
            logger.error("An email provider's webhook is not configured: %s", error)
            raise Http404("This email provider is not configured.") from None

    return answer


urlpatterns = []
for pattern in anymail_urls.urlpatterns:
    pattern = copy.copy(pattern)
    view_class = pattern.callback.view_class
    view = tolerant(view_class).as_view(**pattern.callback.view_initkwargs)
    pattern.callback = configured_only(batched_webhook(view))
    urlpatterns.append(pattern)
