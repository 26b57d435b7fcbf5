# Regenerates Fixtures/{template,subscribe,stable-token}/*: run `python3 generate-wechat-oa.py` here.
# Expected bytes come from Python json (sort_keys, compact separators) and urllib.parse, an oracle independent of
# the Swift code under test. The error-code table below restates Plugins/WeChatOA/README.md, which restates
# /work/shared/docs/vendors.md section 4.6 and WeChat's global code list.
import json, os, shutil, urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
NOW_MS = 1_764_000_000_000          # fixedContext.nowMilliseconds in WeChatOATestSupport.swift
TOKEN = "ACCESS_TOKEN_fixture"       # fixedContext.accessToken
SECRET = "test-secret-wechat_oa_app_secret"  # what credential:wechat_oa_app_secret resolves to in tests
ENDPOINT = "https://api.weixin.qq.com"

TEMPLATE_DOC = ("vendors.md §4.2 'Template message (模板消息) send' (fields touser, template_id, url, miniprogram, "
                "data, client_msg_id; success {\"errcode\":0,\"errmsg\":\"ok\",\"msgid\":200228332}); "
                "https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html")
SUBSCRIBE_DOC = ("vendors.md §4.4 'Subscription notification (订阅通知) — bizsend' (touser, template_id, page, "
                 "miniprogram, data; success {\"errcode\":0,\"errmsg\":\"ok\"}, no msgid); "
                 "https://developers.weixin.qq.com/doc/service/guide/product/subscription_messages/push.md")
TOKEN_DOC = ("vendors.md §4.1 'Access token: token vs stable_token' (POST /cgi-bin/stable_token, "
             "{grant_type, appid, secret, force_refresh} -> {access_token, expires_in}); "
             "https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken")
CODES_DOC = ("vendors.md §4.6 'WeChat OA error codes'; WeChat global code list "
             "https://developers.weixin.qq.com/doc/oplatform/developers/errCode/errCode.html")
ORACLE = "expected bytes computed with Python json/urllib.parse, not by the code under test"

settings = {"app_id": "wx1234567890abcdef", "app_secret": "credential:wechat_oa_app_secret"}
msg = {"id": "m-0001", "channel": "wechat-golden", "to": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "template": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
       "params": {"first": "您的账户有一笔支出", "keyword1": "尾号 8888", "keyword2": "¥1,200.00", "remark": "如非本人操作请致电 95500"},
       "url": "https://bank.example.cn/notice/m-0001"}

# errcode -> (typical errmsg, outcome, category, after_seconds)
CODES = [
    (-1, "system error", "retry", "vendor_unavailable", None),
    (40001, "invalid credential, access_token is invalid or not latest", "retry", "auth_expired", None),
    (40014, "invalid access_token", "retry", "auth_expired", None),
    (42001, "access_token expired", "retry", "auth_expired", None),
    (41001, "access_token missing", "retry", "auth_expired", None),
    (40013, "invalid appid", "reject", "auth_expired", None),
    (40164, "invalid ip 203.0.113.7, not in whitelist", "reject", "auth_expired", None),
    (61004, "access clientip is not registered", "reject", "auth_expired", None),
    (48001, "api unauthorized", "reject", "auth_expired", None),
    (48004, "api forbidden for irregularities", "reject", "auth_expired", None),
    (40003, "invalid openid", "reject", "invalid_recipient", None),
    (43004, "require subscribe", "reject", "invalid_recipient", None),
    (43101, "user refuse to accept the msg", "reject", "invalid_recipient", None),
    (45015, "response out of time limit or subscription is canceled", "reject", "invalid_recipient", None),
    (50002, "user limited", "reject", "invalid_recipient", None),
    (45009, "reach max api daily quota limit", "retry", "quota_exceeded", 3600),
    (45011, "api minute-quota reach limit, must slower, retry next minute", "retry", "throttled", 60),
    (45047, "out of response count limit", "retry", "throttled", None),
    (40036, "invalid template_id size", "reject", "content_rejected", None),
    (40037, "invalid template_id", "reject", "content_rejected", None),
    (47003, "argument invalid! data.keyword2.value invalid", "reject", "content_rejected", None),
    (47001, "data format error", "reject", "content_rejected", None),
    (45002, "content size out of limit", "reject", "content_rejected", None),
    (40066, "invalid url", "reject", "content_rejected", None),
]
RID = " rid: 6565a0f0-1a2b3c4d-5e6f7a8b"


