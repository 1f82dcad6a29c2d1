"""Fill the sandbox with a small EU shop: catalogue, staff, customers, orders and pages.

Running it again changes nothing: every object is looked up by a natural key
first. Accounts, orders and pages that already exist are left alone, because
someone may have changed them on purpose (a password, a page edited in Wagtail).

The order history spans twelve years so that the retention rules have work to
do: orders past the ten-year accounting period, customers inactive for more
than three years, and recent activity that must be kept.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta as ago
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site as DjangoSite
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_class, get_model
from wagtail.models import Page, Site

from oscar_privacy.contrib.wagtail.models import LegalPage, LegalPagesSettings
from sandbox.shop.models import HomePage

Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
ProductClass = get_model("catalogue", "ProductClass")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")
BillingAddress = get_model("order", "BillingAddress")
Selector = get_class("partner.strategy", "Selector")
# Oscar's default repository offers one method, free shipping. That is enough
# for checkout to run end to end (the shipping-method step skips itself), so
# the sandbox keeps it rather than forking the shipping app.
Repository = get_class("shipping.repository", "Repository")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
OrderCreator = get_class("order.utils", "OrderCreator")

LIST_MARKER = re.compile(r"^-\s*")
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
HOST, PORT = "127.0.0.1", 8000
STAFF_PASSWORD = "Staff-password-2026!"
CUSTOMER_PASSWORD = "Customer-password-2026!"

# (ISO alpha-2, alpha-3, numeric, common name, official name)
COUNTRIES = [
    ("FR", "FRA", "250", "France", "French Republic"),
    ("AT", "AUT", "040", "Austria", "Republic of Austria"),
    ("BE", "BEL", "056", "Belgium", "Kingdom of Belgium"),
    ("DE", "DEU", "276", "Germany", "Federal Republic of Germany"),
    ("ES", "ESP", "724", "Spain", "Kingdom of Spain"),
    ("IT", "ITA", "380", "Italy", "Italian Republic"),
    ("LU", "LUX", "442", "Luxembourg", "Grand Duchy of Luxembourg"),
    ("NL", "NLD", "528", "Netherlands", "Kingdom of the Netherlands"),
    ("PT", "PRT", "620", "Portugal", "Portuguese Republic"),
]
# Oscar lists countries by descending display_order, then by name: France
# comes first, so the address forms preselect it.
DEFAULT_COUNTRY = "FR"

# EAN-13 codes with the "2" prefix, which GS1 reserves for in-store use: they
# can never be a real product's barcode.
TEA_DARJEELING, TEA_SENCHA, TEA_ROOIBOS = "2000000001012", "2000000001029", "2000000001036"
COFFEE_ETHIOPIA, COFFEE_ESPRESSO = "2000000002019", "2000000002026"
TEAPOT, MUG, GRINDER = "2000000003016", "2000000003023", "2000000003030"
# The tables below are laid out by hand for reading; the formatter would put
# every field on its own line.
# fmt: off
# (UPC, title, category breadcrumb, price in EUR, description)
PRODUCTS = [
    (TEA_DARJEELING, "Darjeeling first flush, 100 g", "Tea & coffee > Tea", "12.50",
     "A light, flowery black tea from the spring harvest in the Himalayan foothills."),
    (TEA_SENCHA, "Sencha green tea, 100 g", "Tea & coffee > Tea", "9.90",
     "Steamed Japanese green tea with a fresh, grassy taste. Brew at 70 °C."),
    (TEA_ROOIBOS, "Rooibos with vanilla, 100 g", "Tea & coffee > Tea", "7.50",
     "Caffeine-free South African red bush with Madagascar vanilla."),
    (COFFEE_ETHIOPIA, "Ethiopia Yirgacheffe beans, 250 g", "Tea & coffee > Coffee", "11.90",
     "Washed Arabica with notes of citrus and jasmine, roasted in Lyon."),
    (COFFEE_ESPRESSO, "House espresso blend, 1 kg", "Tea & coffee > Coffee", "29.00",
     "Brazil and India Arabica and Robusta for a dense crema."),
    (TEAPOT, "Cast-iron teapot, 0.8 l", "Kitchen", "45.00",
     "Enamelled inside, with a removable stainless steel infuser."),
    (MUG, "Stoneware mug, 30 cl", "Kitchen", "14.00",
     "Hand-glazed in Brittany. Dishwasher safe."),
    (GRINDER, "Manual coffee grinder", "Kitchen", "39.00",
     "Ceramic burrs with fifteen settings, from espresso to French press."),
]
# fmt: on


@dataclass
class Person:
    title: str
    first_name: str
    last_name: str
    line1: str
    postcode: str
    city: str
    country: str
    # French numbers in 06 39 98, a range ARCEP reserves for fiction.
    phone: str = ""
    email: str = ""

    def address(self):
        return {
            "title": self.title,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "line1": self.line1,
            "line4": self.city,
            "postcode": self.postcode,
            "country_id": self.country,
        }


@dataclass
class Customer:
    person: Person
    joined: ago
    last_login: ago
    # (order number, placed, [(UPC, quantity)])
    orders: list = field(default_factory=list)


# Customer n logs in as customer<n>@example.com.
# fmt: off
CUSTOMERS = [
    Customer(Person("Ms", "Camille", "Martin", "12 rue Oberkampf", "75011", "Paris", "FR",
                    "+33639980001"),
             joined=ago(years=9), last_login=ago(days=5),
             orders=[("DEMO-000001", ago(years=8, months=3), [(TEA_DARJEELING, 2), (MUG, 2)]),
                     ("DEMO-000002", ago(years=4, months=2), [(TEAPOT, 1)]),
                     ("DEMO-000003", ago(months=5), [(TEA_SENCHA, 3)])]),
    # Everything past the accounting period, and no login for a decade.
    Customer(Person("Mr", "Lucas", "Bernard", "8 quai Saint-Antoine", "69002", "Lyon", "FR",
                    "+33639980002"),
             joined=ago(years=12), last_login=ago(years=10, months=10),
             orders=[("DEMO-000004", ago(years=11, months=8), [(COFFEE_ESPRESSO, 1)]),
                     ("DEMO-000005", ago(years=11, months=1), [(GRINDER, 1), (MUG, 1)])]),
    Customer(Person("Ms", "Chloé", "Dubois", "27 cours de l'Intendance", "33000", "Bordeaux", "FR",
                    "+33639980003"),
             joined=ago(years=7), last_login=ago(years=4, months=6),
             orders=[("DEMO-000006", ago(years=6, months=5), [(TEA_ROOIBOS, 4)]),
                     ("DEMO-000007", ago(years=4, months=8), [(TEA_DARJEELING, 1), (TEAPOT, 1)])]),
    Customer(Person("Mr", "Thomas", "Peeters", "45 rue du Bailli", "1050", "Bruxelles", "BE"),
             joined=ago(years=3), last_login=ago(days=1),
             orders=[("DEMO-000008", ago(years=2), [(COFFEE_ETHIOPIA, 2)]),
                     ("DEMO-000009", ago(days=14), [(GRINDER, 1)])]),
    Customer(Person("Ms", "Anna", "Schmidt", "Invalidenstraße 10", "10115", "Berlin", "DE"),
             joined=ago(years=11, months=6), last_login=ago(years=1),
             orders=[("DEMO-000010", ago(years=11, months=4), [(TEA_SENCHA, 2)]),
                     ("DEMO-000011", ago(years=9), [(MUG, 4)]),
                     ("DEMO-000012", ago(years=1, months=2), [(TEA_SENCHA, 2), (TEA_ROOIBOS, 1)])]),
    # Never ordered, and has not logged in for years.
    Customer(Person("Ms", "Lucía", "García", "Calle de Fuencarral 70", "28004", "Madrid", "ES"),
             joined=ago(years=5), last_login=ago(years=4, months=9)),
    Customer(Person("Ms", "Giulia", "Rossi", "Via Solferino 22", "20121", "Milano", "IT"),
             joined=ago(months=2), last_login=ago(months=1),
             orders=[("DEMO-000013", ago(months=1), [(COFFEE_ESPRESSO, 1), (MUG, 2)])]),
    Customer(Person("Ms", "Sanne", "de Vries", "Prinsengracht 263", "1016", "Amsterdam", "NL"),
             joined=ago(years=8), last_login=ago(years=3, months=3),
             orders=[("DEMO-000014", ago(years=7, months=6), [(TEAPOT, 1)]),
                     ("DEMO-000015", ago(years=3, months=4), [(TEA_DARJEELING, 2)])]),
]

# (order number, placed, guest, [(UPC, quantity)])
GUEST_ORDERS = [
    ("DEMO-000016", ago(years=11, months=3),
     Person("Mr", "Marc", "Lefèvre", "3 place du Capitole", "31000", "Toulouse", "FR",
            "+33639980016", email="marc.lefevre@example.net"),
     [(COFFEE_ESPRESSO, 2)]),
    ("DEMO-000017", ago(years=5, months=2),
     Person("Ms", "Léa", "Weber", "14 avenue de la Liberté", "1930", "Luxembourg", "LU",
            email="lea.weber@example.net"),
     [(TEA_ROOIBOS, 2), (MUG, 1)]),
    ("DEMO-000018", ago(days=10),
     Person("Mr", "Hugo", "Moreau", "5 rue Crébillon", "44000", "Nantes", "FR", "+33639980018",
            email="hugo.moreau@example.net"),
     [(TEA_SENCHA, 1), (TEAPOT, 1)]),
]
# fmt: on


def load_sites():
    DjangoSite.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": f"{HOST}:{PORT}", "name": settings.OSCAR_SHOP_NAME},
    )


def load_countries():
    for a2, a3, numeric, printable_name, name in COUNTRIES:
        Country.objects.update_or_create(
            iso_3166_1_a2=a2,
            defaults={
                "iso_3166_1_a3": a3,
                "iso_3166_1_numeric": numeric,
                "printable_name": printable_name,
                "name": name,
                "display_order": 100 if a2 == DEFAULT_COUNTRY else 0,
                "is_shipping_country": True,
            },
        )


def load_catalogue():
    product_class, _ = ProductClass.objects.update_or_create(
        slug="goods", defaults={"name": "Goods", "requires_shipping": True, "track_stock": True}
    )
    partner, _ = Partner.objects.update_or_create(
        code="demo-warehouse", defaults={"name": "Demo warehouse"}
    )
    for upc, title, breadcrumbs, price, description in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            upc=upc,
            defaults={"title": title, "description": description, "product_class": product_class},
        )
        category = create_from_breadcrumbs(breadcrumbs)
        ProductCategory.objects.get_or_create(product=product, category=category)
        # Stock is set once: orders placed since then have moved it on.
        offer = {"product": product, "price_currency": "EUR", "price": Decimal(price)}
        StockRecord.objects.update_or_create(
            partner=partner,
            partner_sku=f"SKU-{upc}",
            defaults=offer,
            create_defaults={**offer, "num_in_stock": 1000},
        )


def get_or_create_user(username, password, **fields):
    user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def place_order(number, placed, lines, person, user=None):
    """Place an order as checkout does, then date it back to when it was placed."""
    if Order.objects.filter(number=number).exists():
        return
    basket = Basket.objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    for upc, quantity in lines:
        basket.add_product(Product.objects.get(upc=upc), quantity)
    shipping_address = ShippingAddress.objects.create(phone_number=person.phone, **person.address())
    billing_address = BillingAddress.objects.create(**person.address())
    method = Repository().get_default_shipping_method(basket, shipping_addr=shipping_address)
    charge = method.calculate(basket)
    OrderCreator().place_order(
        basket=basket,
        total=OrderTotalCalculator().calculate(basket, charge),
        shipping_method=method,
        shipping_charge=charge,
        user=user,
        shipping_address=shipping_address,
        billing_address=billing_address,
        order_number=number,
        date_placed=placed,
        guest_email="" if user else person.email,
    )
    basket.submit()
    # The basket would otherwise say it was filled today, years after its order.
    Basket.objects.filter(pk=basket.pk).update(date_created=placed, date_submitted=placed)
    BasketLine.objects.filter(basket=basket).update(date_created=placed)


def load_people(now):
    get_or_create_user(
        "staff",
        STAFF_PASSWORD,
        email="staff@example.com",
        first_name="Sam",
        last_name="Staff",
        is_staff=True,
        is_superuser=True,
        date_joined=now - ago(years=12, months=1),
    )
    for n, customer in enumerate(CUSTOMERS, start=1):
        person = customer.person
        user = get_or_create_user(
            f"customer{n}",
            CUSTOMER_PASSWORD,
            email=f"customer{n}@example.com",
            first_name=person.first_name,
            last_name=person.last_name,
            date_joined=now - customer.joined,
            last_login=now - customer.last_login,
        )
        address, created = UserAddress.objects.get_or_create(
            user=user,
            line1=person.line1,
            postcode=person.postcode,
            defaults={
                **person.address(),
                "phone_number": person.phone,
                "is_default_for_shipping": True,
                "is_default_for_billing": True,
                "num_orders_as_shipping_address": len(customer.orders),
                "num_orders_as_billing_address": len(customer.orders),
            },
        )
        if created:
            UserAddress.objects.filter(pk=address.pk).update(date_created=user.date_joined)
        for number, placed, lines in customer.orders:
            place_order(number, now - placed, lines, person, user=user)
    for number, placed, person, lines in GUEST_ORDERS:
        place_order(number, now - placed, lines, person)


def legal_text_html(name):
    """A text file as rich text: "•" lines are headings, the rest paragraphs."""
    blocks = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("•"):
            blocks.append(f"<h2>{escape(line.lstrip('• '))}</h2>")
        else:
            # A leading dash is a list marker in the source, not part of the sentence.
            blocks.append(f"<p>{escape(LIST_MARKER.sub('', line))}</p>")
    return "".join(blocks)


def home_intro(policy):
    return (
        f"<p>{escape(settings.OSCAR_SHOP_NAME)} sells tea, coffee and what you need to brew "
        "them, delivered across the European Union.</p>"
        f'<p><a href="{escape(reverse("home"))}">Visit the shop</a> and read how we look after '
        f'your personal data in our <a linktype="page" id="{policy.pk}">privacy policy</a>.</p>'
    )


def create_home_page():
    """Put the shop's home page where Wagtail's initial "Welcome" page was."""
    root = Page.get_first_root_node()
    welcome = root.get_children().filter(slug="home").first()
    if welcome is not None:
        if welcome.specific_class is not Page or welcome.get_children().exists():
            raise CommandError(
                f"The page {welcome.url_path} is not Wagtail's default welcome page; "
                "move or delete it before loading the demo data."
            )
        # Sites cascade with their root page: park them on the tree root, so
        # that their settings survive the swap.
        Site.objects.filter(root_page=welcome).update(root_page=root)
        welcome.delete()
        root = Page.get_first_root_node()
    return root.add_child(
        instance=HomePage(title=f"Welcome to {settings.OSCAR_SHOP_NAME}", slug="home")
    )


def legal_page(home, slug, title, text_file):
    page = home.get_children().filter(slug=slug).first()
    if page is None:
        page = home.add_child(
            instance=LegalPage(title=title, slug=slug, body=legal_text_html(text_file))
        )
        page.save_revision().publish()
    return page.specific


def load_pages():
    home = HomePage.objects.first()
    home_is_new = home is None
    if home_is_new:
        home = create_home_page()
    policy = legal_page(home, "privacy-policy", "Privacy policy", "privacy-policy.txt")
    terms = legal_page(home, "terms", "Terms and conditions of sale", "terms.txt")
    if home_is_new:
        home.intro = home_intro(policy)
        home.save_revision().publish()
    # One site, the default one, so that 127.0.0.1:8000, localhost and the
    # test client's "testserver" all reach the home page.
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port = HOST, PORT
    site.site_name = settings.WAGTAIL_SITE_NAME
    site.root_page = home
    site.save()
    # Naming the pages freezes their published text as version 1 of each
    # document (the privacy policy's is the shop's policy, word for word).
    legal = LegalPagesSettings.for_site(site)
    legal.privacy_page, legal.terms_page = policy, terms
    legal.save()


NEWSLETTER_SUBSCRIBERS = [
    # (address, state, channel it was asked through, account username)
    ("customer1@example.com", "subscribed", "registration", "customer1"),
    ("reader@example.com", "subscribed", "newsletter_form", None),
    ("pending@example.com", "pending", "newsletter_form", None),
    ("left@example.com", "unsubscribed", "newsletter_form", None),
]
NEWSLETTER_BODY = (
    "<h2>Spring is here</h2>"
    "<p>Our linen tote bags are back in stock, and the new notebooks have arrived.</p>"
    '<p><a href="http://127.0.0.1:8000/shop/catalogue/">See the catalogue</a></p>'
)


def load_newsletter(now):
    """A few subscribers in each state, with their consents, and one draft newsletter."""
    from oscar_privacy.consent import current_versions, record_consents
    from oscar_privacy.models import ConsentAction, ConsentPurpose, PolicyKind
    from oscar_privacy.newsletter.addresses import address_hash
    from oscar_privacy.newsletter.models import Subscription
    from oscar_privacy.newsletter.subscriptions import CONSENT_CHANNEL, own_records
    from oscar_privacy.newsletter.wagtail.models import NewsletterIssue

    privacy = current_versions().get(PolicyKind.PRIVACY)
    for address, state, channel, username in NEWSLETTER_SUBSCRIBERS:
        user = get_user_model().objects.filter(username=username).first() if username else None
        ended = state == Subscription.State.UNSUBSCRIBED
        subscription, created = Subscription.objects.get_or_create(
            email_hash=address_hash(address),
            defaults={
                "email": "" if ended else address,
                "state": state,
                "source": channel,
                "user": user,
                "language": "en",
                "created_at": now - ago(months=8),
                "requested_at": now - ago(days=2 if state == "pending" else 240),
                "confirmed_at": None if state == "pending" else now - ago(months=8),
                "changed_at": now - ago(months=1 if ended else 8),
                "ended_via": "link" if ended else "",
            },
        )
        if not created:
            continue
        entries = [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)]
        if channel == "newsletter_form" and privacy is not None:
            entries.insert(0, (ConsentPurpose.PRIVACY_POLICY, ConsentAction.GIVEN, privacy))
        with own_records():  # the demo rows exist already: no confirmation email
            record_consents(entries, channel=CONSENT_CHANNEL[channel], user=user, email=address)
            if ended:
                record_consents(
                    [(ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN, None)],
                    channel=CONSENT_CHANNEL["link"],
                    email=address,
                )
    NewsletterIssue.objects.get_or_create(
        title="Spring news (draft)",
        defaults={"subject": "Spring at the Oscar Privacy Sandbox", "body": NEWSLETTER_BODY},
    )


class Command(BaseCommand):
    help = "Load the sandbox's demo shop. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        # Dates count back from a fixed time of day, so the history does not
        # depend on the minute the data was loaded; never from a future time.
        now = timezone.localtime().replace(hour=10, minute=30, second=0, microsecond=0)
        if now > timezone.now():
            now -= ago(days=1)
        with transaction.atomic():
            load_sites()
            load_countries()
            load_catalogue()
            load_people(now)
            load_pages()
            load_newsletter(now)
        # Oscar's catalogue pages are searches: index the products.
        call_command("update_index", remove=True, verbosity=0)
        self.print_logins()

    def print_logins(self):
        base = f"http://{HOST}:{PORT}"
        write = self.stdout.write
        write(self.style.SUCCESS("Demo data loaded."))
        write(f"Shop:            {base}{reverse('home')}")
        write(f"Dashboard:       {base}{reverse('dashboard:index')}")
        write(f"Wagtail admin:   {base}{reverse('wagtailadmin_home')}")
        write(f"Newsletter:      {base}{reverse('oscar_privacy_newsletter:subscribe')}")
        write(f"Staff:           staff@example.com / {STAFF_PASSWORD}")
        for n in range(1, len(CUSTOMERS) + 1):
            write(f"Customer:        customer{n}@example.com / {CUSTOMER_PASSWORD}")
