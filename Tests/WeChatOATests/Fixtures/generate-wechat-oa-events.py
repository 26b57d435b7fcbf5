#!/usr/bin/env python3
"""Writes Fixtures/events/<case>/: the server-URL pushes of a WeChat Official Account, as the core hands them to
the adapter once it has checked the signature (and decrypted safe-mode bodies; the adapter reads both modes
alike, so the settings use plain mode, `callback_token` only): `settings.json` and
`callback.xml` (the body) in; `report.expected.json` (receipts and answer) or `problem.expected.json` out.

The expected reports are written here from the documented push format (vendors.md §4.3), not by the code under
test. Run from anywhere: python3 generate-wechat-oa-events.py
"""
import json, os, shutil

here = os.path.dirname(os.path.abspath(__file__))
PROFILE = "events"
SETTINGS = {
    "app_id": "wx1234567890abcdef",
    "app_secret": "credential:wechat_oa_app_secret",
    "callback_token": "credential:wechat_oa_callback_token",
}
DOC = ("vendors.md §4.3 'Delivery event — TEMPLATESENDJOBFINISH' (Template_Message_Interface.html, "
       "https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html; "
       "XieXianbin/sms-provider wechat/mp/message/template/event.go)")
ANSWER = {"status": 200, "content_type": "text/plain; charset=utf-8", "body": "success"}


def template_event(status, msg_id="200163836", openid="oABCD1234efgh5678ijkl9012mnop", created=1395658920,
                   cdata=True):
    def v(text):
        return f"<![CDATA[{text}]]>" if cdata else text
    return ("<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\n"
            f"<FromUserName>{v(openid)}</FromUserName>\n"
            f"<CreateTime>{created}</CreateTime>\n"
            f"<MsgType>{v('event')}</MsgType>\n"
            f"<Event>{v('TEMPLATESENDJOBFINISH')}</Event>\n"
            f"<MsgID>{msg_id}</MsgID>\n"
            f"<Status>{v(status)}</Status></xml>")


def receipt(event, status, category=None, detail=None, msg_id="200163836",
            openid="oABCD1234efgh5678ijkl9012mnop", created=1395658920):
    r = {"vendor_message_id": msg_id, "recipient": openid, "event": event, "occurred_at_ms": created * 1000,
         "vendor_status": status}
    if category:
        r["category"] = category
        r["vendor_code"] = status
        r["detail"] = detail
    return r


CASES = {
    "template-success": (template_event("success"), {"receipts": [receipt("delivered", "success")]},
                         DOC + "; Status 'success': delivered"),
    "template-user-block": (
        template_event("failed:user block"),
        {"receipts": [receipt("failed", "failed:user block", "invalid_recipient", "the user blocks the account")]},
        DOC + "; Status 'failed:user block' (the user refuses the account's messages, class P): invalid_recipient"),
    "template-system-failed": (
        template_event("failed: system failed"),
        {"receipts": [receipt("failed", "failed: system failed", "vendor_unavailable", "WeChat failed to deliver")]},
        DOC + "; Status 'failed: system failed' (with the space after the colon, as documented; D7)"),
    "template-freq-limit": (
        template_event("failed:freq limit"),
        {"receipts": [receipt("failed", "failed:freq limit", "throttled", "frequency limit")]},
        DOC + "; Status 'failed:freq limit' is reported by the community only [U] (vendors.md D7)"),
    "template-undocumented-failure": (
        template_event("failed:something new"),
        {"receipts": [receipt("failed", "failed:something new", "unknown", "undocumented status")]},
        DOC + "; vendors.md D7: an unknown 'failed:*' status is a failure of unknown cause"),
    "template-plain-text-values": (
        template_event("success", msg_id="413348094800887808", cdata=False),
        {"receipts": [receipt("delivered", "success", msg_id="413348094800887808")]},
        DOC + "; the same push with plain-text element values instead of CDATA (the reader takes both)"),
    "subscribe-event-no-receipt": (
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\n"
        "<FromUserName><![CDATA[oABCD1234efgh5678ijkl9012mnop]]></FromUserName>\n"
        "<CreateTime>1395658920</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n"
        "<Event><![CDATA[subscribe]]></Event></xml>",
        {"receipts": []},
        "https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html "
        "(subscribe event): any event other than TEMPLATESENDJOBFINISH is answered and carries nothing"),
    "text-message-no-receipt": (
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\n"
        "<FromUserName><![CDATA[oABCD1234efgh5678ijkl9012mnop]]></FromUserName>\n"
        "<CreateTime>1348831860</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n"
        "<Content><![CDATA[this is a test]]></Content>\n<MsgId>1234567890123456</MsgId></xml>",
        {"receipts": []},
        "https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html "
        "(text message): a follower's message is answered and carries nothing"),
    "not-xml": (
        '{"MsgType":"event"}',
        {"problem": {"code": "bad_request", "message": "the callback body is not WeChat XML"}},
        "vendors.md §4.3/§4.5: pushes are XML; anything else is refused (400)"),
    "template-without-msgid": (
        template_event("success").replace("<MsgID>200163836</MsgID>\n", ""),
        {"problem": {"code": "bad_request", "message": "TEMPLATESENDJOBFINISH without MsgID or Status"}},
        DOC + "; MsgID keys the receipt, so a push without one is refused (400)"),
}


def main():
    shutil.rmtree(os.path.join(here, PROFILE), ignore_errors=True)
    for name, (body, expected, source) in CASES.items():
        d = os.path.join(here, PROFILE, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "settings.json"), "w") as f:
            json.dump(SETTINGS, f, indent=2, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        with open(os.path.join(d, "callback.xml"), "w") as f:
            f.write(body)
        if "problem" in expected:
            out, content = "problem.expected.json", expected["problem"]
        else:
            out, content = "report.expected.json", {"receipts": expected["receipts"], "answer": ANSWER}
        with open(os.path.join(d, out), "w") as f:
            json.dump(content, f, indent=2, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        with open(os.path.join(d, "SOURCE"), "w") as f:
            f.write(source + "\n")


if __name__ == "__main__":
    main()
