"""Wagtail admin: editors see the frozen policy versions (read only); user deletions guarded."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from oscar_privacy.models import PolicyVersion

from . import users


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Versions are created by publishing, never by hand."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(PolicyVersion, ReadOnlyPolicy(PolicyVersion))


class PolicyVersionViewSet(ModelViewSet):
    model = PolicyVersion
    icon = "doc-full"
    menu_label = _("Policy versions")
    add_to_settings_menu = True
    menu_order = 910
    list_display = ["__str__", "title", "published_at", "material"]
    list_filter = ["kind", "material"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "kind",
        "number",
        "title",
        "published_at",
        "material",
        "sha256",
        "source_url",
    ]
    copy_view_enabled = False
    form_fields = ["title"]


@hooks.register("register_admin_viewset")
def register_policy_versions():
    return PolicyVersionViewSet("policy_versions")


# Wagtail's user admin: the bulk actions of the user list (the viewset is
# guarded by oscar_privacy.contrib.wagtail.users.install).

# After Wagtail's own (order 0): the registry keeps the last action of a type.
hooks.register("register_bulk_action", users.guarded_delete_bulk_action(), order=100)
hooks.register("before_bulk_action", users.snapshot_before_bulk_action)
hooks.register("after_bulk_action", users.audit_after_bulk_action)
