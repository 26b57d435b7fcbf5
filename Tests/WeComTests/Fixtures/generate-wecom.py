# Regenerates Fixtures/{app,external_contact,robot,token}/*: run `python3 generate-wecom.py` here. Expected bytes
# come from Python json (sorted keys, compact) and urllib.parse.quote, an oracle independent of the Swift code
# under test. Request and reply shapes follow /work/shared/docs/vendors.md section 3 and the WeCom pages named in
# each case's SOURCE.
import json, os, shutil, urllib.parse
here = os.path.dirname(os.path.abspath(__file__))
ENDPOINT = "https://qyapi.weixin.qq.com"
TOKEN = "wecom-test-token"          # the access token of the tests' fixed RequestContext
NOW_MS = 1764000000000               # its time
SRC_APP = ("vendors.md §3.2 'App message — message/send' and §3.6 'WeCom error codes'; "
           "https://developer.work.weixin.qq.com/document/path/90236 (message/send), "
           "https://developer.work.weixin.qq.com/document/path/90455 (global error codes)")
SRC_EXT = ("vendors.md §3.3 'Customer (external contact) group send' and §3.6; "
           "https://developer.work.weixin.qq.com/document/path/92135 (add_msg_template), "
           "binarywang/WxJava WxCpMsgTemplate.java (field limits)")
SRC_ROBOT = ("vendors.md §3.4 'Group robot (群机器人) webhook' and §3.6; "
             "https://developer.work.weixin.qq.com/document/path/91770 (robot webhook), "
             "binarywang/WxJava WxCpErrorMsgEnum.java (93000/93004/93008)")
SRC_TOKEN = ("vendors.md §3.1 'Access token — gettoken' and §3.6; "
             "https://developer.work.weixin.qq.com/document/path/91039 (gettoken)")
NOTE = "; replies constructed from the documented shapes, expected bytes computed with Python json/urllib.parse\n"

def body(obj):
    return json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
def pct(s):
    return urllib.parse.quote(s, safe='-._~')
def reply(status, obj=None, raw=None, headers=None):
    text = raw if raw is not None else body(obj)
    return {"status": status, "headers": headers or [["Content-Type", "application/json; charset=UTF-8"]],
            "body": text}
def post(url, obj):
    return {"method": "POST", "url": url, "headers": [["Content-Type", "application/json"]], "body": body(obj)}

def write(kind, name, source, files):
    d = os.path.join(here, kind, name); os.makedirs(d, exist_ok=True)
    for fn, v in files.items():
        with open(os.path.join(d, fn), 'w') as f:
            json.dump(v, f, ensure_ascii=False, indent=2); f.write('\n')
    with open(os.path.join(d, 'SOURCE'), 'w') as f: f.write(source + NOTE)

def case(kind, name, source, settings, messages, request, response=None, outcome=None, context=None):
    files = {"settings.json": settings, "messages.json": messages, "request.expected.json": request}
    if context is not None: files["context.json"] = context
    if response is not None:
        files["response.json"] = response; files["outcome.expected.json"] = outcome
    write(kind, name, source, files)

def accepted(mid=None):
    return {"outcome": "accepted", **({"vendor_message_id": mid} if mid is not None else {})}
def retry(cat, code=None, detail=None, after=None):
    o = {"outcome": "retry", "category": cat}
    if code is not None: o["vendor_code"] = code
    if detail is not None: o["detail"] = detail
    if after is not None: o["after_seconds"] = after
    return o
def reject(cat, code=None, detail=None):
    o = {"outcome": "reject", "category": cat}
    if code is not None: o["vendor_code"] = code
    if detail is not None: o["detail"] = detail
    return o

for kind in ("app", "external_contact", "robot", "token"):
    shutil.rmtree(os.path.join(here, kind), ignore_errors=True)

# ---------------------------------------------------------------- app
APP = {"corp_id": "ww1234567890abcdef", "corp_secret": "credential:wecom_corp_secret", "agent_id": 1000002}
SEND = ENDPOINT + "/cgi-bin/message/send?access_token=" + pct(TOKEN)
def msg(to="zhangsan", **kw):
    m = {"id": "m-0001", "channel": "wecom-golden", "to": to}
    m.update(kw); return m
def app_body(m, **extra):
    return {"agentid": 1000002, "touser": m["to"], **extra}
TEXT = msg(content='余额变动提醒："尾号1234" 支出 100.00 元\n详情见 <a href="https://bank.example/t?a=1&b=2">这里</a> 🎉')
text_req = post(SEND, app_body(TEXT, msgtype="text", text={"content": TEXT["content"]}))
OK = {"errcode": 0, "errmsg": "ok", "msgid": "ws0a1b2c3d4e5f", "invaliduser": "", "response_code": "rc-1"}
case("app", "text-accepted", SRC_APP, APP, [TEXT], text_req, reply(200, OK), accepted("ws0a1b2c3d4e5f"))

