import ChannelKit
import GatewayConfig
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// The pure policy arithmetic: quiet-hour windows, cap windows and opt-out keyword matching.
struct PolicyRuleTests {
    /// 2026-11-24T00:00:00+08:00 (Asia/Shanghai has no DST).
    static let shanghaiMidnight: Int64 = 1_795_449_600_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func rule(_ from: Int, _ until: Int, channels: [String]? = ["sms"]) -> QuietHoursRule {
        QuietHoursRule(categories: [.marketing], channelTypes: channels, allowedFrom: from, allowedUntil: until)
    }

    @Test func daytimeWindowOpensAtEightAndClosesAtNineInShanghai() {
        let quiet = QuietHours(rules: [Self.rule(8 * 60, 21 * 60)], timeZone: "Asia/Shanghai")
        let midnight = Self.shanghaiMidnight
        let eight = midnight + 8 * Self.hour
        let nine = midnight + 21 * Self.hour
        #expect(quiet.earliestAllowed(.marketing, channelType: "sms", from: eight - 1) == eight)
        #expect(quiet.earliestAllowed(.marketing, channelType: "sms", from: eight) == eight)
        #expect(quiet.earliestAllowed(.marketing, channelType: "sms", from: nine - 1) == nine - 1)
        // 21:00 is closed: the next opening is 08:00 the next day, across midnight.
        #expect(quiet.earliestAllowed(.marketing, channelType: "sms", from: nine) == eight + Self.day)
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "sms", from: midnight + Self.day - 1) == eight + Self.day)
        // Other categories and channel types are not held.
        #expect(quiet.earliestAllowed(.transactional, channelType: "sms", from: nine) == nine)
        #expect(quiet.earliestAllowed(.marketing, channelType: "wecom", from: nine) == nine)
        #expect(!quiet.covers(.critical, channelType: "sms"))
    }

    @Test func windowAcrossMidnightIsOpenLateAndEarly() {
        // Allowed 22:00-06:00 (a night-shift call campaign): closed through the day.
        let quiet = QuietHours(rules: [Self.rule(22 * 60, 6 * 60, channels: nil)], timeZone: "Asia/Shanghai")
        let midnight = Self.shanghaiMidnight
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "call_queue", from: midnight + 23 * Self.hour) == midnight
                + 23 * Self.hour)
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "sms", from: midnight + 30 * 60_000) == midnight + 30
                * 60_000)
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "sms", from: midnight + 6 * Self.hour - 1) == midnight + 6
                * Self.hour - 1)
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "sms", from: midnight + 6 * Self.hour) == midnight + 22
                * Self.hour)
    }

    @Test func theZoneMattersUTCAndShanghaiDifferByEightHours() {
        let utc = QuietHours(rules: [Self.rule(8 * 60, 21 * 60)], timeZone: "UTC")
        // Shanghai midnight is 16:00 UTC the day before: open in UTC, closed in Shanghai.
        #expect(
            utc.earliestAllowed(.marketing, channelType: "sms", from: Self.shanghaiMidnight) == Self.shanghaiMidnight)
        let shanghai = QuietHours(rules: [Self.rule(8 * 60, 21 * 60)], timeZone: "Asia/Shanghai")
        #expect(
            shanghai.earliestAllowed(.marketing, channelType: "sms", from: Self.shanghaiMidnight) == Self
                .shanghaiMidnight + 8 * Self.hour)
    }

    @Test func twoRulesMustBothBeOpen() {
        let quiet = QuietHours(
            rules: [Self.rule(8 * 60, 21 * 60), Self.rule(12 * 60, 14 * 60, channels: nil)], timeZone: "Asia/Shanghai")
        let midnight = Self.shanghaiMidnight
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "sms", from: midnight + 9 * Self.hour) == midnight + 12
                * Self.hour)
        #expect(
            quiet.earliestAllowed(.marketing, channelType: "sms", from: midnight + 15 * Self.hour) == midnight
                + Self.day + 12 * Self.hour)
    }

    @Test func capWindowCountsOnlySendsInsideTheSlidingWindow() {
        let week = 7 * Self.day
        let t0: Int64 = 1_000_000_000
        let events = [t0, t0 + Self.day, t0 + 2 * Self.day]
        #expect(!CapWindow.fits(events: events, max: 3, window: week, at: t0 + 3 * Self.day))
        // The first send leaves the window exactly one window after it (the window is (t - 7d, t]).
        #expect(!CapWindow.fits(events: events, max: 3, window: week, at: t0 + week - 1))
        #expect(CapWindow.fits(events: events, max: 3, window: week, at: t0 + week))
        #expect(CapWindow.fits(events: events, max: 4, window: week, at: t0 + 3 * Self.day))
        #expect(CapWindow.earliestSlot(events: events, max: 3, window: week, from: t0 + 3 * Self.day) == t0 + week)
        #expect(
            CapWindow.earliestSlot(events: events, max: 2, window: week, from: t0 + 3 * Self.day) == t0 + Self.day
                + week)
        // A send already deferred into the future still counts, and the next slot comes after it.
        let future = [t0, t0 + week]
        #expect(!CapWindow.fits(events: future, max: 2, window: week, at: t0 + Self.day))
        #expect(CapWindow.earliestSlot(events: future, max: 2, window: week, from: t0 + Self.day) == t0 + week)
    }

    @Test(arguments: ["T", "td", "TD", " TD ", "ｔｄ", "ＴＤ。", "退订", "退 订", "退订！", "r", "Ｒ", "n", "\u{3000}R\u{3000}"])
    func optOutKeywordsMatchIgnoringCaseSpacesAndWidth(_ reply: String) {
        let keywords = OptOutKeywords(PolicyConfiguration().optOutKeywords)
        #expect(keywords.matches(reply))
    }

    @Test(arguments: ["TD please", "TDX", "不要退订", "", "Y", "谢谢"])
    func otherRepliesAreNotOptOuts(_ reply: String) {
        let keywords = OptOutKeywords(PolicyConfiguration().optOutKeywords)
        #expect(!keywords.matches(reply))
    }

    @Test func configuredKeywordsReplaceTheDefaults() {
        let keywords = OptOutKeywords(["STOP", "取消"])
        #expect(keywords.matches("stop"))
        #expect(keywords.matches("取消"))
        #expect(!keywords.matches("TD"))
    }

    @Test func phoneNumbersCompareWithoutCountryCodeOrPunctuation() {
        #expect(PolicySubject.address("+86 138-0013-8000") == PolicySubject.address("13800138000"))
        #expect(PolicySubject.address("008613800138000") == PolicySubject.address("13800138000"))
        #expect(PolicySubject.address("oUser-OpenID_1") == "a:oUser-OpenID_1")
        #expect(PolicySubject.capKey(customer: "C1", address: "13800138000") == "c:C1")
    }
}
