"""AdminService.DescribeRules over HTTP (as the console calls it): a campaign's rule in the
engine's words, amounts in the currency; a rule that does not compile answered at its path."""

from __future__ import annotations

from http_support import call, detail

from support import TEST_ADMIN_KEY

DESCRIBE = "/promocore.v1.AdminService/DescribeRules"
COFFEE_FROM_50 = (
    '{"all": [{"subject": "order.amount", "op": "gte", "value": 5000},'
    ' {"subject": "items.quantity", "op": "gte", "value": 1,'
    '  "filter": {"subject": "item.categories", "op": "contains", "value": "coffee"}}]}'
)


def test_a_rule_reads_in_words_in_its_currency(http_server):
    status, answer = call(http_server, DESCRIBE, {"rulesJson": COFFEE_FROM_50, "currency": "EUR"})
    assert status == 200
    assert answer["text"] == (
        'order amount is at least 50.00 EUR and number of items where categories contains "coffee"'
        " is at least 1"
    )
    status, answer = call(http_server, DESCRIBE, {"rulesJson": COFFEE_FROM_50, "currency": "KWD"})
    assert answer["text"].startswith("order amount is at least 5.000 KWD and")
    status, answer = call(http_server, DESCRIBE, {"rulesJson": "", "currency": "EUR"})
    assert (status, answer) == (200, {"text": "every cart"})


def test_a_rule_that_does_not_compile_is_answered_at_its_path(http_server):
    nearly = '{"all": [{"subject": "order.amount", "op": "nearly", "value": 1}]}'
    status, error = call(http_server, DESCRIBE, {"rulesJson": nearly, "currency": "EUR"})
    assert status == 400
    assert error["code"] == "invalid_argument"
    violation = detail(error, "google.rpc.BadRequest")["fieldViolations"][0]
    assert violation["field"] == "rules.all[0].op"
    assert "nearly" in violation["description"]
    status, error = call(http_server, DESCRIBE, {"rulesJson": "", "currency": "euro"})
    assert status == 400
    assert detail(error, "google.rpc.BadRequest")["fieldViolations"][0]["field"] == "currency"


def test_a_read_only_key_may_ask_and_a_checkout_key_may_not(http_server, admin):
    read_only = admin.create_api_key("analyst", "read_only")["secret"]
    till = admin.create_api_key("till", "pos")["secret"]
    request = {"rulesJson": COFFEE_FROM_50, "currency": "EUR"}
    assert call(http_server, DESCRIBE, request, key=read_only)[0] == 200
    assert call(http_server, DESCRIBE, request, key=till)[0] == 403
    assert call(http_server, DESCRIBE, request, key=TEST_ADMIN_KEY)[0] == 200
