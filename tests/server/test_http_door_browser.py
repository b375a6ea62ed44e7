"""gRPC-Web from a real browser: headless Chromium (Debian's, the `browser` fixture of
console_support.py) loads the console from the HTTP port and calls Validate with fetch() in
gRPC-Web's binary form, as a generated gRPC-Web or Connect-Web client does, then reads the
frames and the status trailer itself."""

from __future__ import annotations

import struct

from promocore.v1 import checkout_pb2, common_pb2

from support import TEST_ADMIN_KEY, coupon

# Runs in the page; the last argument is Selenium's callback. Answers [HTTP status,
# content type, the body's bytes] or ["error", message].
GRPC_WEB_CALL = """
const [path, key, request, done] = arguments;
const frame = new Uint8Array(5 + request.length);
new DataView(frame.buffer).setUint32(1, request.length);
frame.set(request, 5);
fetch(path, {
  method: "POST",
  headers: {"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "x-api-key": key},
  body: frame,
}).then(async (response) => {
  const body = new Uint8Array(await response.arrayBuffer());
  done([response.status, response.headers.get("content-type"), Array.from(body)]);
}).catch((error) => done(["error", String(error)]));
"""


def test_grpc_web_validate_from_chromium(browser, http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    request = checkout_pb2.ValidateRequest()
    request.order.currency = "EUR"
    request.order.items.add(sku="A", unit_price=2000, quantity=1)
    request.redeemables.add(code=code)
    browser.set_script_timeout(30)
    browser.get(http_server.http.url)  # the same origin as the API: no CORS involved
    status, content_type, body = browser.execute_async_script(
        GRPC_WEB_CALL,
        "/promocore.v1.CheckoutService/Validate",
        TEST_ADMIN_KEY,
        list(request.SerializeToString()),
    )
    assert (status, content_type) == (200, "application/grpc-web+proto"), body
    data = bytes(body)
    flags, length = struct.unpack_from(">BI", data, 0)
    assert flags == 0
    response = checkout_pb2.ValidateResponse.FromString(data[5 : 5 + length])
    assert response.valid
    assert response.redeemables[0].status == common_pb2.APPLICABLE
    assert response.totals.items_discount == 100
    trailer_flags, trailer_length = struct.unpack_from(">BI", data, 5 + length)
    assert trailer_flags == 0x80
    trailer = data[10 + length : 10 + length + trailer_length].decode()
    assert "grpc-status: 0" in trailer
