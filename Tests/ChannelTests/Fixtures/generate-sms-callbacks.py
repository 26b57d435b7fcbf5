# Regenerates Fixtures/sms-aliyun-callbacks/* and Fixtures/sms-tencent-callbacks/*: run
# `python3 generate-sms-callbacks.py` here. Delivery receipts and customer replies pushed by Alibaba Cloud SMS
# (SmsReport, SmsUp) and Tencent Cloud SMS (status report, reply) to /callbacks/<instance>.
#
# Each case folder holds settings.json, callback.json ({method, path, headers, body}), SOURCE, and either
# report.expected.json ({receipts, replies, answer}) or, for a body the adapter must refuse, problem.expected.json
# ({code, message}). Expected values come from Python's json and datetime (vendor times read as UTC+8) and from the
# carrier-status table below, written from vendors.md 2.1.8, independently of the Swift code under test.
import json, os, shutil
from datetime import datetime, timezone, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
BEIJING = timezone(timedelta(hours=8))
ORACLE = ("expected values computed with Python json/datetime (times read as UTC+8) and the carrier-status table "
          "of vendors.md 2.1.8, not by the code under test")

# vendors.md 2.1.8 (carrier list [U] from cnblogs.com/da-guang/p/5880631.html and cnblogs.com/yhdkzy/p/4238029.html;
# handling advice from support.huaweicloud.com/eu/api-msgsms/sms_05_0051.html): category and meaning per status.
CARRIER = {
    "UNDELIV": ("invalid_recipient", "undeliverable: the subscriber is suspended or abnormal"),
    "MK:0001": ("invalid_recipient", "no such subscriber"),
    "MK:0005": ("invalid_recipient", "the subscriber is suspended"),
    "MK:0013": ("invalid_recipient", "the subscriber is suspended"),
    "DB:0144": ("invalid_recipient", "the number is on a blacklist"),
    "DBBLACK": ("invalid_recipient", "the number is on a blacklist"),
    "MBBLACK": ("invalid_recipient", "the number is on a blacklist"),
    "MK:0115": ("content_rejected", "blocked as spam by the carrier"),
    "IB:0008": ("throttled", "carrier gateway flow control"),
    "DB:0142": ("throttled", "the number's daily message cap at the carrier"),
    "EXPIRED": ("unknown", "not delivered in time: the phone was off or out of coverage"),
    "MK:0010": ("unknown", "the phone was off"),
    "MK:0023": ("unknown", "the phone was off"),
    "REJECTD": ("unknown", "rejected by the carrier (cause not given)"),
}

ALIYUN_SETTINGS = {
    "access_key_id": "credential:aliyun_access_key_id",
    "access_key_secret": "credential:aliyun_access_key_secret",
    "sign_name": "示例银行",
}
TENCENT_SETTINGS = {
    "secret_id": "credential:tencent_secret_id",
    "secret_key": "credential:tencent_secret_key",
    "sms_sdk_app_id": "1400006666",
}
ALIYUN_ANSWER = {"status": 200, "content_type": "application/json", "body": '{"code":0,"msg":"接收成功"}'}
TENCENT_ANSWER = {"status": 200, "content_type": "application/json", "body": '{"result":0,"errmsg":"OK"}'}


def beijing_ms(text):
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except (TypeError, ValueError):
        return None
    return int(moment.timestamp()) * 1000


def text(value):  # a non-empty string, or a number's literal
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) and value else None


def failure(code, vendor_detail):
    category, meaning = CARRIER.get(code, ("unknown", None)) if code else ("unknown", None)
    reason = {"category": category}
    if code:
        reason["vendor_code"] = code
    detail = vendor_detail or meaning
    if detail:
        reason["detail"] = detail[:200]
    return reason


def receipt(event, vendor_id, recipient, time_ms, status, message_id=None, reason=None):
    r = {"event": event, "vendor_message_id": vendor_id, "recipient": recipient}
    if message_id:
        r["message_id"] = message_id
    if time_ms is not None:
        r["occurred_at_ms"] = time_ms
    if status:
        r["vendor_status"] = status
    if reason:
        r["reason"] = reason
    return r


def reply(sender, body, reply_id, time_ms):
    r = {"from": sender, "text": body}
    if reply_id:
        r["vendor_reply_id"] = reply_id
    if time_ms is not None:
        r["received_at_ms"] = time_ms
    return r


