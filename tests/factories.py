"""Customers with a realistic history, made fast: for scale tests and benchmarks.

:func:`customer_with_history` gives a registered customer N orders, each with
its shipping and billing addresses and its lines, plus the other data a
customer leaves in an Oscar shop. Rows are real Oscar rows (the models' own
tables and constraints), but orders, addresses, lines, reviews and alerts are
written with ``bulk_create``: a 1,000-order customer (6,000 rows) takes about a
second on PostgreSQL or SQLite. In a test marked ``django_db``::

    from tests.factories import customer_with_history

    user = customer_with_history(1000)  # 1,000 orders of 3 lines each
"""

import datetime
import itertools
from decimal import Decimal

from django.contrib.sites.models import Site
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from oscar.test.factories import CountryFactory, UserFactory, create_product

Basket = get_model("basket", "Basket")
BillingAddress = get_model("order", "BillingAddress")
Line = get_model("order", "Line")
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
ProductAlert = get_model("customer", "ProductAlert")
ProductReview = get_model("reviews", "ProductReview")
ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")
Selector = get_class("partner.strategy", "Selector")

CATALOGUE_SIZE = 5
"""Products made once per database by :func:`catalogue` and shared by every customer."""

UPC_PREFIX = "oscar-privacy-factory-"
PARTNER_NAME = "Factory partner"
UNIT_PRICE = Decimal("12.50")
SHIPPING = Decimal("4.90")


def catalogue(size=CATALOGUE_SIZE):
    """``size`` products in stock, each with a stock record, made once per database.

    Products are found again by their UPC, so a test or benchmark that asks
    twice (or makes several customers) reuses them.
    """
    products = list(
        Product.objects.filter(upc__startswith=UPC_PREFIX)
        .prefetch_related("stockrecords__partner")
        .order_by("upc")[:size]
    )
    for index in range(len(products), size):
        create_product(
            upc=f"{UPC_PREFIX}{index:04d}",
            title=f"Factory product {index + 1}",
            price=UNIT_PRICE,
            num_in_stock=1000,
            partner_name=PARTNER_NAME,
            partner_sku=f"factory-{index:04d}",
        )
    if len(products) < size:
        return catalogue(size)
    return products


def _france():
    return CountryFactory(iso_3166_1_a2="FR", printable_name="France", is_shipping_country=True)


def _address(model, person, country, index, **extra):
    address = model(
        title="Ms",
        first_name=person.first_name,
        last_name=person.last_name,
        line1=f"{index + 1} rue de la Paix",
        line4="Paris",
        postcode=f"750{index % 20 + 1:02d}",
        country=country,
        **extra,
    )
    address._update_search_text()  # what save() would do
    return address


def customer_with_history(
    orders,
    lines_per_order=3,
    *,
    email=None,
    reviews=CATALOGUE_SIZE,
    alerts=CATALOGUE_SIZE,
    first_name="Camille",
    last_name="Martin",
):
    """A registered customer with ``orders`` placed orders; returns the user.

    What the customer has, all linked to their account:

    - ``orders`` orders (numbers ``<user pk>-<n>``, one a day going back from
      now), each with its own :class:`ShippingAddress` and
      :class:`BillingAddress` and ``lines_per_order`` lines (products taken in
      turn from :func:`catalogue`, quantity 1 to 3, 12.50 each, totals that
      add up);
    - one saved :class:`UserAddress` (its hash and search text computed by
      ``save()``);
    - ``reviews`` product reviews, one per product (Oscar allows one review
      of a product per user): more than :data:`CATALOGUE_SIZE` makes the
      catalogue bigger;
    - ``alerts`` active stock alerts, products taken in turn;
    - one open basket with one line.

    ``email`` defaults to ``customer<pk>@example.com``. Orders, addresses,
    lines, reviews and alerts are written with ``bulk_create``, so model
    ``save()`` methods and ``post_save`` signals do not run for them
    (``date_placed`` and the addresses' search text are set here instead;
    product ratings are not updated). Needs the database (a test marked
    ``django_db`` or a benchmark's unblocked fixture).
    """
    products = catalogue(max(CATALOGUE_SIZE, reviews))
    country = _france()
    site = Site.objects.get_current()
    user = UserFactory(first_name=first_name, last_name=last_name, email=email or "")
    if not email:
        user.email = f"customer{user.pk}@example.com"
        user.save(update_fields=["email"])

    saved = _address(UserAddress, user, country, 0, user=user, phone_number="+33123456789")
    saved.save()

    now = timezone.now()
    shipping = ShippingAddress.objects.bulk_create(
        [
            _address(ShippingAddress, user, country, i, phone_number="+33123456789")
            for i in range(orders)
        ]
    )
    billing = BillingAddress.objects.bulk_create(
        [_address(BillingAddress, user, country, i) for i in range(orders)]
    )
    cycle = itertools.cycle(products)
    planned = []  # (order, [(product, quantity), ...])
    for i in range(orders):
        items = [(next(cycle), j % 3 + 1) for j in range(lines_per_order)]
        total = sum((UNIT_PRICE * quantity for _, quantity in items), SHIPPING)
        order = Order(
            number=f"{user.pk}-{i + 1}",
            site=site,
            user=user,
            billing_address=billing[i],
            shipping_address=shipping[i],
            currency="EUR",
            total_incl_tax=total,
            total_excl_tax=total,
            shipping_incl_tax=SHIPPING,
            shipping_excl_tax=SHIPPING,
            shipping_method="Standard shipping",
            shipping_code="standard",
            status="Complete",
            date_placed=now - datetime.timedelta(days=i),
        )
        planned.append((order, items))
    Order.objects.bulk_create([order for order, _ in planned])
    Line.objects.bulk_create(
        [
            _order_line(order, product, quantity)
            for order, items in planned
            for product, quantity in items
        ]
    )

    ProductReview.objects.bulk_create(
        [
            ProductReview(
                product=product,
                user=user,
                score=4,
                title=f"Review of {product.title}",
                body="Arrived quickly, as described.",
                status=ProductReview.APPROVED,
            )
            for product in products[:reviews]
        ]
    )
    alert_products = itertools.cycle(products)
    ProductAlert.objects.bulk_create(
        [
            ProductAlert(product=next(alert_products), user=user, status=ProductAlert.ACTIVE)
            for _ in range(alerts)
        ]
    )

    basket = Basket.objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    basket.add_product(products[0])
    return user


def _order_line(order, product, quantity):
    stockrecord = product.stockrecords.all()[0]
    price = UNIT_PRICE * quantity
    return Line(
        order=order,
        partner=stockrecord.partner,
        partner_name=stockrecord.partner.name,
        partner_sku=stockrecord.partner_sku,
        stockrecord=stockrecord,
        product=product,
        title=product.title,
        upc=product.upc,
        quantity=quantity,
        line_price_incl_tax=price,
        line_price_excl_tax=price,
        line_price_before_discounts_incl_tax=price,
        line_price_before_discounts_excl_tax=price,
        unit_price_incl_tax=UNIT_PRICE,
        unit_price_excl_tax=UNIT_PRICE,
        status="Complete",
        num_allocated=quantity,
    )
