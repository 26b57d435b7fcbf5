# Regenerates Fixtures/aliyun_vms, Fixtures/aliyun_vms-voicereport and Fixtures/http: run
# `python3 generate-call-fixtures.py` here. Expected bytes come from Python hmac/hashlib/base64/urllib.parse/json
# and datetime, an oracle independent of the Swift code under test.
import base64, copy, datetime, hashlib, hmac, json, os, shutil, urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
VMS_SOURCE = ("aliyun_vms: SingleCallByTts, dyvmsapi 2017-05-25 (vendors.md §6.1.1; "
              "https://help.aliyun.com/document_detail/393519.html, https://help.aliyun.com/document_detail/114035.htm); "
              "RPC v1 signing per vendors.md §2.1.2 (https://help.aliyun.com/document_detail/101343.html); error codes "
              "https://help.aliyun.com/document_detail/178344.html and "
              "https://help.aliyun.com/zh/vms/developer-reference/api-dyvmsapi-2017-05-25-errorcodes; "
              "replies constructed in the documented shape {Code, Message, RequestId, CallId}; "
              "expected bytes computed with Python hmac/base64/urllib.parse, not by the code under test\n")
REPORT_SOURCE = ("aliyun_vms VoiceReport HTTP push: JSON array of call records, fields and example from "
                 "https://help.aliyun.com/zh/vms/developer-reference/voicereport-1 (vendors.md §6.1.2); status_code "
                 "table https://help.aliyun.com/document_detail/55085.html, smart_status_code "
                 "https://help.aliyun.com/zh/vms/developer-reference/smart-status-code; answer "
                 "{\"code\":0,\"msg\":\"成功\"} (vendors.md §1, Alibaba push contract); times read as UTC+8 by Python "
                 "datetime, not by the code under test\n")
HTTP_SOURCE = ("call_queue http vendor: no vendor; a call-centre task API shape written for this repo's generic http "
               "profile (Plugins/SMS/README.md, Plugins/CallQueue/README.md), 2025-11-24; expected bytes computed "
               "with Python json, not by the code under test\n")

def dump(d, fn, v):
    with open(os.path.join(d, fn), 'w') as f:
        json.dump(v, f, ensure_ascii=False, indent=2); f.write('\n')

def folder(kind, name, source):
    d = os.path.join(here, kind, name); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'SOURCE'), 'w') as f: f.write(source)
    return d

def secret(ref): return "test-secret-" + ref[len("credential:"):]

# ---------------------------------------------------------------- aliyun_vms requests and replies
def pe(s): return urllib.parse.quote(s, safe='-_.~')