def writer(folder, settings):
    shutil.rmtree(os.path.join(HERE, folder), ignore_errors=True)

    def write(name, source, body, report=None, problem=None):
        d = os.path.join(HERE, folder, name)
        os.makedirs(d)

        def dump(fn, v):
            with open(os.path.join(d, fn), "w") as f:
                json.dump(v, f, ensure_ascii=False, indent=2)
                f.write("\n")

        dump("settings.json", settings)
        dump("callback.json", {"method": "POST", "path": "", "headers": [["Content-Type", "application/json"]],
                               "body": body})
        if problem is not None:
            dump("problem.expected.json", problem)
        else:
            dump("report.expected.json", report)
        with open(os.path.join(d, "SOURCE"), "w") as f:
            f.write(source + "; " + ORACLE + "\n")

    return write


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------------------
# Alibaba Cloud SMS: SmsReport and SmsUp HTTP batch push (vendors.md 2.1.7)

SMSREPORT = ("Alibaba Cloud SMS SmsReport HTTP batch push: vendors.md 2.1.7 "
             "(https://help.aliyun.com/zh/sms/developer-reference/smsreport-2, "
             "https://help.aliyun.com/document_detail/101867.html) and 2.1.8 (receipt status codes)")
SMSUP = ("Alibaba Cloud SMS SmsUp HTTP batch push: vendors.md 2.1.7 "
         "(https://help.aliyun.com/zh/sms/developer-reference/smsup-http)")
aliyun = writer("sms-aliyun-callbacks", ALIYUN_SETTINGS)


def aliyun_receipts(items):
    out = []
    for i in items:
        code = text(i.get("err_code"))
        success = i["success"] if isinstance(i["success"], bool) else i["success"] == "true"
        out.append(receipt("delivered" if success else "failed", text(i["biz_id"]), text(i["phone_number"]),
                           beijing_ms(i.get("report_time")), code, message_id=text(i.get("out_id")),
                           reason=None if success else failure(code, text(i.get("err_msg")))))
    return out


def aliyun_replies(items):
    return [reply(text(i["phone_number"]), i["content"], text(i.get("sequence_id")), beijing_ms(i.get("send_time")))
            for i in items]


# 1. The documented SmsReport sample, verbatim from vendors.md 2.1.7 (its masked number and all).
doc_report = ('[{"phone_number":"1381111****","send_time":"2017-01-01 11:12:13",\n'
              '  "report_time":"2017-02-02 22:23:24","success":true,"err_code":"DELIVERED",\n'
              '  "err_msg":"用户接收成功","sms_size":"1","biz_id":"12345","out_id":"67890"}]')
aliyun("smsreport-doc-sample", SMSREPORT + "; the doc example verbatim (values illustrative)", doc_report,
       report={"receipts": aliyun_receipts(json.loads(doc_report)), "replies": [], "answer": ALIYUN_ANSWER})

# 2. vendors.md 2.1.10 item 3: one success and one MK:0001 failure. The failure is from a SendBatchSms (no out_id)
#    and carries the OpenAPI definition's extra fields (D2: parsed leniently).
items = [
    {"phone_number": "13800138000", "send_time": "2025-11-25 00:00:01", "report_time": "2025-11-25 00:00:09",
     "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
     "biz_id": "900619746936498440^0", "out_id": "m-20251125-0001"},
    {"phone_number": "13900139000", "send_time": "2025-11-25 00:00:01", "report_time": "2025-11-25 00:01:30",
     "success": False, "err_code": "MK:0001", "err_msg": "空号", "sms_size": "1",
     "biz_id": "900619746936498441^0", "sign_name": "示例银行", "template_code": "SMS_100000001",
     "message_id": "900619746936498441", "request_id": "F655A8D5-B967-440B-8683-DAD6FF8DE990"},
]
body = compact(items)
aliyun("smsreport-delivered-and-mk0001", SMSREPORT + "; vendors.md 2.1.10 item 3, values illustrative", body,
       report={"receipts": aliyun_receipts(items), "replies": [], "answer": ALIYUN_ANSWER})