CARD = msg(title="账单已出", content="<div class=\"gray\">2025年11月</div>本期应还 3,210.00 元",
           url="https://bank.example/bill?id=42&src=wecom")
s = dict(APP, button_text="查看")
case("app", "textcard-auto", SRC_APP, s, [CARD],
     post(SEND, app_body(CARD, msgtype="textcard", textcard={"title": CARD["title"], "description": CARD["content"],
                                                             "url": CARD["url"], "btntxt": "查看"})),
     reply(200, OK), accepted("ws0a1b2c3d4e5f"))

MD = msg(content="# 到期提醒\n> 定期存款 **明日到期**\n[详情](https://bank.example/d)\t\"ok\" \\ done")
s = dict(APP, msgtype="markdown")
case("app", "markdown-escaping", SRC_APP, s, [MD],
     post(SEND, app_body(MD, msgtype="markdown", markdown={"content": MD["content"]})))

NEWS = msg(title="理财讲座", content="周六 14:00", url="https://bank.example/n/1", params={"picurl": "https://bank.example/p.png"})
s = dict(APP, msgtype="news")
case("app", "news-article", SRC_APP, s, [NEWS],
     post(SEND, app_body(NEWS, msgtype="news", news={"articles": [{"title": NEWS["title"], "description": NEWS["content"],
                                                                    "url": NEWS["url"], "picurl": NEWS["params"]["picurl"]}]})),
     reply(200, OK), accepted("ws0a1b2c3d4e5f"))

s = dict(APP, msgtype="text", safe=True, duplicate_check_interval="30m")
PLAIN = msg(to="li.si@branch-01", content="您的验证码为 123456")
case("app", "safe-duplicate-check", SRC_APP, s, [PLAIN],
     post(SEND, app_body(PLAIN, msgtype="text", text={"content": PLAIN["content"]}, safe=1,
                         enable_duplicate_check=1, duplicate_check_interval=1800)))

s = dict(APP, endpoint="http://127.0.0.1:9080/wecom/")
tok = "a/b+c=d e"
case("app", "endpoint-and-token-encoding", SRC_APP, s, [PLAIN],
     post("http://127.0.0.1:9080/wecom/cgi-bin/message/send?access_token=" + pct(tok),
          app_body(PLAIN, msgtype="text", text={"content": PLAIN["content"]})),
     context={"access_token": tok})

# A batch of three with equal content: touser joined by |, per-recipient outcome.
B = [msg(to=u, id="m-%d" % i, content="系统维护通知：今晚 23:00-24:00") for i, u in enumerate(["zhangsan", "Bob", "carol"])]
breq = post(SEND, {"agentid": 1000002, "touser": "zhangsan|Bob|carol", "msgtype": "text", "text": {"content": B[0]["content"]}})
case("app", "batch-invaliduser", SRC_APP, APP, B, breq,
     reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "bob", "unlicenseduser": "carol", "msgid": "ws-batch-1"}),
     [accepted("ws-batch-1"),
      reject("invalid_recipient", "invaliduser", "listed in the reply's invaliduser"),
      reject("invalid_recipient", "unlicenseduser", "listed in the reply's unlicenseduser")])
case("app", "batch-token-expired", SRC_APP, APP, B, breq,
     reply(200, {"errcode": 42001, "errmsg": "access_token expired, hint: [1764000000_1_abc]"}),
     retry("auth_expired", "42001", "access_token expired, hint: [1764000000_1_abc]"))

case("app", "single-invaliduser", SRC_APP, APP, [PLAIN],
     post(SEND, app_body(PLAIN, msgtype="text", text={"content": PLAIN["content"]})),
     reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "LI.SI@branch-01", "msgid": "ws-2"}),
     reject("invalid_recipient", "invaliduser", "listed in the reply's invaliduser"))

def err(code, msg_):
    return reply(200, {"errcode": code, "errmsg": msg_})
for name, code, m_, out in [
    ("errcode-40014-invalid-token", 40014, "invalid access_token", "retry/auth_expired"),
    ("errcode-40001-invalid-credential", 40001, "invalid credential", "retry/auth_expired"),
    ("errcode-41001-token-missing", 41001, "access_token missing", "retry/auth_expired"),
    ("errcode-81013-all-invalid", 81013, "user & party & tag all invalid", "reject/invalid_recipient"),
    ("errcode-45009-frequency", 45009, "api freq out of limit", "retry/throttled"),
    ("errcode-60020-ip-not-allowed", 60020, "not allow to access from your ip", "reject/auth_expired"),
    ("errcode-minus1-busy", -1, "system busy", "retry/vendor_unavailable"),
    ("errcode-44004-empty-content", 44004, "empty content", "reject/content_rejected"),
    ("errcode-unmapped", 99999, "something new", "retry/unknown"),
]:
    kind_, cat = out.split("/")
    expected = (retry if kind_ == "retry" else reject)(cat, str(code), m_)
    case("app", name, SRC_APP, APP, [TEXT], text_req, err(code, m_), expected)
