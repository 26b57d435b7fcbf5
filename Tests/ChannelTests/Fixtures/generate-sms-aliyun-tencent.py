# Regenerates Fixtures/sms-aliyun/* and Fixtures/sms-tencent/*: run `python3 generate-sms-aliyun-tencent.py` here.
# Expected requests are computed with Python's hmac, hashlib, base64, json and urllib.parse, following the vendors'
# signing procedures (vendors.md 2.1.2 and 2.2.2) independently of the Swift code under test.
import base64, copy, hashlib, hmac, json, os, shutil, urllib.parse
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
NOW_MS = 1_764_000_000_000  # fixedContext in ChannelTestSupport.swift
NONCE, ATTEMPT = 42, 1


def secret(name):  # TestConfig.secretValue
    return "test-secret-" + name


def compact(value):  # JSONValue.serialized: compact, keys sorted, non-ASCII as UTF-8
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def writer(folder, source):
    def write(name, settings, message, request, response=None, outcome=None, messages=None):
        d = os.path.join(HERE, folder, name)
        os.makedirs(d, exist_ok=True)

        def dump(fn, v):
            with open(os.path.join(d, fn), "w") as f:
                json.dump(v, f, ensure_ascii=False, indent=2)
                f.write("\n")

        dump("settings.json", settings)
        if messages is not None:
            dump("messages.json", messages)
        else:
            dump("message.json", message)
        dump("request.expected.json", request)
        if response is not None:
            dump("response.json", response)
            dump("outcome.expected.json", outcome)
        with open(os.path.join(d, "SOURCE"), "w") as f:
            f.write(source)

    shutil.rmtree(os.path.join(HERE, folder), ignore_errors=True)
    return write


def reply(status, body, headers=None):
    return {"status": status, "headers": headers or [["Content-Type", "application/json;charset=utf-8"]], "body": body}


# ---------------------------------------------------------------------------------------------------------------
# Alibaba Cloud SMS (dysmsapi 2017-05-25)

ALIYUN_SOURCE = (
    "Alibaba Cloud SMS dysmsapi 2017-05-25: vendors.md 2.1.2 (RPC v1 signature, "
    "https://help.aliyun.com/document_detail/101343.html), 2.1.4 (SendSms https://help.aliyun.com/document_detail/55284.html, "
    "SendBatchSms https://help.aliyun.com/document_detail/66041.html), 2.1.5 (replies), 2.1.6 (error codes, "
    "https://help.aliyun.com/document_detail/101346.html); reply bodies constructed in the documented shape; expected "
    "bytes computed with Python hmac/base64/urllib.parse, not by the code under test\n"
)
aliyun = writer("sms-aliyun", ALIYUN_SOURCE)


def pe(s):
    return urllib.parse.quote(s, safe="-_.~")


def aliyun_request(settings, business):
    ts = datetime.fromtimestamp(NOW_MS // 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {
        "AccessKeyId": secret(settings["access_key_id"][len("credential:"):]),
        "Format": "JSON",
        "RegionId": settings.get("region_id", "cn-hangzhou"),
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "%016x-%d" % (NONCE, ATTEMPT),
        "SignatureVersion": "1.0",
        "Timestamp": ts,
        "Version": "2017-05-25",
    }
    params.update(business)
    pairs = sorted((pe(k), pe(v)) for k, v in params.items())
    query = "&".join("%s=%s" % p for p in pairs)
    to_sign = "POST&%2F&" + pe(query)
    key = (secret(settings["access_key_secret"][len("credential:"):]) + "&").encode()
    sig = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha1).digest()).decode()
    return {
        "method": "POST",
        "url": settings.get("endpoint", "https://dysmsapi.aliyuncs.com/"),
        "headers": [["Content-Type", "application/x-www-form-urlencoded"], ["Accept", "application/json"]],
        "body": query + "&Signature=" + pe(sig),
    }


def aliyun_number(to):
    if to.startswith("+86"):
        return to[3:]
    return to[1:] if to.startswith("+") else to


def send_sms(settings, m):
    business = {
        "Action": "SendSms",
        "OutId": m["id"],
        "PhoneNumbers": aliyun_number(m["to"]),
        "SignName": settings["sign_name"],
        "TemplateCode": m.get("template") or settings["template_code"],
    }
    if m.get("params"):
        business["TemplateParam"] = compact(m["params"])
    return aliyun_request(settings, business)


