# Regenerates Fixtures/apns/*/: run `python3 generate.py` in this folder. Expected bytes come from Python's json
# and uuid modules, an oracle independent of the Swift code under test.
#
# test-key.p8 is a throwaway P-256 key made for these tests only (never used with Apple), in the PKCS#8 PEM form
# of Apple's AuthKey_<key_id>.p8:
#   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out test-key.p8
#   openssl pkey -in test-key.p8 -pubout -out test-key.pub.pem
# The provider token (ES256) is randomized, so it is checked in APNsProfileTests by verifying it with
# test-key.pub.pem, not pinned here; send requests carry the fixed access token the tests put in the context.
import json, os, shutil, uuid

root = os.path.dirname(os.path.abspath(__file__))
NOW_MS = 1_764_000_000_000  # fixedPushContext in APNsFCMTestSupport.swift
ACCESS_TOKEN = "test-access-token"
SOURCE_SEND = ("Apple, 'Sending notification requests to APNs' (developer.apple.com/documentation/usernotifications/"
               "sending-notification-requests-to-apns): POST /3/device/<token>, headers authorization, apns-topic, "
               "apns-push-type, apns-id, apns-expiration, apns-priority; 'Generating a remote notification' for "
               "the aps dictionary; vendors.md §5.4. Expected bytes computed with Python json/uuid.\n")
SOURCE_REPLY = ("Apple, 'Handling notification responses from APNs' (developer.apple.com/documentation/"
                "usernotifications/handling-notification-responses-from-apns): status code and {\"reason\"} table; "
                "reasons InvalidPushType/ExpiredToken/UnrelatedKeyIdInToken/BadEnvironmentKeyIdInToken from docs.rs "
                "apns-h2 ErrorReason; vendors.md §5.4. Reply constructed from the documented shape, not recorded.\n")
TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
ULID = "m01JDQ7Z8X4N5R2T6V8W0Y3A5C7"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

base = {"team_id": "TEAM123456", "key_id": "KEY1234567", "private_key": "credential:test-key.p8",
        "bundle_id": "com.example.bank"}
msg = {"id": ULID, "channel": "push-golden", "to": TOKEN, "content": "Your card ending 1234 was charged CNY 88.00"}

def apns_id(mid):
    if len(mid) == 27 and mid[0] == "m":
        value = 0
        for c in mid[1:]: value = value * 32 + CROCKFORD.index(c)
        return str(uuid.UUID(int=value))
    try:
        u = uuid.UUID(mid)
        return str(u) if len(mid) == 36 else None
    except ValueError:
        return None

