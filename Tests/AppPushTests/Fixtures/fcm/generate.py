# Regenerates Fixtures/fcm/*/: run `python3 generate.py` in this folder. Expected bytes come from Python's json,
# base64 and the `cryptography` package (RSASSA-PKCS1-v1_5 SHA-256), an oracle independent of the Swift code.
#
# test-key.pem is a throwaway 2048-bit RSA key made for these tests only (never registered with Google), in the
# PKCS#8 PEM form of a service-account JSON's private_key:
#   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out test-key.pem
#   openssl pkey -in test-key.pem -pubout -out test-key.pub.pem
# RS256 is deterministic, so the token request (its assertion included) is pinned byte for byte.
import base64, json, os, shutil
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

root = os.path.dirname(os.path.abspath(__file__))
NOW_MS = 1_764_000_000_000  # fixedPushContext in APNsFCMTestSupport.swift
ACCESS_TOKEN = "test-access-token"
SOURCE_SEND = ("Firebase, REST reference projects.messages.send and Message "
               "(firebase.google.com/docs/reference/fcm/rest/v1/projects.messages): POST "
               "/v1/projects/<project_id>/messages:send, Authorization: Bearer, {\"message\":{token, notification, "
               "data, android, apns}}; vendors.md §5.5. Expected bytes computed with Python json.\n")
SOURCE_REPLY = ("Firebase, ErrorCode (firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode) and "
                "'FCM error codes' (firebase.google.com/docs/cloud-messaging/error-codes); the error body shape "
                "{error:{code,message,status,details:[FcmError{errorCode}]}} as in vendors.md §5.5; google.rpc "
                "status names from cloud.google.com/apis/design/errors. Reply constructed, not recorded.\n")
SOURCE_TOKEN = ("Google, 'Using OAuth 2.0 for Server to Server Applications' "
                "(developers.google.com/identity/protocols/oauth2/service-account, 'Preparing to make an authorized "
                "API call', HTTP/REST): JWT header {alg RS256, typ JWT, kid}, claims iss/scope/aud/exp/iat, form "
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=...; reply "
                "{access_token, expires_in, token_type}, errors per RFC 6749 §5.2. Assertion signed by Python "
                "cryptography with test-key.pem. Reply constructed, not recorded.\n")
with open(os.path.join(root, "test-key.pem"), "rb") as f:
    KEY = serialization.load_pem_private_key(f.read(), password=None)

REG = "cT8sV3kQ_0eR:APA91bH7dQ2lX9zK4mN6pR8tV0wY2aC4eG6iK8mO0qS2uW4yA6cE8gI0kM2oQ4sU6wY8aC0eG2iK4mO6qS8uW0yA2cE4gI6kM8oQ0sU2wY4a"
base = {"project_id": "example-bank-app", "client_email": "gateway@example-bank-app.iam.gserviceaccount.com",
        "private_key": "credential:test-key.pem"}
msg = {"id": "m01JDQ7Z8X4N5R2T6V8W0Y3A5C7", "channel": "push-golden", "to": REG,
       "content": "Your card ending 1234 was charged CNY 88.00"}