def send_batch(settings, ms):
    business = {
        "Action": "SendBatchSms",
        "PhoneNumberJson": compact([aliyun_number(m["to"]) for m in ms]),
        "SignNameJson": compact([settings["sign_name"] for _ in ms]),
        "TemplateCode": ms[0].get("template") or settings["template_code"],
    }
    if any(m.get("params") for m in ms):
        business["TemplateParamJson"] = compact([m.get("params", {}) for m in ms])
    return aliyun_request(settings, business)


A = {
    "access_key_id": "credential:aliyun_id",
    "access_key_secret": "credential:aliyun_secret",
    "sign_name": "示例银行",
    "template_code": "SMS_100000001",
}
am = {"id": "m-0001", "channel": "sms-aliyun", "to": "+8613800138000", "template": "SMS_71390007",
      "params": {"code": "123456", "name": "张三"}}


def ali(code, message, extra=None):
    body = {"Code": code, "Message": message, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"}
    body.update(extra or {})
    return json.dumps(body, ensure_ascii=False)


aliyun("send-ok", A, am, send_sms(A, am),
       reply(200, ali("OK", "OK", {"BizId": "900619746936498440^0"})),
       {"outcome": "accepted", "vendor_message_id": "900619746936498440^0"})
m = {"id": "m-0002", "channel": "sms-aliyun", "to": "13800138000"}
aliyun("default-template-business-limit", A, m, send_sms(A, m),
       reply(200, ali("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")),
       {"outcome": "retry", "category": "throttled", "vendor_code": "isv.BUSINESS_LIMIT_CONTROL",
        "detail": "触发分钟级流控Permits:1", "after_seconds": 60})
m = dict(am, id="m-0003", to="+85291234567")
aliyun("international-number-illegal", A, m, send_sms(A, m),
       reply(200, ali("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")),
       {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "isv.MOBILE_NUMBER_ILLEGAL",
        "detail": "非法手机号"})
m = dict(am, id="m/0004 &x=1", params={"name": 'He said "hi" \\ & =+ 100%\nline 2 🎉', "amount": "1,000.00"})
aliyun("param-escaping-template-illegal", A, m, send_sms(A, m),
       reply(200, ali("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")),
       {"outcome": "reject", "category": "content_rejected", "vendor_code": "isv.SMS_TEMPLATE_ILLEGAL",
        "detail": "该账号下找不到对应模板"})
s = dict(A, endpoint="http://127.0.0.1:9080/aliyun/", region_id="cn-shanghai")
aliyun("private-endpoint-system-error", s, am, send_sms(s, am),
       reply(200, ali("isp.SYSTEM_ERROR", "System error")),
       {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "isp.SYSTEM_ERROR",
        "detail": "System error"})
aliyun("amount-not-enough", A, am, send_sms(A, am),
       reply(200, ali("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")),
       {"outcome": "reject", "category": "quota_exceeded", "vendor_code": "isv.AMOUNT_NOT_ENOUGH",
        "detail": "账户余额不足"})
aliyun("http-503", A, am, send_sms(A, am), reply(503, "Service Unavailable", [["Content-Type", "text/plain"]]),
       {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 503"})
aliyun("ok-status-garbage-body", A, am, send_sms(A, am),
       reply(200, "<html>502 Bad Gateway</html>", [["Content-Type", "text/html"]]),
       {"outcome": "retry", "category": "unknown", "detail": "unparsable reply"})
# The OpenAPI gateway quotes the string to sign, which holds the AccessKeyId: it must not reach the Reason.
quoted = "POST&%2F&AccessKeyId%3D" + pe(secret("aliyun_id")) + "%26Action%3DSendSms"
aliyun("signature-mismatch-redacted", A, am, send_sms(A, am),
       reply(400, ali("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. "
                      "server string to sign is:" + quoted)),
       {"outcome": "reject", "category": "auth_expired", "vendor_code": "SignatureDoesNotMatch",
        "detail": "Specified signature is not matched with our calculation. server string to sign is:"
                  "POST&%2F&AccessKeyId%3D<redacted>%26Action%3DSendSms"})
aliyun("unmapped-code", A, am, send_sms(A, am), reply(200, ali("isv.SOMETHING_NEW", "new")),
       {"outcome": "reject", "category": "unknown", "vendor_code": "isv.SOMETHING_NEW", "detail": "new"})

batch = [
    {"id": "b-0001", "channel": "sms-aliyun", "to": "13800138000", "template": "SMS_71390007", "params": {"code": "1111"}},
    {"id": "b-0002", "channel": "sms-aliyun", "to": "+8613900139000", "template": "SMS_71390007", "params": {"code": "2222"}},
    {"id": "b-0003", "channel": "sms-aliyun", "to": "+85291234567", "template": "SMS_71390007", "params": {}},
]
aliyun("batch-ok", A, None, send_batch(A, batch), reply(200, ali("OK", "OK", {"BizId": "123^0"})),
       [dict(recipient=m["to"], outcome="accepted", vendor_message_id="123^0") for m in batch], messages=batch)
aliyun("batch-number-illegal", A, None, send_batch(A, batch), reply(200, ali("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")),
       [dict(recipient=m["to"], outcome="retry", category="unknown", vendor_code="isv.MOBILE_NUMBER_ILLEGAL",
             detail="the vendor refused a number in the batch without naming it") for m in batch], messages=batch)
plain = [dict(m, params={}) for m in batch[:2]]
aliyun("batch-no-params-signature-illegal", A, None, send_batch(A, plain),
       reply(200, ali("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法")),
       [dict(recipient=m["to"], outcome="reject", category="content_rejected", vendor_code="isv.SMS_SIGNATURE_ILLEGAL",
             detail="签名不合法") for m in plain], messages=plain)

# ---------------------------------------------------------------------------------------------------------------
# Tencent Cloud SMS (API 3.0, 2021-01-11)

TENCENT_SOURCE = (
    "Tencent Cloud SMS SendSms 2021-01-11: vendors.md 2.2.1-2.2.5 (https://cloud.tencent.com/document/api/382/55981, "
    "TC3-HMAC-SHA256 https://cloud.tencent.com/document/api/213/30654, error codes "
    "https://cloud.tencent.com/document/api/382/59177, TencentCloud/tencentcloud-sdk-python "
    "tencentcloud/sms/v20210111/errorcodes.py); reply bodies constructed in the documented shape; expected bytes "
    "computed with Python hmac/hashlib/json, not by the code under test\n"
)
tencent = writer("sms-tencent", TENCENT_SOURCE)
CT = "application/json; charset=utf-8"


def tc3(secret_id, secret_key, service, host, path, ts, body):
    date = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = "POST\n%s\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s" % (
        path, CT, host, hashlib.sha256(body).hexdigest())
    scope = "%s/%s/tc3_request" % (date, service)
    to_sign = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (ts, scope, hashlib.sha256(canonical.encode()).hexdigest())

    def h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = h(h(h(("TC3" + secret_key).encode(), date), service), "tc3_request")
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%s" % (secret_id, scope, sig)


def tencent_number(to):
    return to if to.startswith("+") else "+86" + to


def send_tencent(settings, ms):
    first = ms[0]
    params = first.get("params", {})
    fields = {
        "PhoneNumberSet": [tencent_number(m["to"]) for m in ms],
        "SmsSdkAppId": settings["sms_sdk_app_id"],
        "TemplateId": first.get("template") or settings["template_id"],
        "TemplateParamSet": [params[str(i)] for i in range(1, len(params) + 1)],
        "SessionContext": ",".join(m["id"] for m in ms),
    }
    if "sign_name" in settings:
        fields["SignName"] = settings["sign_name"]
    body = compact(fields).encode()
    endpoint = settings.get("endpoint", "https://sms.tencentcloudapi.com/")
    rest = endpoint.split("://", 1)[1]
    host = rest.split("/", 1)[0]
    path = rest[len(host):] or "/"
    ts = NOW_MS // 1000
    auth = tc3(secret(settings["secret_id"][11:]), secret(settings["secret_key"][11:]), "sms", host, path, ts, body)
    return {
        "method": "POST",
        "url": endpoint,
        "headers": [["Authorization", auth], ["Content-Type", CT], ["Host", host], ["X-TC-Action", "SendSms"],
                    ["X-TC-Timestamp", str(ts)], ["X-TC-Version", "2021-01-11"],
                    ["X-TC-Region", settings.get("region", "ap-guangzhou")]],
        "body": body.decode(),
    }


T = {
    "secret_id": "credential:tencent_id",
    "secret_key": "credential:tencent_key",
    "sms_sdk_app_id": "1400006666",
    "sign_name": "示例银行",
    "template_id": "449739",
}
tm = {"id": "m-0001", "channel": "sms-tencent", "to": "13711112222", "template": "1110001",
      "params": {"1": "123456", "2": "5"}}
REQ = "a0aabda6-cf91-4f3e-a81f-9198114a2279"


def status(number, code, message, serial="", session="m-0001"):
    return {"SerialNo": serial, "PhoneNumber": number, "Fee": 1 if code == "Ok" else 0, "SessionContext": session,
            "Code": code, "Message": message, "IsoCode": "CN"}


def statuses(*entries):
    return json.dumps({"Response": {"SendStatusSet": list(entries), "RequestId": REQ}}, ensure_ascii=False)


def error(code, message):
    return json.dumps({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": REQ}})


tencent("send-ok", T, tm, send_tencent(T, [tm]),
        reply(200, statuses(status("+8613711112222", "Ok", "send success", "2028:f825e6b16e23f73f4123"))),
        {"outcome": "accepted", "vendor_message_id": "2028:f825e6b16e23f73f4123"})
s = {k: v for k, v in T.items() if k != "sign_name"}
m = {"id": "m-0002", "channel": "sms-tencent", "to": "+6591234567"}
tencent("international-default-template-thirty-second-limit", s, m, send_tencent(s, [m]),
        reply(200, statuses(status("+6591234567", "LimitExceeded.PhoneNumberThirtySecondLimit",
                                   "the number of sms messages sent from a single mobile number within 30 seconds "
                                   "exceeds the upper limit", session="m-0002"))),
        {"outcome": "retry", "category": "throttled", "vendor_code": "LimitExceeded.PhoneNumberThirtySecondLimit",
         "detail": "the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper "
                   "limit", "after_seconds": 30})
# fixedContext is 2025-11-24T16:00:00Z, 00:00 Beijing: 8 hours until 08:00, a full day until the next midnight.
tencent("marketing-send-time", T, tm, send_tencent(T, [tm]),
        reply(200, statuses(status("+8613711112222", "FailedOperation.MarketingSendTimeConstraint", "marketing sms "
                                   "only 8:00-22:00"))),
        {"outcome": "retry", "category": "throttled", "vendor_code": "FailedOperation.MarketingSendTimeConstraint",
         "detail": "marketing sms only 8:00-22:00", "after_seconds": 28800})
tencent("daily-limit", T, tm, send_tencent(T, [tm]),
        reply(200, statuses(status("+8613711112222", "LimitExceeded.PhoneNumberDailyLimit", "daily limit"))),
        {"outcome": "retry", "category": "throttled", "vendor_code": "LimitExceeded.PhoneNumberDailyLimit",
         "detail": "daily limit", "after_seconds": 86400})
tencent("blacklisted-number", T, tm, send_tencent(T, [tm]),
        reply(200, statuses(status("+8613711112222", "FailedOperation.PhoneNumberInBlacklist", "phone number in "
                                   "blacklist"))),
        {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "FailedOperation.PhoneNumberInBlacklist",
         "detail": "phone number in blacklist"})
tencent("signature-expire", T, tm, send_tencent(T, [tm]),
        reply(200, error("AuthFailure.SignatureExpire", "Signature expired.")),
        {"outcome": "retry", "category": "auth_expired", "vendor_code": "AuthFailure.SignatureExpire",
         "detail": "Signature expired."})
tencent("signature-failure", T, tm, send_tencent(T, [tm]),
        reply(200, error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")),
        {"outcome": "reject", "category": "auth_expired", "vendor_code": "AuthFailure.SignatureFailure",
         "detail": "The provided credentials could not be validated."})
tencent("secret-id-not-found-redacted", T, tm, send_tencent(T, [tm]),
        reply(200, error("AuthFailure.SecretIdNotFound", "SecretId %s not found" % secret("tencent_id"))),
        {"outcome": "reject", "category": "auth_expired", "vendor_code": "AuthFailure.SecretIdNotFound",
         "detail": "SecretId <redacted> not found"})
tencent("request-limit-exceeded", T, tm, send_tencent(T, [tm]),
        reply(200, error("RequestLimitExceeded", "request limit exceeded")),
        {"outcome": "retry", "category": "throttled", "vendor_code": "RequestLimitExceeded",
         "detail": "request limit exceeded"})
s = dict(T, endpoint="http://127.0.0.1:9080/tencent/sms", region="ap-beijing")
tencent("private-endpoint-internal-timeout", s, tm, send_tencent(s, [tm]),
        reply(200, error("InternalError.Timeout", "timeout")),
        {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "InternalError.Timeout",
         "detail": "timeout"})
tencent("http-502", T, tm, send_tencent(T, [tm]), reply(502, "Bad Gateway", [["Content-Type", "text/plain"]]),
        {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 502"})
tencent("ok-status-garbage-body", T, tm, send_tencent(T, [tm]),
        reply(200, "<html>oops</html>", [["Content-Type", "text/html"]]),
        {"outcome": "retry", "category": "unknown", "detail": "unparsable reply"})
tencent("number-missing-from-reply", T, tm, send_tencent(T, [tm]), reply(200, statuses()),
        {"outcome": "retry", "category": "unknown", "detail": "the reply has no status for this number"})
m = dict(tm, params={"1": 'He said "hi" \\ 你好\n🎉', "2": "<a&b>"})
tencent("param-escaping-sensitive-word", T, m, send_tencent(T, [m]),
        reply(200, statuses(status("+8613711112222", "FailedOperation.ContainSensitiveWord", "sensitive word"))),
        {"outcome": "reject", "category": "content_rejected", "vendor_code": "FailedOperation.ContainSensitiveWord",
         "detail": "sensitive word"})

tb = [
    {"id": "b-0001", "channel": "sms-tencent", "to": "13711112222", "template": "1110001", "params": {"1": "OK"}},
    {"id": "b-0002", "channel": "sms-tencent", "to": "+8613711113333", "template": "1110001", "params": {"1": "OK"}},
    {"id": "b-0003", "channel": "sms-tencent", "to": "13711114444", "template": "1110001", "params": {"1": "OK"}},
    {"id": "b-0004", "channel": "sms-tencent", "to": "13711115555", "template": "1110001", "params": {"1": "OK"}},
]
body = statuses(
    status("+8613711112222", "Ok", "send success", "2028:0001", "b-0001,b-0002,b-0003,b-0004"),
    status("+8613711113333", "InvalidParameterValue.IncorrectPhoneNumber", "incorrect number", "",
           "b-0001,b-0002,b-0003,b-0004"),
    status("+8613711114444", "FailedOperation.InsufficientBalanceInSmsPackage", "insufficient balance", "",
           "b-0001,b-0002,b-0003,b-0004"),
)
tencent("batch-per-number", T, None, send_tencent(T, tb), reply(200, body), [
    {"recipient": "13711112222", "outcome": "accepted", "vendor_message_id": "2028:0001"},
    {"recipient": "+8613711113333", "outcome": "reject", "category": "invalid_recipient",
     "vendor_code": "InvalidParameterValue.IncorrectPhoneNumber", "detail": "incorrect number"},
    {"recipient": "13711114444", "outcome": "reject", "category": "quota_exceeded",
     "vendor_code": "FailedOperation.InsufficientBalanceInSmsPackage", "detail": "insufficient balance"},
    {"recipient": "13711115555", "outcome": "retry", "category": "unknown",
     "detail": "the reply has no status for this number"},
], messages=tb)
tencent("batch-whole-error", T, None, send_tencent(T, tb[:2]),
        reply(200, error("FailedOperation.TemplateIncorrectOrUnapproved", "template unapproved")),
        [{"recipient": m["to"], "outcome": "reject", "category": "content_rejected",
          "vendor_code": "FailedOperation.TemplateIncorrectOrUnapproved", "detail": "template unapproved"}
         for m in tb[:2]], messages=tb[:2])
