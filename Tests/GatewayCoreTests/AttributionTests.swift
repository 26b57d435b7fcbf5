import Testing

@testable import GatewayStore

/// Conversion attribution (design §10): last or first touch within the goal window.
struct AttributionTests {
    let hour: Int64 = 3_600_000
    var touches: [Attribution.Touch] {
        [
            Attribution.Touch(visit: 1, step: "push1", channelType: "app_push", at: 0),
            Attribution.Touch(visit: 3, step: "push2", channelType: "app_push", at: 48 * hour),
            Attribution.Touch(visit: 5, step: "sms", channelType: "sms", at: 96 * hour),
            Attribution.Touch(visit: 6, step: "wechat", channelType: "wechat_oa", at: 96 * hour),
        ]
    }

    @Test func lastTouchIsTheNewestSendBeforeTheConversion() {
        let credit = Attribution.credit(touches: touches, at: 100 * hour, within: 14 * 24 * hour, firstTouch: false)
        #expect(credit.credited?.step == "wechat" && credit.last?.step == "wechat")
        #expect(credit.first?.step == "push1")
    }

    @Test func firstTouchIsTheOldestSendInTheWindow() {
        let credit = Attribution.credit(touches: touches, at: 100 * hour, within: 14 * 24 * hour, firstTouch: true)
        #expect(credit.credited?.step == "push1" && credit.credited?.channelType == "app_push")
        // A window that starts after push1 makes push2 the first touch.
        let narrow = Attribution.credit(touches: touches, at: 100 * hour, within: 60 * hour, firstTouch: true)
        #expect(narrow.credited?.step == "push2")
    }

    @Test func touchesAfterTheConversionOrOutsideTheWindowDoNotCount() {
        let early = Attribution.credit(touches: touches, at: 50 * hour, within: 24 * hour, firstTouch: false)
        #expect(early.credited?.step == "push2" && early.first?.step == "push2")
        let none = Attribution.credit(touches: touches, at: 200 * hour, within: 24 * hour, firstTouch: false)
        #expect(none.credited == nil && none.first == nil && none.last == nil)
    }
}