def signed_body(params, key_secret):
    query = '&'.join('%s=%s' % (pe(k), pe(v)) for k, v in sorted(params.items(), key=lambda kv: pe(kv[0]).encode()))
    to_sign = 'POST&' + pe('/') + '&' + pe(query)
    sig = base64.b64encode(hmac.new((key_secret + '&').encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    return query + '&Signature=' + pe(sig)

NOW_MS, NONCE, ATTEMPT = 1_764_000_000_000, 42, 1
TIMESTAMP = datetime.datetime.fromtimestamp(NOW_MS // 1000, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
NONCE_TEXT = '%016x-%d' % (NONCE, ATTEMPT)

vms_settings = {
    "access_key_id": "credential:vms_access_key_id",
    "access_key_secret": "credential:vms_access_key_secret",
    "called_show_number": "057188880000",
    "tts_code": "TTS_10001",
    "play_times": 2,
    "endpoint": "http://127.0.0.1:9080/",
}
vms_message = {"id": "m01KAXV3Q9ZB4N7T2RYC5EHG8WJ", "channel": "call-golden", "to": "+8613800138000",
               "template": "TTS_20001", "params": {"amount": "1,000.00 元", "date": "11月24日", "name": "张\"三\""},
               "category": "critical"}

def vms_request(settings, message):
    to = message['to'][3:] if message['to'].startswith('+86') else message['to']
    p = {"AccessKeyId": secret(settings['access_key_id']), "Action": "SingleCallByTts", "CalledNumber": to,
         "Format": "JSON", "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": NONCE_TEXT,
         "SignatureVersion": "1.0", "Timestamp": TIMESTAMP, "TtsCode": message.get('template') or settings['tts_code'],
         "Version": "2017-05-25"}
    if 'called_show_number' in settings: p["CalledShowNumber"] = settings['called_show_number']
    if 'play_times' in settings: p["PlayTimes"] = str(settings['play_times'])
    if message.get('params'):
        p["TtsParam"] = json.dumps(message['params'], ensure_ascii=False, separators=(',', ':'), sort_keys=True)
    if message.get('id'):
        b = message['id'].encode()
        p["OutId"] = b[-15:].decode()
    return {"method": "POST", "url": settings.get('endpoint', 'https://dyvmsapi.aliyuncs.com/'),
            "headers": [["Content-Type", "application/x-www-form-urlencoded"]],
            "body": signed_body(p, secret(settings['access_key_secret']))}

def vms_case(name, settings, message, response=None, outcome=None):
    d = folder('aliyun_vms', name, VMS_SOURCE)
    dump(d, 'settings.json', settings); dump(d, 'message.json', message)
    dump(d, 'request.expected.json', vms_request(settings, message))
    if response is not None: dump(d, 'response.json', response); dump(d, 'outcome.expected.json', outcome)

def reply(status, body, headers=None):
    return {"status": status, "headers": headers or [["Content-Type", "application/json;charset=utf-8"]],
            "body": json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body}

RID = "D9CB3933-53FE-4D4A-BD8C-9A5D3B1E2F04"
vms_case('tts-call-accepted', vms_settings, vms_message,
         reply(200, {"Code": "OK", "Message": "OK", "RequestId": RID, "CallId": "116012354148^104351930000"}),
         {"outcome": "accepted", "vendor_message_id": "116012354148^104351930000"})

s = {k: vms_settings[k] for k in ("access_key_id", "access_key_secret", "tts_code")}
m = {"id": "m-0002", "channel": "call-golden", "to": "13900139000"}
vms_case('default-template-default-endpoint', s, m)

m = dict(vms_message, to="+86057188886666", params={}, id="short-id-3")
vms_case('landline-no-params', vms_settings, m)

def fail(name, status, code, message, outcome):
    vms_case(name, vms_settings, vms_message, reply(status, {"Code": code, "Message": message, "RequestId": RID}),
             outcome)

fail('business-limit-control', 200, "isv.BUSINESS_LIMIT_CONTROL", "触发流控",
     {"outcome": "retry", "category": "throttled", "vendor_code": "isv.BUSINESS_LIMIT_CONTROL", "detail": "触发流控",
      "after_seconds": 60})
fail('mobile-number-illegal', 200, "isv.MOBILE_NUMBER_ILLEGAL", "号码格式非法",
     {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "isv.MOBILE_NUMBER_ILLEGAL",
      "detail": "号码格式非法"})
fail('tts-template-illegal', 200, "isv.TTS_TEMPLATE_ILLEGAL", "TTS模板不合法",
     {"outcome": "reject", "category": "content_rejected", "vendor_code": "isv.TTS_TEMPLATE_ILLEGAL",
      "detail": "TTS模板不合法"})
fail('amount-not-enough', 200, "isv.AMOUNT_NOT_ENOUGH", "账户余额不足",
     {"outcome": "reject", "category": "quota_exceeded", "vendor_code": "isv.AMOUNT_NOT_ENOUGH",
      "detail": "账户余额不足"})
fail('signature-does-not-match', 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.",
     {"outcome": "reject", "category": "auth_expired", "vendor_code": "SignatureDoesNotMatch",
      "detail": "Specified signature is not matched with our calculation."})
fail('system-error-500', 500, "isp.SYSTEM_ERROR", "System error.",
     {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "isp.SYSTEM_ERROR",
      "detail": "System error."})
fail('unmapped-code', 200, "isv.SOMETHING_NEW", "new",
     {"outcome": "retry", "category": "unknown", "vendor_code": "isv.SOMETHING_NEW", "detail": "new"})
vms_case('http-503-html', vms_settings, vms_message,
         reply(503, "<html>Service Unavailable</html>", [["Content-Type", "text/html"], ["Retry-After", "7"]]),
         {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 503", "after_seconds": 7})
vms_case('ok-status-garbage-body', vms_settings, vms_message, reply(200, "not json"),
         {"outcome": "retry", "category": "unknown", "vendor_code": "HTTP 200", "detail": "reply without a Code"})

# ---------------------------------------------------------------- VoiceReport callbacks
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
def ms(text):
    return int(datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S').replace(tzinfo=BEIJING).timestamp() * 1000)

# The documented example record (voicereport-1), with the masked callee and ids filled in.
doc_record = {"status_code": "200000", "smart_status_code": "ANSWERED", "hangup_direction": "用户",
              "callee": "13900001234", "ring_time": "2023-03-15 14:46:12", "duration": "10", "voice_type": "voice",
              "b_duration": 10, "originate_time": "2023-03-15 14:46:05", "b_ring_time": "2023-03-15 14:46:12",
              "b_start_time": "2023-03-15 14:46:18", "b_originate_time": "2023-03-15 14:46:05",
              "end_time": "2023-03-15 14:46:28", "call_id": "116012354148^104351930000",
              "start_time": "2023-03-15 14:46:18", "out_id": "N7T2RYC5EHG8WJ0", "caller": "057188880000",
              "status_msg": "用户接听", "toll_type": "UNKNOWN"}

def unanswered(status, smart, msg):
    r = dict(doc_record, status_code=status, smart_status_code=smart, status_msg=msg, duration="0", start_time="",
             end_time="", b_duration=0, b_start_time="", hangup_direction="")
    return r

def expected_receipt(record, event, reason=None):
    e = {"event": event, "call_id": record["call_id"]}
    if record.get("out_id"): e["message_id"] = record["out_id"]
    if record.get("callee"): e["recipient"] = record["callee"]
    for key in ("end_time", "start_time", "originate_time"):
        if record.get(key): e["occurred_at_ms"] = ms(record[key]); break
    e["vendor_status"] = " ".join(x for x in (record.get("status_code"), record.get("smart_status_code")) if x)
    if reason: e["reason"] = reason
    return e

ANSWER = {"status": 200, "content_type": "application/json", "body": "{\"code\":0,\"msg\":\"成功\"}"}

def report_case(name, records, expected):
    d = folder('aliyun_vms-voicereport', name, REPORT_SOURCE)
    dump(d, 'settings.json', vms_settings)
    dump(d, 'callback.json', {"method": "POST", "path": "", "headers": [["Content-Type", "application/json"]],
                              "body": json.dumps(records, ensure_ascii=False, indent=1)})
    dump(d, 'report.expected.json', {"receipts": expected, "answer": ANSWER})

report_case('answered-documented-example', [doc_record], [expected_receipt(doc_record, "answered")])
r = unanswered("200003", "NO_ANSWER", "用户未接听")
report_case('no-answer', [r], [expected_receipt(r, "unanswered")])
r = unanswered("200002", "USER_BUSY", "用户忙")
report_case('busy', [r], [expected_receipt(r, "busy")])
r = unanswered("200005", "CALL_REJECTED", "用户拒接")
report_case('refused', [r], [expected_receipt(r, "refused")])
r = unanswered("200004", "INVALID_NUMBER", "空号")
report_case('invalid-number', [r], [expected_receipt(r, "invalid_number")])
# Records without smart_status_code (older pushes) fall back to status_code.
a = unanswered("200004", None, "空号"); del a["smart_status_code"]
b = unanswered("200010", None, "关机"); del b["smart_status_code"]; b["call_id"] = "116012354148^104351930001"
c = dict(doc_record, status_code="200001", call_id="116012354148^104351930002"); del c["smart_status_code"]
d = unanswered("123456", None, "?"); del d["smart_status_code"]; d["call_id"] = "116012354148^104351930003"
report_case('status-code-fallback-batch', [a, b, c, d], [
    expected_receipt(a, "invalid_number"),
    expected_receipt(b, "unanswered"), expected_receipt(c, "answered"),
    expected_receipt(d, "failed", {"category": "unknown", "vendor_code": "123456"})])

# ---------------------------------------------------------------- http (call-centre task API)
http_settings = {
    "url": "http://127.0.0.1:9080/ccc/v1/call-tasks",
    "method": "POST",
    "headers": {"Authorization": "credential:ccc_token", "Content-Type": "application/json"},
    "body": '{"callee":"{{to}}","flow":"{{template}}","variables":{"amount":"{{params.amount}}"},"reference":"{{message_id}}"}',
    "success": {"json_path": "$.code", "equals": "0"},
    "message_id_path": "$.data.task_id",
    "code_path": "$.code",
    "detail_path": "$.message",
    "retry_codes": ["CONCURRENCY_LIMIT"],
    "code_reasons": {"DNC_LISTED": "invalid_recipient", "INVALID_CALLEE": "invalid_recipient",
                     "CONCURRENCY_LIMIT": "throttled", "FLOW_NOT_FOUND": "content_rejected"},
    "recipient_pattern": "cn_mobile",
}
http_message = {"id": "m01KAXV3Q9ZB4N7T2RYC5EHG8WJ", "channel": "call-golden", "to": "13800138000",
                "template": "overdue_reminder", "params": {"amount": "1,000.00 \"元\""}, "category": "transactional"}
def jesc(s): return json.dumps(s, ensure_ascii=False)[1:-1]
http_body = (http_settings["body"].replace("{{to}}", jesc(http_message["to"]))
             .replace("{{template}}", jesc(http_message["template"]))
             .replace("{{params.amount}}", jesc(http_message["params"]["amount"]))
             .replace("{{message_id}}", jesc(http_message["id"])))
http_request = {"method": "POST", "url": http_settings["url"],
                "headers": [["Authorization", "test-secret-ccc_token"], ["Content-Type", "application/json"]],
                "body": http_body}
def http_case(name, response, outcome):
    d = folder('http', name, HTTP_SOURCE)
    dump(d, 'settings.json', http_settings); dump(d, 'message.json', http_message)
    dump(d, 'request.expected.json', http_request)
    dump(d, 'response.json', response); dump(d, 'outcome.expected.json', outcome)
http_case('call-task-accepted', reply(200, {"code": 0, "message": "queued", "data": {"task_id": "T20251124-000042"}}),
          {"outcome": "accepted", "vendor_message_id": "T20251124-000042"})
http_case('do-not-call-listed', reply(200, {"code": "DNC_LISTED", "message": "callee on do-not-call list"}),
          {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "DNC_LISTED",
           "detail": "callee on do-not-call list"})
http_case('concurrency-limit', reply(200, {"code": "CONCURRENCY_LIMIT", "message": "too many calls"}),
          {"outcome": "retry", "category": "throttled", "vendor_code": "CONCURRENCY_LIMIT", "detail": "too many calls"})
