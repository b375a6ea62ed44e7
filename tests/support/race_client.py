"""A client process for the race and crash tests: fires one Redeem per request description,
each on its own thread, all at the same instant, and prints one JSON line per outcome.

    python race_client.py TARGET START_AT REQUESTS_JSON

REQUESTS_JSON is a list of {"code", "customer", "key"} (or "redeemables", plain Redeemables,
instead of "code"); START_AT a Unix time to fire at, so
several client processes race each other, not just their own threads.
"""

from __future__ import annotations

import sys
import threading
import time

import orjson

from promocore import Client

ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}


def redeem(client: Client, request: dict, out: list) -> None:
    order = {**ORDER, "id": f"order-{request['key']}"}
    customer = {"id": request["customer"]} if request.get("customer") else None
    try:
        answer = client.redeem(
            order,
            codes=[request["code"]] if "code" in request else [],
            redeemables=request.get("redeemables", []),
            customer=customer,
            idempotency_key=request["key"],
        )
    except Exception as error:  # an error answer, or no answer (server killed): not acked
        out.append({"key": request["key"], "error": type(error).__name__, "message": str(error)})
        return
    result = answer["redeemables"][0]
    out.append(
        {
            "key": request["key"],
            "customer": request.get("customer"),
            "status": answer["status"],
            "reason": result["reason"],
            "gift_amount": result["gift_amount"],
            "points": sum(r["points"] for r in answer["redeemables"]),
            "redemption_id": (answer.get("redemption") or {}).get("id"),
        }
    )


def main() -> int:
    target, start_at, requests = sys.argv[1], float(sys.argv[2]), orjson.loads(sys.argv[3])
    outcomes: list[dict] = []
    with Client(target, timeout=60) as client:
        threads = [
            threading.Thread(target=redeem, args=(client, request, outcomes))
            for request in requests
        ]
        time.sleep(max(0.0, start_at - time.time()))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for outcome in outcomes:
        print(orjson.dumps(outcome).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
