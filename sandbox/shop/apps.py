from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "sandbox.shop"
    label = "sandbox_shop"
    verbose_name = "Sandbox shop"
    default_auto_field = "django.db.models.BigAutoField"
