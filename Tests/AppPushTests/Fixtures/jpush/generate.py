# Regenerates Fixtures/jpush/*: run `python3 generate.py` in this folder. Expected bytes come from Python's json
# (sorted keys, compact) and base64 modules, an oracle independent of the Swift code under test.
import base64, json, os, shutil
root = os.path.dirname(os.path.abspath(__file__))
DOC = ("JPush REST API v3 push, https://docs.jiguang.cn/jpush/server/push/rest_api_v3_push/ ; "
       "/work/shared/docs/vendors.md §5.1.1-5.1.3")
STATUS_DOC = "JPush HTTP status codes, https://docs.jiguang.cn/jpush/server/push/http_status_code/"
CODE_DOC = ("vendors.md §5.1.3 error table (JPush v3 docs; JPush server SDK ErrorCodeEnum quoted in "
            "https://blog.csdn.net/A632189007/article/details/75213177)")

def compact(v):
    return json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=False)

def auth(key, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (key, secret)).encode()).decode()

SECRET = "test-secret-jpush_master"  # what credential:jpush_master resolves to in the tests
base = {"app_key": "0123456789abcdef01234567", "master_secret": "credential:jpush_master"}
msg = {"id": "m-0001", "channel": "push-golden", "to": "1a0018970a9a2c5d", "title": "示例银行",
       "content": "您的账户于 11-24 入账 100.00 元", "url": "examplebank://account/recent",
       "params": {"badge": "3"}}

def body(messages, platforms=None, apns_production=True, ttl=None):
    m = messages[0]
    extras = {"url": m["url"]} if m.get("url") else None
    android = {"alert": m["content"]}
    if m.get("title"): android["title"] = m["title"]
    if m.get("url"): android["intent"] = {"url": m["url"]}
    if extras: android["extras"] = extras
    ios = {"alert": {"title": m["title"], "body": m["content"]} if m.get("title") else m["content"], "sound": "default"}
    if "badge" in m.get("params", {}): ios["badge"] = int(m["params"]["badge"])
    if extras: ios["extras"] = extras
    targeted = platforms or ["android", "ios"]
    notification = {"alert": m["content"]}
    if "android" in targeted: notification["android"] = android
    if "ios" in targeted: notification["ios"] = ios
    options = {"apns_production": apns_production}
    if ttl is not None: options["time_to_live"] = ttl
    return compact({"platform": platforms if platforms else "all",
                    "audience": {"registration_id": [x["to"] for x in messages]},
                    "notification": notification, "options": options})

def request(messages, url="https://api.jpush.cn/v3/push", key=base["app_key"], secret=SECRET, **kw):
    return {"method": "POST", "url": url,
            "headers": [["Authorization", auth(key, secret)], ["Content-Type", "application/json"]],
            "body": body(messages, **kw)}

def reply(status, text, headers=None):
    return {"status": status, "headers": headers or [["Content-Type", "application/json"]], "body": text}

def error_body(code, message):
    return compact({"msg_id": "0", "error": {"code": code, "message": message}})

def write(name, source, settings, messages, req, response=None, outcome=None):
    d = os.path.join(root, name); os.makedirs(d, exist_ok=True)
    def dump(fn, v):
        with open(os.path.join(d, fn), 'w') as f:
            json.dump(v, f, ensure_ascii=False, indent=2); f.write('\n')
    dump('settings.json', settings); dump('messages.json', messages); dump('request.expected.json', req)
    if response is not None: dump('response.json', response); dump('outcome.expected.json', outcome)
    with open(os.path.join(d, 'SOURCE'), 'w') as f:
        f.write(source + "; expected bytes computed by generate.py (Python json/base64), not by the code under test\n")

for entry in os.listdir(root):
    if os.path.isdir(os.path.join(root, entry)): shutil.rmtree(os.path.join(root, entry))

def same(outcome, messages):
    return {"outcome": "partial", "recipients": [dict(outcome, recipient=m["to"]) for m in messages]}

# The doc's Basic-auth worked example (vendors.md V7), through the adapter, and the doc's success reply.
s = {"app_key": "7d431e42dfa6a6d693ac2d04", "master_secret": "secret:5e987ac6d2e04d95a9d8f0d1"}
assert auth(s["app_key"], "5e987ac6d2e04d95a9d8f0d1") == \
    "Basic N2Q0MzFlNDJkZmE2YTZkNjkzYWMyZDA0OjVlOTg3YWM2ZDJlMDRkOTVhOWQ4ZjBkMQ=="