case("app", "http-429-retry-after", SRC_APP, APP, [TEXT], text_req,
     reply(429, raw="", headers=[["Retry-After", "7"]]), retry("throttled", "HTTP 429", after=7))
case("app", "http-502", SRC_APP, APP, [TEXT], text_req,
     reply(502, raw="<html>Bad Gateway</html>", headers=[["Content-Type", "text/html"]]),
     retry("vendor_unavailable", "HTTP 502"))
case("app", "ok-status-garbage-body", SRC_APP, APP, [TEXT], text_req,
     reply(200, raw="<html>maintenance</html>", headers=[["Content-Type", "text/html"]]),
     retry("unknown", detail="unparsable reply"))
case("app", "ok-status-no-errcode", SRC_APP, APP, [TEXT], text_req,
     reply(200, {"errmsg": "ok"}), retry("unknown", detail="reply without errcode"))

# ---------------------------------------------------------------- external_contact
EXT = {"corp_id": "ww1234567890abcdef", "corp_secret": "credential:wecom_contact_secret"}
ADD = ENDPOINT + "/cgi-bin/externalcontact/add_msg_template?access_token=" + pct(TOKEN)
C1 = msg(to="wmqfasd1e1927831123109rBAAAA", content="尊敬的客户，您关注的理财产品今日开售。")
case("external_contact", "text-accepted", SRC_EXT, EXT, [C1],
     post(ADD, {"chat_type": "single", "external_userid": [C1["to"]], "text": {"content": C1["content"]}}),
     reply(200, {"errcode": 0, "errmsg": "ok", "fail_list": [], "msgid": "msgGCAAAXtWyujaWJHDDGi0mAAAA"}),
     accepted("msgGCAAAXtWyujaWJHDDGi0mAAAA"))
s = dict(EXT, sender="zhangsan", allow_select=True)
C2 = msg(to="woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA", content="新品上线", title="稳健理财 A 款",
         url="https://bank.example/p/a?from=wecom", params={"picurl": "https://bank.example/a.png"})
case("external_contact", "link-attachment", SRC_EXT, s, [C2],
     post(ADD, {"chat_type": "single", "external_userid": [C2["to"]], "sender": "zhangsan", "allow_select": True,
                "text": {"content": C2["content"]},
                "attachments": [{"msgtype": "link", "link": {"title": C2["title"], "url": C2["url"],
                                                             "picurl": C2["params"]["picurl"]}}]}))
CB = [msg(to=u, id="m-%d" % i, content="年末活动") for i, u in enumerate(["wmA1", "wmB2", "wmC3"])]
case("external_contact", "batch-fail-list", SRC_EXT, EXT, CB,
     post(ADD, {"chat_type": "single", "external_userid": ["wmA1", "wmB2", "wmC3"], "text": {"content": "年末活动"}}),
     reply(200, {"errcode": 0, "errmsg": "ok", "fail_list": ["wmB2"], "msgid": "msg-task-9"}),
     [accepted("msg-task-9"), reject("invalid_recipient", "fail_list", "listed in the reply's fail_list"),
      accepted("msg-task-9")])
ext_req = post(ADD, {"chat_type": "single", "external_userid": [C1["to"]], "text": {"content": C1["content"]}})
case("external_contact", "errcode-41048-no-customer", SRC_EXT, EXT, [C1], ext_req,
     err(41048, "no valid external contact"), reject("invalid_recipient", "41048", "no valid external contact"))
case("external_contact", "errcode-42001-token-expired", SRC_EXT, EXT, [C1], ext_req,
     err(42001, "access_token expired"), retry("auth_expired", "42001", "access_token expired"))
case("external_contact", "errcode-84074-no-permission", SRC_EXT, EXT, [C1], ext_req,
     err(84074, "no external contact permission"), reject("auth_expired", "84074", "no external contact permission"))

# ---------------------------------------------------------------- robot
ROBOT = {"key": "credential:wecom_robot_key"}
HOOK = ENDPOINT + "/cgi-bin/webhook/send?key=" + pct("test-secret-wecom_robot_key")
R1 = msg(to="@group", content="批量代发任务 #42 已完成：成功 1,024 笔")
robot_req = post(HOOK, {"msgtype": "text", "text": {"content": R1["content"]}})
case("robot", "text-group", SRC_ROBOT, ROBOT, [R1], robot_req, reply(200, {"errcode": 0, "errmsg": "ok"}), accepted())
R2 = msg(to="@all", content="系统将于 23:00 维护")
case("robot", "text-mention-all", SRC_ROBOT, ROBOT, [R2],
     post(HOOK, {"msgtype": "text", "text": {"content": R2["content"], "mentioned_list": ["@all"]}}))