def compact(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def pct(text):
    return urllib.parse.quote(text, safe='-._~')


def send_request(api, s, m, token=TOKEN):
    params = m.get("params", {})
    body = {"touser": m["to"], "template_id": m["template"],
            "data": {k: {"value": v} for k, v in params.items() if k != "miniprogram.pagepath"}}
    if m.get("url") is not None:
        body["url" if api == "template" else "page"] = m["url"]
    if s.get("miniprogram_app_id"):
        mini = {"appid": s["miniprogram_app_id"]}
        page = params.get("miniprogram.pagepath", s.get("miniprogram_page_path"))
        if page is not None:
            mini["pagepath"] = page
        body["miniprogram"] = mini
    if api == "template":
        body["client_msg_id"] = m["id"]
    path = "/cgi-bin/message/template/send" if api == "template" else "/cgi-bin/message/subscribe/bizsend"
    endpoint = s.get("endpoint", ENDPOINT).rstrip('/')
    return {"method": "POST", "url": endpoint + path + "?access_token=" + pct(token),
            "headers": [["Content-Type", "application/json"]], "body": compact(body)}


def reply(status, body, headers=None):
    return {"status": status, "headers": headers if headers is not None else [["Content-Type", "application/json"]],
            "body": body}


def reason(kind, category, code=None, detail=None, after=None):
    out = {"outcome": kind, "category": category}
    if code is not None: out["vendor_code"] = code
    if detail is not None: out["detail"] = detail
    if after is not None: out["after_seconds"] = after
    return out


def write(profile, name, source, files):
    d = os.path.join(here, profile, name)
    os.makedirs(d, exist_ok=True)
    for filename, value in files.items():
        if value is None: continue
        with open(os.path.join(d, filename), 'w') as f:
            json.dump(value, f, ensure_ascii=False, indent=2); f.write('\n')
    with open(os.path.join(d, 'SOURCE'), 'w') as f:
        f.write(source + "; " + ORACLE + "\n")


def send_case(api, name, source, s, m, response=None, outcome=None, token=None):
    files = {"settings.json": s, "message.json": m,
             "request.expected.json": send_request(api, s, m, token or TOKEN),
             "response.json": response, "outcome.expected.json": outcome}
    if token is not None: files["context.json"] = {"access_token": token}
    write(api, name, source, files)


for profile in ("template", "subscribe", "stable-token"):
    shutil.rmtree(os.path.join(here, profile), ignore_errors=True)

# --- template ---------------------------------------------------------------------------------------------
T = "template"
send_case(T, "ok-with-msgid", TEMPLATE_DOC + " (the documented success reply)", settings, msg,
          reply(200, '{"errcode":0,"errmsg":"ok","msgid":200228332}'),
          {"outcome": "accepted", "vendor_message_id": "200228332"})
s = dict(settings, miniprogram_app_id="wxabcdef1234567890")
m = dict(msg, params=dict(msg["params"], **{"miniprogram.pagepath": "pages/bill/index?id=42&from=notice"}))
send_case(T, "miniprogram-page-from-params", TEMPLATE_DOC + " (miniprogram {appid, pagepath}: app id from "
          "settings, page from params['miniprogram.pagepath'], kept out of data)", s, m)
s = dict(settings, miniprogram_app_id="wxabcdef1234567890", miniprogram_page_path="pages/notice/index")
send_case(T, "miniprogram-default-page", TEMPLATE_DOC + " (miniprogram page from settings.miniprogram_page_path)",
          s, dict(msg))
m = dict(msg)
del m["url"]
send_case(T, "no-url-no-miniprogram", TEMPLATE_DOC + " (url and miniprogram are optional)", settings, m)
m = dict(msg, id="m/0002 \"x\"", params={"keyword1": "He said \"hi\" \\ C:\\path\nline 2\t你好，世界 🎉👍🏽",
                                          "keyword2": "</script>&<b>"}, url="https://bank.example.cn/n?a=1&b=%20")
send_case(T, "json-escaping-and-token-encoding", TEMPLATE_DOC + " (JSON string escaping; the access token is "
          "percent-encoded in the query)", settings, m, token="tok+en/with=reserved&chars")
s = dict(settings, endpoint="http://127.0.0.1:9090/wechat/")
send_case(T, "private-endpoint", TEMPLATE_DOC + " (endpoint setting: base URL, trailing slash dropped)", s, msg,
          reply(200, '{"errcode":0,"errmsg":"ok","msgid":1}'), {"outcome": "accepted", "vendor_message_id": "1"})
for code, errmsg, kind, category, after in CODES:
    text = errmsg + RID
    send_case(T, "errcode-" + (str(code) if code >= 0 else "minus-%d" % -code), CODES_DOC + " (errcode %d '%s'; WeChat answers HTTP 200, the errmsg carries a "
              "trailing rid)" % (code, errmsg), settings, msg,
              reply(200, compact({"errcode": code, "errmsg": text})),
              reason(kind, category, str(code), text, after))
send_case(T, "errcode-unknown", CODES_DOC + " (an undocumented errcode is retried as unknown, never accepted)",
          settings, msg, reply(200, '{"errcode":99999,"errmsg":"something new"}'),
          reason("retry", "unknown", "99999", "something new"))
send_case(T, "errcode-no-errmsg", CODES_DOC + " (no errmsg: the reason says what the code means)", settings, msg,
          reply(200, '{"errcode":43004}'), reason("reject", "invalid_recipient", "43004", "user does not follow the account"))
long_msg = "x" * 250
send_case(T, "errmsg-bounded", CODES_DOC + " (a long errmsg is cut to 200 characters)", settings, msg,
          reply(200, compact({"errcode": 40037, "errmsg": long_msg})),
          reason("reject", "content_rejected", "40037", "x" * 200))
send_case(T, "http-503", TEMPLATE_DOC + "; vendors.md §4 (HTTP 5xx from the API host is a server failure: retry)", settings, msg,
          reply(503, "<html>busy</html>", [["Content-Type", "text/html"], ["Retry-After", "20"]]),
          reason("retry", "vendor_unavailable", "HTTP 503", after=20))
send_case(T, "http-429", TEMPLATE_DOC + "; vendors.md §1 retry classes (HTTP 429 is a throttle: retry, honouring Retry-After)",
          settings, msg, reply(429, "", [["Retry-After", "30"]]), reason("retry", "throttled", "HTTP 429", after=30))
send_case(T, "http-404", TEMPLATE_DOC + "; vendors.md §4 (the API answers 200; another 4xx means a wrong endpoint: reject)",
          settings, msg, reply(404, "not found", [["Content-Type", "text/plain"]]), reason("reject", "unknown", "HTTP 404"))
send_case(T, "ok-status-garbage-body", TEMPLATE_DOC + "; vendors.md §4 (replies are JSON; anything else is unclassifiable: retry)",
          settings, msg, reply(200, "<xml>gateway page</xml>", [["Content-Type", "text/html"]]),
          reason("retry", "unknown", detail="unparsable reply"))
send_case(T, "ok-status-no-errcode", TEMPLATE_DOC + "; vendors.md §4 (errors are {errcode, errmsg}; a reply without errcode "
          "is unclassifiable: retry)", settings, msg, reply(200, '{"msgid":5}'),
          reason("retry", "unknown", detail="no errcode in the reply"))

# --- subscribe --------------------------------------------------------------------------------------------
S = "subscribe"
sm = dict(msg, template="iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s",
          params={"thing1": "信用卡账单", "amount2": "1200.00", "time3": "2025-11-24 10:00"})
send_case(S, "ok-without-msgid", SUBSCRIBE_DOC + " (the documented success reply has no msgid)", settings, sm,
          reply(200, '{"errcode":0,"errmsg":"ok"}'), {"outcome": "accepted"})
s = dict(settings, miniprogram_app_id="wxabcdef1234567890")
m = dict(sm, params=dict(sm["params"], **{"miniprogram.pagepath": "pages/bill/index"}))
send_case(S, "page-and-miniprogram", SUBSCRIBE_DOC + " (url -> page; miniprogram from settings and params; no "
          "client_msg_id, which bizsend does not document)", s, m)
send_case(S, "errcode-43101", SUBSCRIBE_DOC + "; " + CODES_DOC + " (43101: the user refused this subscription)",
          settings, sm, reply(200, '{"errcode":43101,"errmsg":"user refuse to accept the msg rid: 1"}'),
          reason("reject", "invalid_recipient", "43101", "user refuse to accept the msg rid: 1"))
send_case(S, "errcode-40014", SUBSCRIBE_DOC + "; " + CODES_DOC + " (40014: token refused, refetch and retry)",
          settings, sm, reply(200, '{"errcode":40014,"errmsg":"invalid access_token"}'),
          reason("retry", "auth_expired", "40014", "invalid access_token"))

# --- stable-token -------------------------------------------------------------------------------------------
TOKEN_REQUEST = {"method": "POST", "url": ENDPOINT + "/cgi-bin/stable_token",
                 "headers": [["Content-Type", "application/json"]],
                 "body": compact({"grant_type": "client_credential", "appid": settings["app_id"], "secret": SECRET,
                                  "force_refresh": False})}


def token_case(name, source, response, expected, s=settings, request=TOKEN_REQUEST):
    write("stable-token", name, source, {"settings.json": s, "request.expected.json": request,
                                         "response.json": response, "token.expected.json": expected})


def failed(category, code=None, detail=None):
    out = {"result": "failed", "category": category}
    if code is not None: out["vendor_code"] = code
    if detail is not None: out["detail"] = detail
    return out


token_case("ok", TOKEN_DOC + " (the documented reply; expiry = now + expires_in seconds)",
           reply(200, '{"access_token":"ACCESS_TOKEN","expires_in":7200}'),
           {"result": "issued", "token": "ACCESS_TOKEN", "expires_at_ms": NOW_MS + 7200 * 1000})
token_case("ok-near-renewal", TOKEN_DOC + " (in the last 5 minutes the same token comes back with a short "
           "expires_in)", reply(200, '{"access_token":"ACCESS_TOKEN","expires_in":299}'),
           {"result": "issued", "token": "ACCESS_TOKEN", "expires_at_ms": NOW_MS + 299 * 1000})
s = dict(settings, endpoint="http://127.0.0.1:9090/wechat/")
token_case("private-endpoint", TOKEN_DOC + " (endpoint setting)", reply(200, '{"access_token":"T","expires_in":7200}'),
           {"result": "issued", "token": "T", "expires_at_ms": NOW_MS + 7200 * 1000}, s=s,
           request=dict(TOKEN_REQUEST, url="http://127.0.0.1:9090/wechat/cgi-bin/stable_token"))
token_case("errcode-40001-wrong-secret", TOKEN_DOC + "; " + CODES_DOC + " (40001 on the token call: wrong AppSecret)",
           reply(200, '{"errcode":40001,"errmsg":"invalid credential rid: 1"}'),
           failed("auth_expired", "40001", "invalid credential rid: 1"))
token_case("errcode-40013-wrong-appid", TOKEN_DOC + "; " + CODES_DOC + " (40013 invalid appid)",
           reply(200, '{"errcode":40013,"errmsg":"invalid appid"}'), failed("auth_expired", "40013", "invalid appid"))
token_case("errcode-40164-ip-whitelist", TOKEN_DOC + "; " + CODES_DOC + " (40164 caller IP not whitelisted)",
           reply(200, '{"errcode":40164,"errmsg":"invalid ip 203.0.113.7, not in whitelist"}'),
           failed("auth_expired", "40164", "invalid ip 203.0.113.7, not in whitelist"))
token_case("errcode-45009-quota", TOKEN_DOC + " (500 000 calls a day); " + CODES_DOC,
           reply(200, '{"errcode":45009,"errmsg":"reach max api daily quota limit"}'),
           failed("quota_exceeded", "45009", "reach max api daily quota limit"))
token_case("errcode-minus-1-busy", TOKEN_DOC + "; " + CODES_DOC + " (-1 system busy)",
           reply(200, '{"errcode":-1,"errmsg":"system error"}'), failed("vendor_unavailable", "-1", "system error"))
token_case("errmsg-echoing-secret", TOKEN_DOC + " (constructed: an errmsg that contained the AppSecret is dropped "
           "so the secret never reaches a Reason)",
           reply(200, compact({"errcode": 40001, "errmsg": "invalid credential, secret " + SECRET + " rid: 2"})),
           failed("auth_expired", "40001", "invalid credential"))
token_case("expired-on-arrival", TOKEN_DOC + " (constructed: expires_in 0 is no usable token)",
           reply(200, '{"access_token":"ACCESS_TOKEN","expires_in":0}'),
           failed("unknown", detail="token reply without access_token and expires_in"))
token_case("malformed-body", TOKEN_DOC + " (constructed: not JSON)", reply(200, '{"access_token":'),
           failed("unknown", detail="unparsable token reply"))
token_case("missing-expires-in", TOKEN_DOC + " (constructed: no expires_in)", reply(200, '{"access_token":"A"}'),
           failed("unknown", detail="token reply without access_token and expires_in"))
token_case("http-503", TOKEN_DOC + " (HTTP 5xx: vendor unavailable)", reply(503, "", []),
           failed("vendor_unavailable", "HTTP 503"))