def dumps(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

def request(settings, m):
    aps = {"alert": {"body": m["content"]}}
    if m.get("title"): aps["alert"]["title"] = m["title"]
    if "badge" in m.get("params", {}): aps["badge"] = int(m["params"]["badge"])
    if settings.get("sound"): aps["sound"] = settings["sound"]
    payload = {"aps": aps, "gateway_message_id": m["id"]}
    if m.get("url"): payload["url"] = m["url"]
    ttl = settings.get("time_to_live_seconds", 86400)
    headers = [["authorization", "bearer " + ACCESS_TOKEN], ["apns-topic", settings["bundle_id"]],
               ["apns-push-type", "alert"]]
    if apns_id(m["id"]): headers.append(["apns-id", apns_id(m["id"])])
    headers.append(["apns-expiration", str(0 if ttl == 0 else NOW_MS // 1000 + ttl)])
    headers.append(["apns-priority", settings.get("priority", "10")])
    endpoint = settings.get("endpoint", "https://api.push.apple.com").rstrip("/")
    return {"method": "POST", "url": endpoint + "/3/device/" + m["to"], "headers": headers, "body": dumps(payload),
            "http2": True}

def write(name, settings, message, response=None, outcome=None, source=SOURCE_SEND):
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    def dump(fn, v):
        with open(os.path.join(d, fn), "w") as f: json.dump(v, f, ensure_ascii=False, indent=2); f.write("\n")
    wire = {k: v for k, v in settings.items() if k != "time_to_live_seconds"}
    dump("settings.json", wire); dump("message.json", message); dump("request.expected.json", request(settings, message))
    if response is not None: dump("response.json", response); dump("outcome.expected.json", outcome)
    with open(os.path.join(d, "SOURCE"), "w") as f: f.write(source)

def reply(status, body="", headers=None):
    return {"status": status, "headers": headers or [], "body": body}

# Sends.
s = dict(base, endpoint="https://api.sandbox.push.apple.com/", sound="default", priority="5", time_to_live="1h",
         time_to_live_seconds=3600)
m = dict(msg, title="Card payment", url="bank://cards/1234/tx/88", params={"badge": "3"})
write("alert-full", s, m, reply(200, "", [["apns-id", apns_id(ULID)]]),
      {"outcome": "accepted", "vendor_message_id": apns_id(ULID)})
s = dict(base, time_to_live="0s", time_to_live_seconds=0)
m = dict(msg, id="3F2504E0-4F89-41D3-9A0C-0305E82C3301")
write("uuid-id-no-expiry", s, m, reply(200), {"outcome": "accepted", "vendor_message_id": apns_id(m["id"])})
m = dict(msg, id="order-17")
write("other-id-apple-assigns", base, m, reply(200, "", [["apns-id", "77ef3b1c-2d4e-4f60-8a9b-0c1d2e3f4a5b"]]),
      {"outcome": "accepted", "vendor_message_id": "77ef3b1c-2d4e-4f60-8a9b-0c1d2e3f4a5b"})
m = dict(msg, title='He said "hi" \\ C:\\path', content="line 1\nline 2\t你好，世界 🎉👍🏽 \u0001", params={"badge": "0"})
write("json-escaping", base, m)

# Replies: every documented reason, from this table (status, reason, outcome, category) = the README table.
REASONS = [
    (400, "BadCollapseId", "reject", "content_rejected"), (400, "BadDeviceToken", "reject", "invalid_recipient"),
    (400, "BadExpirationDate", "reject", "unknown"), (400, "BadMessageId", "reject", "unknown"),
    (400, "BadPriority", "reject", "unknown"), (400, "BadTopic", "reject", "unknown"),
    (400, "DeviceTokenNotForTopic", "reject", "invalid_recipient"), (400, "DuplicateHeaders", "reject", "unknown"),
    (400, "IdleTimeout", "retry", "vendor_unavailable"), (400, "InvalidPushType", "reject", "unknown"),
    (400, "MissingDeviceToken", "reject", "invalid_recipient"), (400, "MissingTopic", "reject", "unknown"),
    (400, "PayloadEmpty", "reject", "content_rejected"), (400, "TopicDisallowed", "reject", "unknown"),
    (403, "BadCertificate", "reject", "auth_expired"), (403, "BadCertificateEnvironment", "reject", "auth_expired"),
    (403, "ExpiredProviderToken", "retry", "auth_expired"), (403, "Forbidden", "reject", "auth_expired"),
    (403, "InvalidProviderToken", "retry", "auth_expired"), (403, "MissingProviderToken", "retry", "auth_expired"),
    (403, "UnrelatedKeyIdInToken", "reject", "auth_expired"),
    (403, "BadEnvironmentKeyIdInToken", "reject", "auth_expired"),
    (404, "BadPath", "reject", "unknown"), (405, "MethodNotAllowed", "reject", "unknown"),
    (410, "ExpiredToken", "reject", "invalid_recipient"), (410, "Unregistered", "reject", "invalid_recipient"),
    (413, "PayloadTooLarge", "reject", "content_rejected"),
    (429, "TooManyProviderTokenUpdates", "retry", "throttled"), (429, "TooManyRequests", "retry", "throttled"),
    (500, "InternalServerError", "retry", "vendor_unavailable"),
    (503, "ServiceUnavailable", "retry", "vendor_unavailable"), (503, "Shutdown", "retry", "vendor_unavailable"),
]
DETAILS = {}  # details are the adapter's prose; the fixture pins outcome, category and vendor code.
for status, reason, verdict, category in REASONS:
    body = {"reason": reason}
    if status == 410: body["timestamp"] = 1763990000000
    write("reply-%d-%s" % (status, reason), base, msg,
          reply(status, dumps(body), [["apns-id", apns_id(ULID)], ["content-type", "application/json"]]),
          {"outcome": verdict, "category": category, "vendor_code": reason}, SOURCE_REPLY)
# Undocumented replies fall back to the status.
write("reply-502-no-body", base, msg, reply(502, "<html>Bad Gateway</html>"),
      {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 502"}, SOURCE_REPLY)
write("reply-400-unknown-reason", base, msg, reply(400, dumps({"reason": "SomethingNew"})),
      {"outcome": "reject", "category": "unknown", "vendor_code": "SomethingNew"}, SOURCE_REPLY)
write("reply-410-no-reason", base, msg, reply(410, ""),
      {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "HTTP 410"}, SOURCE_REPLY)