R3 = msg(to="zhangsan,tel:13800138000,li.si,tel:+8613900139000", content="请复核大额转账")
case("robot", "text-mentions", SRC_ROBOT, ROBOT, [R3],
     post(HOOK, {"msgtype": "text", "text": {"content": R3["content"], "mentioned_list": ["zhangsan", "li.si"],
                                             "mentioned_mobile_list": ["13800138000", "+8613900139000"]}}))
s = dict(ROBOT, msgtype="markdown")
R4 = msg(to="@group", content="# 日报\n> 交易 <font color=\"info\">正常</font>\n<@zhangsan>")
case("robot", "markdown-group", SRC_ROBOT, s, [R4],
     post(HOOK, {"msgtype": "markdown", "markdown": {"content": R4["content"]}}))
s = {"key": "credential:odd key", "endpoint": "http://127.0.0.1:9080"}
case("robot", "endpoint-and-key-encoding", SRC_ROBOT, s, [R1],
     post("http://127.0.0.1:9080/cgi-bin/webhook/send?key=" + pct("test-secret-odd key"),
          {"msgtype": "text", "text": {"content": R1["content"]}}))
case("robot", "errcode-45009-over-limit", SRC_ROBOT, ROBOT, [R1], robot_req,
     err(45009, "api freq out of limit"), retry("throttled", "45009", "api freq out of limit"))
case("robot", "errcode-93000-invalid-webhook", SRC_ROBOT, ROBOT, [R1], robot_req,
     err(93000, "invalid webhook url"), reject("auth_expired", "93000", "invalid webhook url"))
long_msg = "x" * 260
case("robot", "errcode-detail-bounded", SRC_ROBOT, ROBOT, [R1], robot_req,
     err(82004, long_msg), reject("content_rejected", "82004", "x" * 200))

# ---------------------------------------------------------------- token
TOKEN_REQ = {"method": "GET", "url": ENDPOINT + "/cgi-bin/gettoken?corpid=" + pct(APP["corp_id"]) + "&corpsecret="
             + pct("test-secret-wecom_corp_secret"), "headers": [], "body": ""}
def token_case(name, response, expected, settings=APP, request=TOKEN_REQ):
    write("token", name, SRC_TOKEN, {"settings.json": settings, "request.expected.json": request,
                                     "response.json": response, "token.expected.json": expected})
token_case("issued", reply(200, {"errcode": 0, "errmsg": "ok", "access_token": "accesstoken000001", "expires_in": 7200}),
           {"result": "issued", "token": "accesstoken000001", "expires_at_ms": NOW_MS + 7200 * 1000})
token_case("errcode-40001-bad-secret", err(40001, "invalid credential"),
           {"result": "failed", "category": "auth_expired", "vendor_code": "40001", "detail": "invalid credential"})
token_case("errcode-40013-bad-corpid", err(40013, "invalid corpid"),
           {"result": "failed", "category": "auth_expired", "vendor_code": "40013", "detail": "invalid corpid"})
token_case("errcode-minus1-busy", err(-1, "system busy"),
           {"result": "failed", "category": "vendor_unavailable", "vendor_code": "-1", "detail": "system busy"})
token_case("expires-in-zero", reply(200, {"errcode": 0, "errmsg": "ok", "access_token": "t", "expires_in": 0}),
           {"result": "failed", "category": "unknown", "detail": "token reply without access_token or expires_in"})
token_case("no-access-token", reply(200, {"errcode": 0, "errmsg": "ok"}),
           {"result": "failed", "category": "unknown", "detail": "token reply without access_token or expires_in"})
token_case("malformed-body", reply(200, raw='{"errcode":0,"access_token":'),
           {"result": "failed", "category": "unknown", "detail": "unparsable reply"})
token_case("http-503", reply(503, raw=""), {"result": "failed", "category": "vendor_unavailable", "vendor_code": "HTTP 503"})
s = dict(APP, corp_id="ww id&x", endpoint="http://127.0.0.1:9080/")
token_case("encoding-and-endpoint", reply(200, {"errcode": 0, "access_token": "t2", "expires_in": 60}),
           {"result": "issued", "token": "t2", "expires_at_ms": NOW_MS + 60000}, settings=s,
           request={"method": "GET", "url": "http://127.0.0.1:9080/cgi-bin/gettoken?corpid=" + pct("ww id&x")
                    + "&corpsecret=" + pct("test-secret-wecom_corp_secret"), "headers": [], "body": ""})