write("basic-auth-doc-example", DOC + "; Basic auth worked example = vendors.md §10 V7; reply = vendors.md §5.1.2",
      s, [msg], request([msg], key=s["app_key"], secret="5e987ac6d2e04d95a9d8f0d1"),
      reply(200, '{"sendno":"18","msg_id":"1828256757"}'), {"outcome": "accepted", "vendor_message_id": "1828256757"})

# Options: explicit sandbox, time_to_live, custom endpoint (trailing slash dropped).
s = dict(base, apns_production=False, time_to_live="2h", endpoint="http://127.0.0.1:9081/")
write("options-and-endpoint", DOC + " (options.apns_production, options.time_to_live)", s, [msg],
      request([msg], url="http://127.0.0.1:9081/v3/push", apns_production=False, ttl=7200))

# Android only, no title, no link, no badge, text needing JSON escapes.
m = {"id": "m-0002", "channel": "push-golden", "to": "160a3797c80d17cfab6",
     "content": 'He said "hi" \\ C:\\path\nline 2\t你好 🎉👍🏽'}
s = dict(base, platforms=["android"])
write("android-only-escaping", DOC + " (platform array, notification.android)", s, [m],
      request([m], platforms=["android"]))

# iOS only, badge.
s = dict(base, platforms=["ios"])
write("ios-only-badge", DOC + " (notification.ios alert dict, badge)", s, [msg], request([msg], platforms=["ios"]))

# A batch of three registration ids: one msg_id for all.
batch = [dict(msg, id="m-%04d" % i, to="reg%03d" % i) for i in range(1, 4)]
write("batch-accepted", DOC + " (audience.registration_id list; one msg_id per push)", base, batch,
      request(batch), reply(200, '{"sendno":"0","msg_id":"54043195528542357"}'),
      same({"outcome": "accepted", "vendor_message_id": "54043195528542357"}, batch))
write("batch-no-target-1011", CODE_DOC + " (1011: no registration id resolves)", base, batch, request(batch),
      reply(400, error_body(1011, "cannot find user by this audience or has been inactive for more than 255 days")),
      same({"outcome": "reject", "category": "invalid_recipient", "vendor_code": "1011",
            "detail": "cannot find user by this audience or has been inactive for more than 255 days"}, batch))

# Every mapped error code, as JPush sends it (HTTP 4xx + error body).
codes = [
    ("code-1002-missing-parameter", 400, 1002, "Missing parameter", "reject", "unknown"),
    ("code-1003-invalid-parameter", 400, 1003, "Parameter value is invalid", "reject", "unknown"),
    ("code-1004-auth-failed", 401, 1004, "Authen failed", "reject", "auth_expired"),
    ("code-1005-too-large", 400, 1005, "Msg content too long", "reject", "content_rejected"),
    ("code-1008-invalid-appkey", 400, 1008, "app_key is invalid", "reject", "auth_expired"),
    ("code-1011-no-target", 400, 1011, "cannot find user by this audience", "reject", "invalid_recipient"),
    ("code-2003-appkey-restricted", 403, 2003, "appKey restricted", "reject", "auth_expired"),
]
for name, status, code, text, kind, category in codes:
    write(name, CODE_DOC, base, [msg], request([msg]), reply(status, error_body(code, text)),
          {"outcome": kind, "category": category, "vendor_code": str(code), "detail": text})
write("code-2002-throttled-retry-after", CODE_DOC + "; " + STATUS_DOC + " (429)", base, [msg], request([msg]),
      reply(429, error_body(2002, "Rate limit exceeded"), [["Content-Type", "application/json"], ["Retry-After", "30"]]),
      {"outcome": "retry", "category": "throttled", "vendor_code": "2002", "detail": "Rate limit exceeded",
       "after_seconds": 30})

# HTTP statuses without a known code.
statuses = [
    ("http-429-no-code", 429, "", {"outcome": "retry", "category": "throttled", "vendor_code": "HTTP 429"}),
    ("http-500", 500, "", {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 500"}),
    ("http-503-html", 503, "<html>busy</html>",
     {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 503"}),
    ("http-401-no-body", 401, "", {"outcome": "reject", "category": "auth_expired", "vendor_code": "HTTP 401"}),
    ("http-400-unmapped-code", 400, error_body(1099, "something new"),
     {"outcome": "reject", "category": "unknown", "vendor_code": "1099", "detail": "something new"}),
    ("ok-without-msg-id", 200, '{"sendno":"0"}',
     {"outcome": "retry", "category": "unknown", "detail": "no msg_id in the reply"}),
    ("ok-garbage-body", 200, "OK", {"outcome": "retry", "category": "unknown", "detail": "no msg_id in the reply"}),
]
for name, status, text, outcome in statuses:
    write(name, STATUS_DOC, base, [msg], request([msg]), reply(status, text), outcome)
