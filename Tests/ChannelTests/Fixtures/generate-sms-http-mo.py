# Regenerates Fixtures/sms-http-mo/*: run `python3 generate-sms-http-mo.py` here. Customer-reply (MO) callbacks
# for the generic http profile's `mo:` settings. Expected times come from Python's datetime (a vendor time string
# read as UTC+8), an oracle independent of the Swift code under test.
import json, os, copy
from datetime import datetime, timezone, timedelta
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sms-http-mo')
BEIJING = timezone(timedelta(hours=8))
ORACLE = "expected values computed with Python json/datetime (time strings read as UTC+8), not by the code under test"

# The send side is the same as the sms-http fixtures'; only `mo:` matters here.
base = {
  "url": "http://127.0.0.1:9080/sms/send",
  "headers": {"Content-Type": "application/json"},
  "body": '{"to":"{{to}}","content":"{{content}}","ref":"{{message_id}}"}',
  "success": {"json_path": "$.code", "equals": "OK"},
}

def beijing_ms(text):
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    return int(moment.timestamp()) * 1000

def write(name, source, mo, body, replies, answer):
    d = os.path.join(root, name); os.makedirs(d, exist_ok=True)
    def dump(fn, v):
        with open(os.path.join(d, fn), 'w') as f:
            json.dump(v, f, ensure_ascii=False, indent=2); f.write('\n')
    settings = copy.deepcopy(base); settings["mo"] = mo
    dump('settings.json', settings)
    dump('callback.json', {"method": "POST", "path": "", "headers": [["Content-Type", "application/json"]],
                           "body": body})
    dump('report.expected.json', {"replies": replies, "answer": answer})
    with open(os.path.join(d, 'SOURCE'), 'w') as f: f.write(source + "; " + ORACLE + "\n")

# 1. Alibaba SmsUp HTTP batch push: a JSON array; item 1 is the documented request sample verbatim (including its
#    ` : ` spacing and the numeric sequence_id), item 2 a `TD` opt-out whose Beijing time falls on the previous UTC day.
doc_item = ('  {\n    "phone_number" : "18612345678",\n    "send_time" : "2017-09-01 00:00:00",\n'
            '    "content" : "内容",\n    "sign_name" : "签名",\n    "dest_code" : "1234",\n'
            '    "sequence_id" : 1234567890\n  }')
td_item = ('  {\n    "phone_number" : "13900000001",\n    "send_time" : "2024-02-29 07:30:15",\n'
           '    "content" : "TD",\n    "sign_name" : "签名",\n    "dest_code" : "1234",\n'
           '    "sequence_id" : 1234567891\n  }')
body = "[\n" + doc_item + ",\n" + td_item + "\n]"
parsed = json.loads(body)
write('aliyun-smsup',
      "Alibaba Cloud SMS, SmsUp (customer replies) HTTP batch push: https://help.aliyun.com/zh/sms/developer-reference/smsup-http "
      "(shape and answer per /work/shared/docs/vendors.md section 2.1.7; the request sample and answer "
      "{\"code\":0,\"msg\":\"接收成功\"} read from the doc's mirror cbony/dysms "
      "cn.zh-CN/API参考/回执消息/HTTP批量推送模式/SmsUp.md); item 1 is the documented sample, item 2 a "
      "\"content\":\"TD\" opt-out with illustrative values (vendors.md 2.1.10 item 4)",
      {"from_path": "$.phone_number", "text_path": "$.content", "id_path": "$.sequence_id",
       "time_path": "$.send_time"},
      body,
      [{"from": i["phone_number"], "text": i["content"], "vendor_reply_id": str(i["sequence_id"]),
        "received_at_ms": beijing_ms(i["send_time"])} for i in parsed],
      {"status": 200, "content_type": "application/json", "body": '{"code":0,"msg":"接收成功"}'})

# 2. Tencent Cloud SMS reply callback: one JSON object per reply, epoch-seconds time, its own answer contract.
item = {"extend": "", "mobile": "13800138000", "nationcode": "86", "sign": "示例银行", "text": "R",
        "time": 1457336869}
write('tencent-reply',
      "Tencent Cloud SMS reply (MO) callback: https://cloud.tencent.com/document/api/382/5809 (shape "
      "{extend, mobile, nationcode, sign, text, time} and answer {\"result\":0,\"errmsg\":\"OK\"} per "
      "/work/shared/docs/vendors.md section 2.2.6; the doc's 13xxxxxxxxx, <sign> and <content> placeholders "
      "replaced with illustrative values)",
      {"from_path": "$.mobile", "text_path": "$.text", "time_path": "$.time",
       "answer": {"content_type": "application/json", "body": '{"result":0,"errmsg":"OK"}'}},
      json.dumps(item, ensure_ascii=False, separators=(',', ':')),
      [{"from": item["mobile"], "text": item["text"], "received_at_ms": item["time"] * 1000}],
      {"status": 200, "content_type": "application/json", "body": '{"result":0,"errmsg":"OK"}'})
