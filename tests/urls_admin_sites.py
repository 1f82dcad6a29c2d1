"""The sandbox's URLconf with a second admin site registering the user model, as a shop may.

Its user admin is Django's, guarded the documented way
(:func:`oscar_privacy.admin.guard_user_admin`): the walks of
``tests/test_perimeter_admin_surfaces.py`` find it in the URLconf like the
default site.
"""

from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.urls import path

from oscar_privacy.admin import guard_user_admin
from sandbox.urls import urlpatterns as sandbox_patterns

staff_site = AdminSite(name="staff_admin")
staff_site.register(get_user_model(), UserAdmin)
guard_user_admin(staff_site)

urlpatterns = [path("staff-admin/", staff_site.urls), *sandbox_patterns]
