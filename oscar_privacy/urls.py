"""Public URLs. Include them before Wagtail's catch-all::

path("privacy/", include("oscar_privacy.urls")),
"""

from django.urls import path

from . import views

app_name = "oscar_privacy"

urlpatterns = [
    path("account/", views.MyDataView.as_view(), name="my-data"),
    path("account/consents/", views.ConsentsView.as_view(), name="consents"),
    path(
        "account/consents/withdraw/",
        views.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path("accept/", views.AcceptPoliciesView.as_view(), name="accept-policies"),
    path("policies/<str:kind>/", views.PolicyVersionListView.as_view(), name="policy-versions"),
    path(
        "policies/<str:kind>/<int:number>/",
        views.PolicyVersionDetailView.as_view(),
        name="policy-version",
    ),
]
