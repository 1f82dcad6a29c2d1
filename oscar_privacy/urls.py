"""Public URLs. Include them before Wagtail's catch-all::

path("privacy/", include("oscar_privacy.urls")),
"""

from django.urls import path

from . import views

app_name = "oscar_privacy"

urlpatterns = [
    path("accept/", views.AcceptPoliciesView.as_view(), name="accept-policies"),
    path("policies/<str:kind>/", views.PolicyVersionListView.as_view(), name="policy-versions"),
    path(
        "policies/<str:kind>/<int:number>/",
        views.PolicyVersionDetailView.as_view(),
        name="policy-version",
    ),
]
