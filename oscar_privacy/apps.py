from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OscarPrivacyConfig(AppConfig):
    name = "oscar_privacy"
    label = "oscar_privacy"
    verbose_name = _("Privacy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: app modules must not import models at import time.
        from . import admin_checks, checks, deploy_checks  # noqa: F401  (register the checks)
        from .datamap import builtin, datamap

        builtin.register_builtin_entries(datamap)

        from .account_deletion import connect_deletion_guard

        connect_deletion_guard()

        from oscar.apps.checkout.signals import post_checkout

        from .checkout.receivers import record_checkout_consent

        post_checkout.connect(
            record_checkout_consent, dispatch_uid="oscar_privacy.checkout_consent"
        )

        from django.db.models.signals import pre_save

        from .closure import refuse_orders_of_closed_accounts

        try:
            order_model = self.apps.get_model("order", "Order")
        except LookupError:
            return
        pre_save.connect(
            refuse_orders_of_closed_accounts,
            sender=order_model,
            dispatch_uid="oscar_privacy.refuse_orders_of_closed_accounts",
        )
