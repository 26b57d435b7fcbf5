# Regenerates Fixtures/huawei/*: run `python3 generate.py` in this folder. Expected bytes come from Python's json
# (sorted keys, compact) and urllib.parse modules, an oracle independent of the Swift code under test.
import json, os, shutil, urllib.parse
root = os.path.dirname(os.path.abspath(__file__))
SEND_DOC = ("HMS Push Kit send API, /work/shared/docs/vendors.md §5.2 (body, click_action types, 1-1000 tokens, "
            "reply codes), alvareztech/android-notifications README.md (send example and 80000000 reply)")
TOKEN_DOC = ("HMS OAuth client credentials, https://developer.huawei.com/consumer/en/doc/hmscore-guides/"
             "android-server-dev-0000001050040110/ ; vendors.md §5.2 'Token'; alvareztech/android-notifications README.md")
CODE_DOC = ("Push Kit reply codes, vendors.md §5.2 citing https://blog.csdn.net/HUAWEI_HMSCore/article/details/125866284 "
            "and https://segmentfault.com/a/1190000042188975/en")
ACCESS = "test-access-token"  # the fixed context's access token in the tests
NOW = 1764000000000

def compact(v):
    return json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
def form(s):
    return urllib.parse.quote(s, safe='-._~')

base = {"app_id": "101234567", "client_secret": "credential:hms_secret"}
TOKEN = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1"
msg = {"id": "m-0001", "channel": "push-golden", "to": TOKEN, "title": "示例银行",
       "content": "您的账户于 11-24 入账 100.00 元"}

def body(messages, ttl=None, urgency=None, badge_class=None):
    m = messages[0]
    link = m.get("url")
    if link and (link.startswith("https://") or link.startswith("http://")): click = {"type": 2, "url": link}
    elif link: click = {"type": 1, "intent": link}
    else: click = {"type": 3}
    notification = {"title": m["title"], "body": m["content"], "click_action": click}
    if "badge" in m.get("params", {}) and badge_class:
        notification["badge"] = {"class": badge_class, "set_num": int(m["params"]["badge"])}
    android = {"notification": notification}
    if len(messages) == 1: android["bi_tag"] = m["id"]
    if ttl is not None: android["ttl"] = "%ds" % ttl
    if urgency: android["urgency"] = urgency
    return compact({"validate_only": False, "message": {"android": android, "token": [x["to"] for x in messages]}})

def request(messages, url="https://push-api.cloud.huawei.com/v1/101234567/messages:send", **kw):
    return {"method": "POST", "url": url,
            "headers": [["Authorization", "Bearer " + ACCESS], ["Content-Type", "application/json"]],
            "body": body(messages, **kw)}

def reply(status, text, headers=None):
    return {"status": status, "headers": headers or [["Content-Type", "application/json"]], "body": text}

def write(name, source, settings, files):
    d = os.path.join(root, name); os.makedirs(d, exist_ok=True)
    for fn, v in [("settings.json", settings)] + files:
        with open(os.path.join(d, fn), 'w') as f:
            json.dump(v, f, ensure_ascii=False, indent=2); f.write('\n')
    with open(os.path.join(d, 'SOURCE'), 'w') as f:
        f.write(source + "; expected bytes computed by generate.py (Python json/urllib), not by the code under test\n")

def send(name, source, settings, messages, req, response=None, outcome=None):
    files = [("messages.json", messages), ("request.expected.json", req)]
    if response is not None: files += [("response.json", response), ("outcome.expected.json", outcome)]
    write(name, source, settings, files)

for entry in os.listdir(root):
    if os.path.isdir(os.path.join(root, entry)): shutil.rmtree(os.path.join(root, entry))

def same(outcome, messages):
    return {"outcome": "partial", "recipients": [dict(outcome, recipient=m["to"]) for m in messages]}

ok = compact({"code": "80000000", "msg": "Success", "requestId": "160209653167346065000206"})
send("send-open-app", SEND_DOC, base, [msg], request([msg]), reply(200, ok),
     {"outcome": "accepted", "vendor_message_id": "160209653167346065000206"})

m = dict(msg, url="examplebank://account/recent", content='Quote " backslash \\ newline\n🎉')
s = dict(base, ttl="1d", urgency="HIGH")
send("send-app-link-ttl-urgency", SEND_DOC + " (click_action type 1 intent; android.ttl, urgency)", s, [m],
     request([m], ttl=86400, urgency="HIGH"))

m = dict(msg, url="https://www.example.com/notice?id=1&x=y", params={"badge": "5"})
s = dict(base, badge_class="com.example.bank.MainActivity")
send("send-web-link-badge", SEND_DOC + " (click_action type 2 url; notification.badge)", s, [m],
     request([m], badge_class="com.example.bank.MainActivity"))

s = dict(base, endpoint="http://127.0.0.1:9082/", token_endpoint="http://127.0.0.1:9082/oauth2/v3/token",
         client_id="1098765")
send("send-custom-endpoint", SEND_DOC, s, [msg],
     request([msg], url="http://127.0.0.1:9082/v1/101234567/messages:send"))

batch = [dict(msg, id="m-%04d" % i, to="tok%03d" % i) for i in range(1, 4)]
send("batch-accepted", SEND_DOC + " (token list)", base, batch, request(batch), reply(200, ok),
     same({"outcome": "accepted", "vendor_message_id": "160209653167346065000206"}, batch))