def dumps(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def request(settings, m):
    notification = {"body": m["content"]}
    if m.get("title"): notification["title"] = m["title"]
    data = {"gateway_message_id": m["id"]}
    if m.get("url"): data["url"] = m["url"]
    android = {"priority": settings.get("android_priority", "high")}
    if "ttl" in settings: android["ttl"] = settings["ttl"]
    fields = {"token": m["to"], "notification": notification, "data": data, "android": android}
    if "badge" in m.get("params", {}):
        badge = int(m["params"]["badge"])
        android["notification"] = {"notification_count": badge}
        fields["apns"] = {"payload": {"aps": {"badge": badge}}}
    endpoint = settings.get("endpoint", "https://fcm.googleapis.com").rstrip("/")
    return {"method": "POST", "url": endpoint + "/v1/projects/" + settings["project_id"] + "/messages:send",
            "headers": [["Authorization", "Bearer " + ACCESS_TOKEN],
                        ["Content-Type", "application/json; charset=UTF-8"]],
            "body": dumps({"message": fields}), "http2": False}

def token_request(settings):
    iat = NOW_MS // 1000
    uri = settings.get("token_uri", "https://oauth2.googleapis.com/token").rstrip("/")
    header = {"alg": "RS256", "typ": "JWT"}
    if "private_key_id" in settings: header["kid"] = settings["private_key_id"]
    claims = {"iss": settings["client_email"], "scope": "https://www.googleapis.com/auth/firebase.messaging",
              "aud": uri, "iat": iat, "exp": iat + 3600}
    signing_input = b64url(dumps(header).encode()) + "." + b64url(dumps(claims).encode())
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    assertion = signing_input + "." + b64url(signature)
    return {"method": "POST", "url": uri, "headers": [["Content-Type", "application/x-www-form-urlencoded"]],
            "body": "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion,
            "http2": False}

def folder(name):
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    def dump(fn, v):
        with open(os.path.join(d, fn), "w") as f: json.dump(v, f, ensure_ascii=False, indent=2); f.write("\n")
    def text(fn, t):
        with open(os.path.join(d, fn), "w") as f: f.write(t)
    return dump, text

def write(name, settings, message, response=None, outcome=None, source=SOURCE_SEND):
    dump, text = folder(name)
    wire = {k: v for k, v in settings.items() if k != "ttl"}
    dump("settings.json", wire); dump("message.json", message); dump("request.expected.json", request(settings, message))
    if response is not None: dump("response.json", response); dump("outcome.expected.json", outcome)
    text("SOURCE", source)

def write_token(name, settings, response, result):
    dump, text = folder(name)
    dump("settings.json", settings); dump("token-request.expected.json", token_request(settings))
    dump("token-response.json", response); dump("token.expected.json", result); text("SOURCE", SOURCE_TOKEN)

def reply(status, body="", headers=None):
    return {"status": status, "headers": headers or [["Content-Type", "application/json; charset=UTF-8"]],
            "body": body}
def error(code, status, message, error_code=None, extra=()):
    details = []
    if error_code: details.append({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                   "errorCode": error_code})
    details.extend(extra)
    e = {"code": code, "message": message, "status": status}
    if details: e["details"] = details
    return dumps({"error": e})

NAME = "projects/example-bank-app/messages/0:1764000000000000%a1b2c3d4f9fd7ecd"
# Sends.
s = dict(base, endpoint="http://127.0.0.1:9443/", android_priority="normal", time_to_live="1h", ttl="3600s")
m = dict(msg, title="Card payment", url="bank://cards/1234/tx/88", params={"badge": "3"})
write("send-full", s, m, reply(200, dumps({"name": NAME})), {"outcome": "accepted", "vendor_message_id": NAME})
write("send-body-only", base, msg, reply(200, dumps({"name": NAME})), {"outcome": "accepted", "vendor_message_id": NAME})
m = dict(msg, title='He said "hi" \\ C:\\path', content="line 1\nline 2\t你好，世界 🎉👍🏽 \u0001", params={"badge": "0"})
write("json-escaping", base, m)
write("reply-200-no-name", base, msg, reply(200, "{}"),
      {"outcome": "retry", "category": "unknown", "detail": "FCM answered 200 without a message name"}, SOURCE_REPLY)

# Replies: every documented errorCode and status, from this table = the README table.
def case(name, status, api_status, message, error_code, outcome, category, vendor_code, headers=None, extra=(),
         after=None):
    expected = {"outcome": outcome, "category": category, "vendor_code": vendor_code}
    if after is not None: expected["after_seconds"] = after
    h = [["Content-Type", "application/json; charset=UTF-8"]] + (headers or [])
    write(name, base, msg, reply(status, error(status, api_status, message, error_code, extra), h), expected,
          SOURCE_REPLY)
case("reply-404-UNREGISTERED", 404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED",
     "reject", "invalid_recipient", "UNREGISTERED")
case("reply-403-SENDER_ID_MISMATCH", 403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH",
     "reject", "invalid_recipient", "SENDER_ID_MISMATCH")
case("reply-400-INVALID_ARGUMENT", 400, "INVALID_ARGUMENT", "Invalid value at 'message.data[0].value'",
     "INVALID_ARGUMENT", "reject", "content_rejected", "INVALID_ARGUMENT")
case("reply-400-INVALID_ARGUMENT-token", 400, "INVALID_ARGUMENT",
     "The registration token is not a valid FCM registration token", "INVALID_ARGUMENT", "reject",
     "invalid_recipient", "INVALID_ARGUMENT",
     extra=[{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
         {"field": "message.token", "description": "The registration token is not a valid FCM registration token"}]}])
case("reply-429-QUOTA_EXCEEDED", 429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric", "QUOTA_EXCEEDED",
     "retry", "throttled", "QUOTA_EXCEEDED", headers=[["Retry-After", "60"]], after=60)
case("reply-503-UNAVAILABLE", 503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE",
     "retry", "vendor_unavailable", "UNAVAILABLE", headers=[["Retry-After", "30"]], after=30)
