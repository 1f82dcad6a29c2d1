"""The newsletter's URLs. Include them before Wagtail's catch-all::

path("newsletter/", include("oscar_privacy.newsletter.urls")),
"""

from django.urls import path

from . import views

app_name = "oscar_privacy_newsletter"

urlpatterns = [
    path("", views.SubscribeView.as_view(), name="subscribe"),
    path("sent/", views.SubscribeSentView.as_view(), name="subscribe-sent"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("resubscribe/<str:token>/", views.ResubscribeView.as_view(), name="resubscribe"),
    path("account/", views.AccountNewsletterView.as_view(), name="account"),
]