# 3. Every carrier status of the table, one unmapped status and one failure without err_code or err_msg: the
#    reason is the table's (its meaning as detail when err_msg is empty) or unknown.
items = []
for n, code in enumerate(list(CARRIER) + ["XX:9999", None]):
    item = {"phone_number": "1390000%04d" % n, "send_time": "2025-11-25 09:00:00",
            "report_time": "2025-11-25 09:%02d:00" % n, "success": False, "sms_size": "1",
            "biz_id": "80000000000000%04d^0" % n, "out_id": "m-carrier-%d" % n}
    if code is not None:
        item["err_code"] = code
        item["err_msg"] = "" if n % 2 else "运营商回执 " + code
    items.append(item)
body = compact(items)
aliyun("smsreport-carrier-codes", SMSREPORT + "; one item per carrier status of vendors.md 2.1.8, values "
       "illustrative", body, report={"receipts": aliyun_receipts(items), "replies": [], "answer": ALIYUN_ANSWER})

# 4. Alibaba retries a push until it hears code 0 (vendors.md 8 D1): the same report twice in one body parses into
#    two equal receipts; the core de-duplicates on (biz_id, phone_number).
item = {"phone_number": "13800138000", "send_time": "2025-11-25 08:00:00", "report_time": "2025-11-25 08:00:05",
        "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "2",
        "biz_id": "700000000000000001^0", "out_id": "m-dup"}
body = compact([item, item])
aliyun("smsreport-duplicate", SMSREPORT + "; vendors.md 8 D1 (pushes are retried), values illustrative", body,
       report={"receipts": aliyun_receipts([item, item]), "replies": [], "answer": ALIYUN_ANSWER})

# 5. Leniency: `success` as a string, a numeric biz_id, an empty out_id (none), an unreadable report_time (dropped),
#    an international number passed through as sent, and a leap-day time that falls on the previous UTC day.
items = [
    {"phone_number": "85291234567", "report_time": "2025/11/25 08:00", "success": "false", "err_code": "UNDELIV",
     "err_msg": "", "biz_id": 600000000000000001, "out_id": ""},
    {"phone_number": "13800138000", "report_time": "2024-02-29 07:30:15", "success": "true",
     "err_code": "DELIVERED", "biz_id": "600000000000000002^0", "out_id": "m-leap"},
]
body = compact(items)
aliyun("smsreport-lenient-fields", SMSREPORT + "; vendors.md 8 D2 (parse leniently), values illustrative", body,
       report={"receipts": aliyun_receipts(items), "replies": [], "answer": ALIYUN_ANSWER})

# 6. vendors.md 2.1.10 item 4: the documented SmsUp sample (numeric sequence_id, ` : ` spacing, read from the doc's
#    mirror cbony/dysms) and a `TD` opt-out.
doc_up = ('[\n  {\n    "phone_number" : "18612345678",\n    "send_time" : "2017-09-01 00:00:00",\n'
          '    "content" : "内容",\n    "sign_name" : "签名",\n    "dest_code" : "1234",\n'
          '    "sequence_id" : 1234567890\n  },\n'
          '  {\n    "phone_number" : "13900000001",\n    "send_time" : "2024-02-29 07:30:15",\n'
          '    "content" : "TD",\n    "sign_name" : "示例银行",\n    "dest_code" : "",\n'
          '    "sequence_id" : "1234567891"\n  }\n]')
aliyun("smsup-td", SMSUP + "; item 1 the doc sample, item 2 a TD opt-out (vendors.md 2.1.10 item 4), values "
       "illustrative", doc_up,
       report={"receipts": [], "replies": aliyun_replies(json.loads(doc_up)), "answer": ALIYUN_ANSWER})

# 7. One instance URL receives both pushes: a body mixing them is read item by item.
items = [
    {"phone_number": "13800138000", "send_time": "2025-11-25 10:00:00", "content": "R", "sign_name": "示例银行",
     "dest_code": "01", "sequence_id": 555},
    {"phone_number": "13800138000", "send_time": "2025-11-25 09:59:00", "report_time": "2025-11-25 09:59:05",
     "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1", "biz_id": "555^0",
     "out_id": "m-mixed"},
]
body = compact(items)
aliyun("mixed-report-and-up", SMSREPORT + " and " + SMSUP + "; told apart by shape, values illustrative", body,
       report={"receipts": aliyun_receipts(items[1:]), "replies": aliyun_replies(items[:1]),
               "answer": ALIYUN_ANSWER})

# 8. An empty batch is answered and carries nothing.
aliyun("empty-array", SMSREPORT + "; an empty JSON array", "[]",
       report={"receipts": [], "replies": [], "answer": ALIYUN_ANSWER})