case("reply-500-INTERNAL", 500, "INTERNAL", "Internal error encountered.", "INTERNAL",
     "retry", "vendor_unavailable", "INTERNAL")
case("reply-401-THIRD_PARTY_AUTH_ERROR", 401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service",
     "THIRD_PARTY_AUTH_ERROR", "reject", "auth_expired", "THIRD_PARTY_AUTH_ERROR")
case("reply-500-UNSPECIFIED_ERROR", 500, "UNKNOWN", "Unknown error", "UNSPECIFIED_ERROR",
     "retry", "unknown", "UNSPECIFIED_ERROR")
case("reply-401-UNAUTHENTICATED", 401, "UNAUTHENTICATED",
     "Request had invalid authentication credentials. Expected OAuth 2 access token.", None,
     "retry", "auth_expired", "UNAUTHENTICATED")
case("reply-403-PERMISSION_DENIED", 403, "PERMISSION_DENIED",
     "Permission 'cloudmessaging.messages.create' denied on resource", None,
     "reject", "auth_expired", "PERMISSION_DENIED")
case("reply-404-NOT_FOUND", 404, "NOT_FOUND", "Requested entity was not found.", None,
     "reject", "invalid_recipient", "NOT_FOUND")
case("reply-400-INVALID_ARGUMENT-no-detail", 400, "INVALID_ARGUMENT", "Request contains an invalid argument.", None,
     "reject", "content_rejected", "INVALID_ARGUMENT")
case("reply-429-RESOURCE_EXHAUSTED", 429, "RESOURCE_EXHAUSTED", "Quota exceeded", None,
     "retry", "throttled", "RESOURCE_EXHAUSTED", headers=[["Retry-After", "120"]], after=120)
case("reply-503-UNAVAILABLE-no-detail", 503, "UNAVAILABLE", "The service is currently unavailable.", None,
     "retry", "vendor_unavailable", "UNAVAILABLE")
case("reply-500-INTERNAL-no-detail", 500, "INTERNAL", "Internal error encountered.", None,
     "retry", "vendor_unavailable", "INTERNAL")
write("reply-502-html", base, msg, reply(502, "<html>Bad Gateway</html>", [["Content-Type", "text/html"]]),
      {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 502"}, SOURCE_REPLY)
write("reply-401-no-body", base, msg, reply(401, ""),
      {"outcome": "retry", "category": "auth_expired", "vendor_code": "HTTP 401",
       "detail": "the access token was refused"}, SOURCE_REPLY)

# Token requests and replies.
tok = dict(base, private_key_id="0123456789abcdef0123456789abcdef01234567")
json_ok = [["Content-Type", "application/json; charset=utf-8"]]
write_token("token-ok", tok,
            reply(200, dumps({"access_token": "ya29.c.test-token", "expires_in": 3599, "token_type": "Bearer"}),
                  json_ok),
            {"result": "issued", "token": "ya29.c.test-token", "expires_at_ms": NOW_MS + 3599 * 1000})
write_token("token-expired-assertion", dict(base, token_uri="http://127.0.0.1:9443/token"),
            reply(400, dumps({"error": "invalid_grant", "error_description":
                              "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                              "timeframe. Check your iat and exp values in the JWT claim."}), json_ok),
            {"result": "failed", "category": "auth_expired", "vendor_code": "invalid_grant",
             "detail": "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                       "Check your iat and exp values in the JWT claim."})
write_token("token-bad-signature", base,
            reply(400, dumps({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}), json_ok),
            {"result": "failed", "category": "auth_expired", "vendor_code": "invalid_grant",
             "detail": "Invalid JWT Signature."})
write_token("token-invalid-client", base,
            reply(401, dumps({"error": "invalid_client", "error_description": "The OAuth client was not found."}),
                  json_ok),
            {"result": "failed", "category": "auth_expired", "vendor_code": "invalid_client",
             "detail": "The OAuth client was not found."})
write_token("token-malformed", base, reply(200, dumps({"token_type": "Bearer"}), json_ok),
            {"result": "failed", "category": "unknown",
             "detail": "the token reply has no access_token and expires_in"})
write_token("token-garbage", base, reply(200, "<html>captive portal</html>", [["Content-Type", "text/html"]]),
            {"result": "failed", "category": "unknown",
             "detail": "the token reply has no access_token and expires_in"})
write_token("token-503", base, reply(503, "", []),
            {"result": "failed", "category": "vendor_unavailable", "vendor_code": "HTTP 503"})
