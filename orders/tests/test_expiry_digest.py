"""The daily expiry digest (SPEC D, issue 12): a command a scheduler calls queues a task that e-mails Managers and
Admins the lots expiring soon and the expired lots still on hand, with quantity and value at the latest price."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from inventory.lots.services import lot_create
from inventory.tests.factories import RawProductFactory
from orders.services import raw_product_order_set_status
from orders.tests.factories import RawProductOrderFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def test_the_digest_lists_expiring_and_expired_lots_with_their_value_to_managers_and_admins(
    make_user, mailoutbox, settings
):
    settings.LOTS_DIGEST_DAYS = 5
    admin, manager = make_user(Role.ADMIN), make_user(Role.MANAGER)
    make_user(Role.USER)
    milk = RawProductFactory(name="Milk", stock_quantity=0, unit_of_measure="l")
    order = RawProductOrderFactory(raw_product=milk, quantity=10, unit_of_measure="l", price="12.00")
    raw_product_order_set_status(order=order, status="recu", lot={"code": "M-NOW", "use_by": days(30)})
    lot_create(item=milk, quantity=4, code="M-SOON", use_by=days(2))
    lot_create(item=milk, quantity=3, code="M-GONE", use_by=days(-1))
    lot_create(item=milk, quantity=2, code="M-LATER", use_by=days(6))

    call_command("send_expiry_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115 - the command's chatter

    (mail,) = mailoutbox
    assert sorted(mail.bcc) == sorted([admin.email, manager.email])
    assert mail.subject == "Stocky: 1 expired lot(s) on hand, 1 expiring within 5 days"
    body = mail.body
    # 1.20 a litre, from the latest received purchase order.
    assert f"- Milk, lot M-GONE: 3 l, use by {days(-1)}; 3.60 (latest price)" in body
    assert f"- Milk, lot M-SOON: 4 l, use by {days(2)}; 4.80 (latest price)" in body
    assert "M-LATER" not in body and "M-NOW" not in body
    assert "Value at the latest prices: 8.40." in body


def test_no_lot_to_act_on_sends_nothing(make_user, mailoutbox):
    make_user(Role.MANAGER)
    lot_create(item=RawProductFactory(stock_quantity=0), quantity=1, use_by=days(60))
    call_command("send_expiry_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mailoutbox == []