# Refused bodies: the problem names positions and fields, never a number or text from the body.
def bad(message):
    return {"code": "bad_request", "message": message}


aliyun("malformed-not-json", SMSREPORT + "; a truncated body", '[{"phone_number":"13800138000","success":tr',
       problem=bad("the SmsReport/SmsUp body is not JSON: unexpected end of input at byte 41"))
aliyun("malformed-scalar-root", SMSREPORT + "; a string instead of an array", '"13800138000"',
       problem=bad("expected a JSON array of SmsReport/SmsUp items, found a string"))
aliyun("malformed-item-not-object", SMSREPORT + "; an array of numbers", '[13800138000]',
       problem=bad("item 1 of 1 is a number, not an object"))
aliyun("malformed-neither-kind", SMSREPORT + "; an item with neither success nor content",
       compact([{"phone_number": "13800138000", "biz_id": "1^0", "err_code": "DELIVERED"}]),
       problem=bad("item 1 of 1 is neither an SmsReport (no 'success') nor an SmsUp (no 'content')"))
aliyun("malformed-no-biz-id", SMSREPORT + "; an SmsReport without biz_id",
       compact([{"phone_number": "13800138000", "success": True, "err_code": "DELIVERED", "out_id": "m-1"},
                {"phone_number": "13900139000", "success": True, "err_code": "DELIVERED", "out_id": "m-2"}]),
       problem=bad("SmsReport item 1 of 2 has no 'biz_id' (a string or number)"))
aliyun("malformed-success-not-boolean", SMSREPORT + "; success as a number",
       compact([{"phone_number": "13800138000", "success": 1, "biz_id": "1^0"}]),
       problem=bad("SmsReport item 1 of 1 has a 'success' that is not a boolean"))
aliyun("malformed-smsup-no-phone", SMSUP + "; an SmsUp without phone_number",
       compact([{"content": "退订", "send_time": "2025-11-25 10:00:00", "sequence_id": 1}]),
       problem=bad("SmsUp item 1 of 1 has no 'phone_number' (a string or number)"))

# ---------------------------------------------------------------------------------------------------------------
# Tencent Cloud SMS: status-report and reply callbacks (vendors.md 2.2.6)

REPORT = ("Tencent Cloud SMS status-report callback: vendors.md 2.2.6 (https://cloud.tencent.com/document/api/382/5807, "
          "https://www.tencentcloud.com/document/api/382/43547); carrier statuses per vendors.md 2.1.8")
REPLY = ("Tencent Cloud SMS reply callback: vendors.md 2.2.6 (https://cloud.tencent.com/document/api/382/5809, "
         "https://www.tencentcloud.com/document/api/382/43548)")
tencent = writer("sms-tencent-callbacks", TENCENT_SETTINGS)


def tencent_number(i):
    mobile, code = text(i.get("mobile")), text(i.get("nationcode"))
    return mobile if mobile.startswith("+") or not code or not code.isdigit() else "+" + code + mobile


def tencent_receipts(items):
    out = []
    for i in items:
        status = text(i.get("errmsg"))
        ok = i["report_status"] == "SUCCESS"
        out.append(receipt("delivered" if ok else "failed", text(i["sid"]), tencent_number(i),
                           beijing_ms(i.get("user_receive_time")), status,
                           reason=None if ok else failure(status, text(i.get("description")))))
    return out


def tencent_replies(items):
    return [reply(tencent_number(i), i["text"], None, i["time"] * 1000 if "time" in i else None) for i in items]


# 1. The documented sample (the Chinese page's), verbatim.
doc_report = ('[\n{\n"user_receive_time": "2015-10-17 08:03:04",\n"nationcode": "86",\n"mobile": "13xxxxxxxxx",\n'
              '"report_status": "SUCCESS",\n"errmsg": "DELIVRD",\n"description": "用户短信送达成功",\n'
              '"sid": "xxxxxxx"\n}\n]')
tencent("report-doc-sample", REPORT + "; the doc example verbatim (values illustrative)", doc_report,
        report={"receipts": tencent_receipts(json.loads(doc_report)), "replies": [], "answer": TENCENT_ANSWER})

