# Regenerates Fixtures/sms-http/*: run `python3 generate-sms-http.py` here. Expected bytes come from Python json
# and urllib.parse, an oracle independent of the Swift code under test.
import json, os, copy, urllib.parse
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sms-http')
SOURCE = ("generic http profile: no vendor; request/reply shapes written for this repo's own http profile "
          "(Plugins/SMS/README.md, /work/shared/DESIGN.md §2 'generic http vendor profile'), 2025-11-24; "
          "expected bytes computed with Python json/urllib.parse, not by the code under test\n")
BODY = '{"to":"{{to}}","content":"{{content}}","template":"{{template}}","params":{"code":"{{params.code}}"},"ref":"{{message_id}}"}'
base = {
  "url": "http://127.0.0.1:9080/sms/send",
  "method": "POST",
  "headers": {"Content-Type": "application/json"},
  "body": BODY,
  "success": {"json_path": "$.code", "equals": "OK"},
  "message_id_path": "$.msgid",
  "detail_path": "$.message",
  "retry_codes": ["BUSY", "isv.BUSINESS_LIMIT_CONTROL"],
  "code_reasons": {"isv.MOBILE_NUMBER_ILLEGAL": "invalid_recipient",
                   "isv.BUSINESS_LIMIT_CONTROL": "throttled",
                   "isv.AMOUNT_NOT_ENOUGH": "quota_exceeded"},
}
msg = {"id": "m-0001", "channel": "sms-golden", "to": "+8613800138000", "template": "SMS_001",
       "params": {"code": "123456"}, "content": "Your code is 123456"}

def jesc(s):  # inside a JSON string literal, no quotes added
    return json.dumps(s, ensure_ascii=False)[1:-1]
def pct(s):
    return urllib.parse.quote(s, safe='-._~')
def json_body(m):
    return BODY.replace('{{to}}', jesc(m['to'])).replace('{{content}}', jesc(m['content'])) \
        .replace('{{template}}', jesc(m['template'])).replace('{{params.code}}', jesc(m['params']['code'])) \
        .replace('{{message_id}}', jesc(m['id']))
def std_request(m):
    return {"method": "POST", "url": "http://127.0.0.1:9080/sms/send",
            "headers": [["Content-Type", "application/json"]], "body": json_body(m)}

def write(name, settings, message, request, response=None, outcome=None):
    d = os.path.join(root, name); os.makedirs(d, exist_ok=True)
    def dump(fn, v):
        with open(os.path.join(d, fn), 'w') as f:
            json.dump(v, f, ensure_ascii=False, indent=2); f.write('\n')
    dump('settings.json', settings); dump('message.json', message); dump('request.expected.json', request)
    if response is not None: dump('response.json', response); dump('outcome.expected.json', outcome)
    with open(os.path.join(d, 'SOURCE'), 'w') as f: f.write(SOURCE)

# 1. JSON escaping
m = dict(msg, content='He said "hi" \\ C:\\path\nline 2\t你好，世界 🎉👍🏽', params={"code": "\"12\"\\34"})
write('json-body-escaping', base, m, std_request(m))

# 2. Form body with a secret header
s = copy.deepcopy(base)
s["headers"] = {"Authorization": "credential:sms_token", "Content-Type": "application/x-www-form-urlencoded"}
s["body"] = "mobile={{to}}&text={{content}}&sign={{params.sign}}&ref={{message_id}}"
m = dict(msg, content="验证码 1234 & more=yes+ok~ 100%/x?", params={"sign": "示例银行 Bank"}, id="m/0002 a")
body = "mobile=%s&text=%s&sign=%s&ref=%s" % (pct(m['to']), pct(m['content']), pct(m['params']['sign']), pct(m['id']))
write('form-body-encoding', s, m, {"method": "POST", "url": s["url"],
      "headers": [["Authorization", "test-secret-sms_token"], ["Content-Type", "application/x-www-form-urlencoded"]],
      "body": body})

# 3. URL placeholders (GET, no body)
s = copy.deepcopy(base)
s["method"] = "GET"; del s["body"]; s["headers"] = {"Accept": "application/json"}
s["url"] = "http://127.0.0.1:9080/sms/send?to={{to}}&tpl={{template}}&name={{params.name}}&ref={{message_id}}&ch={{channel}}"
m = dict(msg, template="SMS 001/a", params={"name": "张 三&x=1?#"}, id="m:0003")
url = "http://127.0.0.1:9080/sms/send?to=%s&tpl=%s&name=%s&ref=%s&ch=%s" % (
    pct(m['to']), pct(m['template']), pct(m['params']['name']), pct(m['id']), pct(m['channel']))
