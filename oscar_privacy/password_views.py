"""The forgotten-password pages, in place of the ones Oscar mounts.

``oscar_privacy.config.Shop`` serves them at Oscar's addresses and URL
names. A shop that builds its own root URLconf includes
:func:`password_reset_urls` where Oscar's were::

    path("shop/", include(password_reset_urls())),
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.template.response import TemplateResponse
from django.urls import path, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import generic
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from oscar.views.decorators import login_forbidden

from .caching import no_store
from .password_forms import IDENTIFIER_MAX_LENGTH, ForgottenPasswordForm
from .passwords import (
    in_words,
    link_validity,
    neutral_answers,
    password_reset_completed,
    reset_request_throttled,
    reset_retry_after,
)


def throttled_response(request, template_name, seconds):
    """HTTP 429 rendering ``template_name``: try again in ``seconds`` (header and words)."""
    response = TemplateResponse(
        request, template_name, {"retry_after": in_words(seconds)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


@method_decorator([sensitive_post_parameters("identifier"), csrf_protect], name="dispatch")
class ForgottenPasswordView(generic.FormView):
    """Ask for a reset link by username or email address; rate limited per IP and identifier.

    Over a limit the answer is a 429 page and nothing is sent, whether or
    not an account matches.
    """

    form_class = ForgottenPasswordForm
    template_name = "oscar/registration/password_reset_form.html"
    throttled_template_name = "oscar_privacy/password_reset/throttled.html"
    success_url = reverse_lazy("password-reset-done")

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        identifier = form.data.get("identifier", "")
        if not isinstance(identifier, str) or len(identifier) > IDENTIFIER_MAX_LENGTH:
            identifier = ""  # refused by the form: only the IP limit counts it
        if reset_request_throttled(request, identifier):
            return self.throttled()
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def throttled(self):
        return throttled_response(self.request, self.throttled_template_name, reset_retry_after())

    def form_valid(self, form):
        form.save(request=self.request)
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(valid_for=link_validity(), **kwargs)


class ForgottenPasswordDoneView(auth_views.PasswordResetDoneView):
    """The same page whether or not an account matched."""

    template_name = "oscar/registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            neutral=neutral_answers(),
            valid_for=link_validity(),
            **kwargs,
        )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password (typed twice, rules shown) from a reset link.

    A forged, tampered, expired or already used link gets the invalid-link
    page with status 400. Success is audited; the new password hash ends the
    account's other sessions.
    """

    form_class = SetPasswordForm
    template_name = "oscar/registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(valid_for=link_validity(), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        password_reset_completed(self.user, request=self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "oscar/registration/password_reset_complete.html"


def password_reset_urls():
    """The four password reset URLs, with Oscar's paths and (un-namespaced) names."""
    return [
        path(
            "password-reset/",
            login_forbidden(no_store(ForgottenPasswordView.as_view())),
            name="password-reset",
        ),
        path(
            "password-reset/done/",
            login_forbidden(ForgottenPasswordDoneView.as_view()),
            name="password-reset-done",
        ),
        path(
            "password-reset/confirm/<str:uidb64>/<str:token>/",
            login_forbidden(PasswordResetConfirmView.as_view()),
            name="password-reset-confirm",
        ),
        path(
            "password-reset/complete/",
            login_forbidden(PasswordResetCompleteView.as_view()),
            name="password-reset-complete",
        ),
    ]