# 2. One delivered, one MK:0001 failure, and an international (852) number that expired.
items = [
    {"user_receive_time": "2025-11-25 00:00:09", "nationcode": "86", "mobile": "13800138000",
     "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功",
     "sid": "2640:359117440517644015062941061"},
    {"user_receive_time": "2025-11-25 00:01:30", "nationcode": "86", "mobile": "13900139000",
     "report_status": "FAIL", "errmsg": "MK:0001", "description": "空号", "sid": "2640:359117440517644015062941062"},
    {"user_receive_time": "2025-11-26 00:00:00", "nationcode": "852", "mobile": "91234567",
     "report_status": "FAIL", "errmsg": "EXPIRED", "description": "", "sid": "2640:359117440517644015062941063"},
]
body = compact(items)
tencent("report-success-and-failures", REPORT + "; values illustrative", body,
        report={"receipts": tencent_receipts(items), "replies": [], "answer": TENCENT_ANSWER})

# 3. A few more carrier statuses: a blacklist, flow control, an unmapped status, a failure without errmsg.
items = []
for n, code in enumerate(["DBBLACK", "IB:0008", "MK:0115", "XX:9999", None]):
    item = {"user_receive_time": "2025-11-25 12:%02d:00" % n, "nationcode": "86", "mobile": "1370000%04d" % n,
            "report_status": "FAIL", "description": "回执 %d" % n if n % 2 else "", "sid": "2640:%d" % n}
    if code is not None:
        item["errmsg"] = code
    items.append(item)
body = compact(items)
tencent("report-carrier-codes", REPORT + "; values illustrative", body,
        report={"receipts": tencent_receipts(items), "replies": [], "answer": TENCENT_ANSWER})

# 4. The same report twice: two equal receipts (the core de-duplicates on sid and number).
item = {"user_receive_time": "2025-11-25 08:00:05", "nationcode": "86", "mobile": "13800138000",
        "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功", "sid": "2640:dup"}
body = compact([item, item])
tencent("report-duplicate", REPORT + "; a report pushed twice, values illustrative", body,
        report={"receipts": tencent_receipts([item, item]), "replies": [], "answer": TENCENT_ANSWER})

# 5. The documented reply sample, verbatim (one object).
doc_reply = ('{\n"extend": "扩展码",\n"mobile": "13xxxxxxxxx",\n"nationcode": "86",\n"sign": "短信签名",\n'
             '"text": "用户回复的内容",\n"time": 1457336869\n}')
tencent("reply-doc-sample", REPLY + "; the doc example verbatim (values illustrative)", doc_reply,
        report={"receipts": [], "replies": tencent_replies([json.loads(doc_reply)]), "answer": TENCENT_ANSWER})

# 6. An `R` opt-out (the current marketing wording, vendors.md 2.2.8) with an empty extend.
item = {"extend": "", "mobile": "13800138000", "nationcode": "86", "sign": "示例银行", "text": "R",
        "time": 1764000000}
tencent("reply-opt-out-r", REPLY + "; an R opt-out (vendors.md 2.2.8), values illustrative", compact(item),
        report={"receipts": [], "replies": tencent_replies([item]), "answer": TENCENT_ANSWER})

tencent("malformed-not-json", REPORT + "; not JSON", "result=0&mobile=13800138000",
        problem=bad("the status report/reply body is not JSON: unexpected character at byte 0"))
tencent("malformed-unknown-report-status", REPORT + "; a report_status other than SUCCESS/FAIL",
        compact([{"nationcode": "86", "mobile": "13800138000", "report_status": "DELIVRD", "sid": "2640:1"}]),
        problem=bad("status report item 1 of 1 has a 'report_status' other than SUCCESS or FAIL"))
tencent("malformed-no-sid", REPORT + "; a report without sid",
        compact([{"nationcode": "86", "mobile": "13800138000", "report_status": "SUCCESS", "errmsg": "DELIVRD"}]),
        problem=bad("status report item 1 of 1 has no 'sid' (a string or number)"))
tencent("malformed-neither-kind", REPORT + "; an item with neither report_status nor text",
        compact({"nationcode": "86", "mobile": "13800138000", "sid": "2640:1"}),
        problem=bad("item 1 of 1 is neither a status report (no 'report_status') nor a reply (no 'text')"))
tencent("malformed-reply-no-mobile", REPLY + "; a reply without mobile",
        compact({"nationcode": "86", "sign": "示例银行", "text": "退订", "time": 1764000000}),
        problem=bad("reply item 1 of 1 has no 'mobile' (a string or number)"))