write('url-placeholder-encoding', s, m, {"method": "GET", "url": url, "headers": [["Accept", "application/json"]], "body": ""})

def reply(status, body, headers=None):
    return {"status": status, "headers": headers or [["Content-Type", "application/json"]], "body": body}

# 4. 200 success with id
write('success-with-id', base, msg, std_request(msg),
      reply(200, '{"code":"OK","msgid":"fv-20251124-000042","message":"queued"}'),
      {"outcome": "accepted", "vendor_message_id": "fv-20251124-000042"})
# 5. numeric success code compared as text, numeric id
s = copy.deepcopy(base); s["success"] = {"json_path": "$.result.code", "equals": "0"}
s["message_id_path"] = "$.result.ids[0]"
write('success-numeric-code', s, msg, std_request(msg),
      reply(200, '{"result":{"code":0,"ids":[12345678901234567890123]}}'),
      {"outcome": "accepted", "vendor_message_id": "12345678901234567890123"})
# 6. 200 with a failure code: reject
write('ok-status-failure-code', base, msg, std_request(msg),
      reply(200, '{"code":"isv.MOBILE_NUMBER_ILLEGAL","message":"invalid mobile number"}'),
      {"outcome": "reject", "category": "invalid_recipient", "vendor_code": "isv.MOBILE_NUMBER_ILLEGAL",
       "detail": "invalid mobile number"})
# 7. 200 with a retryable code
write('ok-status-retryable-code', base, msg, std_request(msg),
      reply(200, '{"code":"isv.BUSINESS_LIMIT_CONTROL","message":"too many messages to this number"}'),
      {"outcome": "retry", "category": "throttled", "vendor_code": "isv.BUSINESS_LIMIT_CONTROL",
       "detail": "too many messages to this number"})
# 8. 200 with an unmapped code: reject unknown
write('ok-status-unmapped-code', base, msg, std_request(msg),
      reply(200, '{"code":"E_SOMETHING_NEW"}'),
      {"outcome": "reject", "category": "unknown", "vendor_code": "E_SOMETHING_NEW"})
# 9. 429 with Retry-After
write('http-429-retry-after', base, msg, std_request(msg),
      reply(429, '{"code":"RATE"}', [["Content-Type", "application/json"], ["Retry-After", "30"]]),
      {"outcome": "retry", "category": "throttled", "vendor_code": "HTTP 429", "after_seconds": 30})
# 10. 503
write('http-503', base, msg, std_request(msg), reply(503, 'Service Unavailable', [["Content-Type", "text/plain"]]),
      {"outcome": "retry", "category": "vendor_unavailable", "vendor_code": "HTTP 503"})
# 11. 401
write('http-401', base, msg, std_request(msg), reply(401, '{"code":"AUTH"}'),
      {"outcome": "reject", "category": "auth_expired", "vendor_code": "HTTP 401"})
# 12. 400 not in retry_statuses
write('http-400', base, msg, std_request(msg), reply(400, '{"code":"BAD"}'),
      {"outcome": "reject", "category": "unknown", "vendor_code": "HTTP 400"})
# 13. 200 garbage
write('ok-status-garbage-body', base, msg, std_request(msg),
      reply(200, '<html><body>502 Bad Gateway</body></html>', [["Content-Type", "text/html"]]),
      {"outcome": "retry", "category": "unknown", "detail": "unparsable reply"})

# 14. Content rules: a marketing text gets the approved signature in front and the opt-out text at the end.
s = copy.deepcopy(base); s["sign_name"] = "示例银行"; s["unsubscribe_suffix"] = "拒收请回复R"
m = dict(msg, category="marketing", content="本周六理财讲座，欢迎预约。")
write('content-rules-marketing-text', s, m, std_request(dict(m, content="【示例银行】" + m["content"] + "拒收请回复R")))
# 15. Content rules: a marketing send by a vendor template listed in suffix_templates is not edited; {{sign_name}}
#     carries the signature.
s = copy.deepcopy(base); s["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
s["body"] = "mobile={{to}}&sign={{sign_name}}&tpl={{template}}&code={{params.code}}&ref={{message_id}}"
s["sign_name"] = "示例银行"; s["unsubscribe_suffix"] = "拒收请回复R"; s["suffix_templates"] = ["SMS_900001", "SMS_900002"]
m = dict(msg, category="marketing", template="SMS_900001"); del m["content"]
body = "mobile=%s&sign=%s&tpl=%s&code=%s&ref=%s" % (
    pct(m['to']), pct(s['sign_name']), pct(m['template']), pct(m['params']['code']), pct(m['id']))
write('content-rules-marketing-template', s, m, {"method": "POST", "url": s["url"],
      "headers": [["Content-Type", "application/x-www-form-urlencoded"]], "body": body})
