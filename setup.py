from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
version = {}
exec((HERE / "oscar_privacy" / "__init__.py").read_text(), version)  # noqa: S102

setup(
    name="oscar-privacy",
    version=version["__version__"],
    description=(
        "GDPR / RGPD toolkit for django-oscar shops with a Wagtail site: consent, "
        "data map, My Account privacy pages, retention and the register of processing."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["oscar_privacy", "oscar_privacy.*"]),
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=[
        "Django>=5.2,<5.3",
        "django-oscar>=4.2,<4.3",
        "wagtail>=8.0,<8.1",
        "django-otp>=1.7,<1.8",
        "django-anymail>=15.0,<16",
        # Django's tasks API for background work (Wagtail 8 depends on it too).
        "django-tasks>=0.8",
        "python-dateutil>=2.9",
        # Export archives (and later other sensitive data) are encrypted with
        # MultiFernet: several keys, the first encrypts, all decrypt.
        "cryptography>=42",
        # Rate limits of the forgotten-password and account recovery forms.
        "django-ratelimit>=4.1",
        # Login throttling (oscar_privacy.throttling subclasses its backend and handler).
        "django-axes>=8.3,<9",
        # QR codes of the staff two-factor enrolment, drawn as inline SVG.
        "segno>=1.6",
    ],
    extras_require={
        "sandbox": [
            "dj-database-url>=3.0",
            "sorl-thumbnail>=12.11",
            "argon2-cffi>=23.1",
            "whoosh-reloaded>=2.7.5",
        ],
        "postgres": ["psycopg[binary]>=3.2"],
        "test": [
            "pytest>=8",
            "pytest-django>=4.9",
            "jsonschema>=4.20",
            "ruff>=0.6",
            "build>=1.2",
            "setuptools>=70.1",
            "playwright>=1.45",
            "sphinx>=8",
            # A real worker process (db_worker) runs a task in one test.
            "django-tasks-db>=0.12",
            # Property-based tests of the retention holds.
            "hypothesis>=6.100",
            # anymail's Amazon SES webhook needs it: every provider's webhook is tested.
            "boto3>=1.34",
        ],
        # The docs start Django with the sandbox's settings to document the code.
        "docs": [
            "sphinx>=8",
            "dj-database-url>=3.0",
            "sorl-thumbnail>=12.11",
            "whoosh-reloaded>=2.7.5",
        ],
    },
    classifiers=[
        "Framework :: Django",
        "Framework :: Django :: 5.2",
        "Framework :: Wagtail",
        "Framework :: Wagtail :: 8",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Topic :: Office/Business :: Financial :: Point-Of-Sale",
    ],
)