partial = compact({"code": "80100000",
                   "msg": compact({"success": 2, "failure": 1, "illegal_tokens": ["tok002"]}),
                   "requestId": "157440955549255009000101"})
send("batch-partial-illegal-token", CODE_DOC + " (80100000 partial success, illegal_tokens in msg)", base, batch,
     request(batch), reply(200, partial),
     {"outcome": "partial", "recipients": [
         {"recipient": "tok001", "outcome": "accepted", "vendor_message_id": "157440955549255009000101"},
         {"recipient": "tok002", "outcome": "reject", "category": "invalid_recipient", "vendor_code": "80100000",
          "detail": "illegal token"},
         {"recipient": "tok003", "outcome": "accepted", "vendor_message_id": "157440955549255009000101"}]})
send("batch-partial-unreadable", CODE_DOC + " (80100000 whose msg is not the token list)", base, batch,
     request(batch), reply(200, compact({"code": "80100000", "msg": "Some tokens failed", "requestId": "1"})),
     same({"outcome": "retry", "category": "unknown", "vendor_code": "80100000",
           "detail": "partial success without a token list"}, batch))
single_partial = compact({"code": "80100000", "msg": compact({"success": 0, "failure": 1, "illegal_tokens": [TOKEN]}),
                          "requestId": "2"})
send("single-partial-illegal", CODE_DOC, base, [msg], request([msg]), reply(200, single_partial),
     {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "80100000", "detail": "illegal token"})

codes = [
    ("code-80200001-oauth-error", 401, "80200001", "Oauth authentication error", "retry", "auth_expired"),
    ("code-80200003-token-expired", 401, "80200003", "Oauth token expired", "retry", "auth_expired"),
    ("code-80300007-invalid-tokens", 400, "80300007", "All the tokens are invalid", "reject", "invalid_recipient"),
    ("code-80300010-token-count", 400, "80300010", "The number of tokens exceeds the limit", "reject", "unknown"),
    ("code-80100016-sensitive", 400, "80100016", "The message contains sensitive information", "reject",
     "content_rejected"),
    ("code-unmapped-80100003", 400, "80100003", "Incorrect message structure", "reject", "unknown"),
]
for name, status, code, text, kind, category in codes:
    send(name, CODE_DOC, base, [msg], request([msg]),
         reply(status, compact({"code": code, "msg": text, "requestId": "3"})),
         {"outcome": kind, "category": category, "vendor_code": code, "detail": text})

statuses = [
    ("http-503-flow-control", 503, "", [["Retry-After", "5"]],
     {"outcome": "retry", "category": "throttled", "vendor_code": "HTTP 503", "after_seconds": 5}),
    ("http-502", 502, "", None, {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 502"}),
    ("http-401-no-code", 401, "", None, {"outcome": "retry", "category": "auth_expired", "vendor_code": "HTTP 401"}),
    ("http-404", 404, "", None, {"outcome": "reject", "category": "unknown", "vendor_code": "HTTP 404"}),
    ("ok-garbage-body", 200, "OK", None, {"outcome": "retry", "category": "unknown", "detail": "no code in the reply"}),
]
for name, status, text, headers, outcome in statuses:
    send(name, SEND_DOC + " (HTTP 503 = flow control)", base, [msg], request([msg]),
         reply(status, text, headers), outcome)

# Token requests and replies.
def token_request(client_id, secret, url="https://oauth-login.cloud.huawei.com/oauth2/v3/token"):
    return {"method": "POST", "url": url, "headers": [["Content-Type", "application/x-www-form-urlencoded"]],
            "body": "grant_type=client_credentials&client_id=%s&client_secret=%s" % (form(client_id), form(secret))}

good = compact({"access_token": "CgB6e3x9pzAkPR", "expires_in": 3600, "token_type": "Bearer"})
s = dict(base, client_secret="secret:a+b/c=d&e f%")
write("token-issued", TOKEN_DOC, s, [
    ("token-request.expected.json", token_request("101234567", "a+b/c=d&e f%")),
    ("token-response.json", reply(200, good)),
    ("token.expected.json", {"result": "issued", "token": "CgB6e3x9pzAkPR", "expires_at_ms": NOW + 3600 * 1000})])
s = dict(base, token_endpoint="http://127.0.0.1:9082/oauth2/v3/token", client_id="1098765")
write("token-custom-client-invalid", TOKEN_DOC + "; error reply shape {error, error_description} unverified [n/v]", s, [
    ("token-request.expected.json", token_request("1098765", "test-secret-hms_secret",
                                                   url="http://127.0.0.1:9082/oauth2/v3/token")),
    ("token-response.json", reply(400, compact({"error": 1101, "error_description": "invalid client",
                                                "sub_error": 20186}))),
    ("token.expected.json", {"result": "failed", "category": "auth_expired", "vendor_code": "1101",
                             "detail": "invalid client"})])
write("token-malformed", TOKEN_DOC, base, [
    ("token-request.expected.json", token_request("101234567", "test-secret-hms_secret")),
    ("token-response.json", reply(200, compact({"token_type": "Bearer", "expires_in": 3600}))),
    ("token.expected.json", {"result": "failed", "category": "unknown", "vendor_code": "HTTP 200",
                             "detail": "no access_token/expires_in in reply"})])
write("token-unavailable", TOKEN_DOC, base, [
    ("token-request.expected.json", token_request("101234567", "test-secret-hms_secret")),
    ("token-response.json", reply(503, "")),
    ("token.expected.json", {"result": "failed", "category": "vendor_unavailable", "vendor_code": "HTTP 503"})])
