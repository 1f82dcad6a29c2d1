"""The newsletter's public pages and its My Account page. Thin: form or token, service, page.

Every link of an email (confirm, unsubscribe, re-subscribe) opens a page
with one button: a GET changes nothing, because mail scanners and link
previews follow links. Only the POST acts.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited
from oscar.core.loading import get_class

from ..caching import NoStoreMixin
from ..conf import app_settings
from ..models import PrivacyRequest
from ..password_views import throttled_response
from ..passwords import parse_rate
from . import emails, resubscription, subscriptions, tokens
from .addresses import masked
from .forms import SubscribeForm
from .models import Channel, Subscription

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")

BAD_LINK_TEMPLATE = "oscar_privacy/newsletter/bad_link.html"


def bad_link(request, error):
    """400 for a damaged link, 410 for an expired one: a clear page, nothing changed."""
    expired = isinstance(error, tokens.ExpiredToken)
    context = {"expired": expired, "contact_url": emails.contact_url()}
    return render(request, BAD_LINK_TEMPLATE, context, status=410 if expired else 400)


class SubscribeView(NoStoreMixin, generic.FormView):
    """The visitor's form: an address and the privacy policy; then "check your inbox"."""

    form_class = SubscribeForm
    template_name = "oscar_privacy/newsletter/subscribe.html"
    throttled_template_name = "oscar_privacy/newsletter/throttled.html"
    success_url = reverse_lazy("oscar_privacy_newsletter:subscribe-sent")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "consent_request": self.request}

    def post(self, request, *args, **kwargs):
        if is_ratelimited(
            request,
            group="oscar_privacy.newsletter.ip",
            key="ip",
            rate=app_settings.NEWSLETTER_RATE_PER_IP,
            increment=True,
        ):
            retry_after = parse_rate(app_settings.NEWSLETTER_RATE_PER_IP)[1]
            return throttled_response(request, self.throttled_template_name, retry_after)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The same next page whatever the address: it never says whether it was known.
        subscriptions.subscribe_from_form(
            form.cleaned_data["email"], acceptances=form.acceptances(), request=self.request
        )
        return super().form_valid(form)


class SubscribeSentView(NoStoreMixin, generic.TemplateView):
    template_name = "oscar_privacy/newsletter/subscribe_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            double_opt_in=app_settings.NEWSLETTER_DOUBLE_OPT_IN,
            confirmation_days=app_settings.NEWSLETTER_CONFIRMATION_DAYS,
            **kwargs,
        )


class ConfirmView(NoStoreMixin, generic.View):
    """The double opt-in link: a button, then the subscription is active.

    A link asked for from a customer account says so before the button: pressing
    it also lets that account manage the subscription.
    """

    template_name = "oscar_privacy/newsletter/confirm.html"

    def get(self, request, token):
        try:
            _pk, _generation, account_id = tokens.read_confirm_token(token)
        except tokens.BadToken as error:
            return bad_link(request, error)
        context = {"token": token, "done": False, "for_account": account_id is not None}
        return render(request, self.template_name, context)

    def post(self, request, token):
        try:
            _subscription, result = subscriptions.confirm_subscription(token)
        except tokens.BadToken as error:
            return bad_link(request, error)
        context = {"token": token, "done": True, "result": result}
        return render(
            request, self.template_name, context, status=409 if result == "stale" else 200
        )


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(NoStoreMixin, generic.View):
    """The unsubscribe link of every newsletter, and its RFC 8058 one-click POST.

    GET shows one button and reads nothing. POST (the button, or a mail
    client's ``List-Unsubscribe=One-Click``) unsubscribes at once and
    answers the same for every token, valid, unknown or damaged, so the
    answer never tells whether an address is on the list. No CSRF check:
    a mail client has no token to send, and the link itself is the key.
    """

    template_name = "oscar_privacy/newsletter/unsubscribe.html"

    def get(self, request, token):
        try:
            tokens.read_unsubscribe_token(token)
        except tokens.BadToken as error:
            return bad_link(request, error)
        return render(request, self.template_name, {"token": token, "done": False})

    def post(self, request, token):
        via = Channel.ONE_CLICK if "List-Unsubscribe" in request.POST else Channel.LINK
        try:
            subscription_id = tokens.read_unsubscribe_token(token)
        except tokens.BadToken:
            subscription_id = None
        if subscription_id:
            subscriptions.unsubscribe(subscription_id, via=via)
        context = {"done": True, "contact_url": emails.contact_url()}
        return render(request, self.template_name, context)


class ResubscribeView(NoStoreMixin, generic.View):
    """The link that confirms a re-subscription request made through the contact form.

    A request sent from a customer account says so before the button:
    pressing it also lets that account manage the subscription.
    """

    template_name = "oscar_privacy/newsletter/resubscribe.html"

    def get(self, request, token):
        try:
            pk = tokens.read_resubscribe_token(token)
        except tokens.BadToken as error:
            return bad_link(request, error)
        for_account = PrivacyRequest.objects.filter(pk=pk, user__isnull=False).exists()
        context = {"token": token, "done": False, "for_account": for_account}
        return render(request, self.template_name, context)

    def post(self, request, token):
        try:
            _subscription, result = resubscription.confirm_resubscription(token, request=request)
        except tokens.BadToken as error:
            return bad_link(request, error)
        context = {"done": True, "result": result}
        return render(
            request, self.template_name, context, status=409 if result == "closed" else 200
        )


class AccountNewsletterView(NoStoreMixin, LoginRequiredMixin, PageTitleMixin, generic.TemplateView):
    """My Account: the newsletter switch of the account.

    The page shows only the subscription the account manages (linked once
    its address confirmed it). Switching it on for an address the account
    has not verified is a visitor's request: a link emailed to the address,
    and one message whatever the address's state.
    """

    template_name = "oscar_privacy/newsletter/account.html"
    page_title = _("Newsletter")
    active_tab = "privacy"

    def get_context_data(self, **kwargs):
        subscription = subscriptions.account_subscription(self.request.user)
        return super().get_context_data(
            subscription=subscription,
            address=masked(subscription.email) if subscription and subscription.email else "",
            State=Subscription.State,
            contact_url=emails.contact_url(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "subscribe":
            outcome = subscriptions.subscribe_account(request.user, request=request)
            messages.success(request, self.subscribe_message(outcome))
        elif action == "unsubscribe":
            subscriptions.unsubscribe_account(request.user, request=request)
            messages.success(
                request, _("You are unsubscribed from the newsletter. This takes effect at once.")
            )
        return redirect("oscar_privacy_newsletter:account")

    def subscribe_message(self, outcome):
        """What the switch says: the outcome only for an address the account verified."""
        email = self.request.user.email
        if not outcome.managed:
            return _(
                "We have emailed %(email)s: follow the instructions in that email to receive "
                "the newsletter there."
            ) % {"email": email}
        if outcome.opposed:
            return _(
                "This address unsubscribed earlier: to receive the newsletter again, "
                "please ask through the contact form."
            )
        if outcome.result == Subscription.State.PENDING:
            return _("Almost done: follow the link we have just emailed to %(email)s.") % {
                "email": email
            }
        return _("You are subscribed to the newsletter.")
