import GatewayConfig
import Testing

@testable import GatewayStore

/// Channel affinity arithmetic (design §7): decay, the Laplace score, evidence and the `prefers:` hysteresis.
struct ChannelScoreTests {
    static let day: Int64 = 86_400_000
    let score = ChannelScore(AffinitySettings())

    func rows(_ events: [(type: String, engaged: Bool)], at now: Int64 = 0) -> [String: ChannelScoreRow] {
        var rows: [String: ChannelScoreRow] = [:]
        for event in events {
            rows[event.type] = score.afterSend(rows[event.type], at: now)
            if event.engaged { rows[event.type] = score.afterEngagement(rows[event.type], at: now) }
        }
        return rows
    }

    @Test func theDesignsWorkedExampleEarnsPrefersWechatOA() {
        // Push ignored twice, SMS once, the Official Account clicked.
        let rows = rows([("app_push", false), ("app_push", false), ("sms", false), ("wechat_oa", true)])
        #expect(abs(ChannelScore.score(rows["app_push"]!) - 0.25) < 1e-9)
        #expect(abs(ChannelScore.score(rows["sms"]!) - 1.0 / 3) < 1e-9)
        #expect(abs(ChannelScore.score(rows["wechat_oa"]!) - 2.0 / 3) < 1e-9)
        #expect(score.hasEvidence(rows))
        #expect(score.ranked(rows, at: 0).map(\.type) == ["wechat_oa", "sms", "app_push"])
        #expect(score.preferred(rows, current: nil, at: 0) == "wechat_oa")
    }

    @Test func withoutEvidenceOrEngagementNoChannelIsPreferred() {
        // One channel only: not enough channels, whatever the clicks.
        #expect(score.preferred(rows([("sms", true), ("sms", true), ("sms", true)]), current: nil, at: 0) == nil)
        // Two sends: below min_sends.
        #expect(score.preferred(rows([("sms", true), ("app_push", false)]), current: nil, at: 0) == nil)
        // Evidence but nobody engaged: the leader must have engaged.
        #expect(
            score.preferred(rows([("sms", false), ("app_push", false), ("app_push", false)]), current: nil, at: 0)
                == nil)
    }

    @Test func decayHalvesOverTheHalfLife() {
        let row = ChannelScoreRow(sends: 4, engagements: 2, sendsTotal: 4, lastEngagedAt: 0, updatedAt: 0)
        let later = score.decayed(row, to: 30 * Self.day)
        #expect(abs(later.sends - 2) < 1e-9 && abs(later.engagements - 1) < 1e-9)
        #expect(later.sendsTotal == 4 && later.updatedAt == 30 * Self.day)
        // A send a half-life later: S = 4·½ + 1.
        #expect(abs(score.afterSend(row, at: 30 * Self.day).sends - 3) < 1e-9)
        #expect(ChannelScore(AffinitySettings(halfLife: .seconds(3600))).halfLife == 3_600_000)
    }

    @Test func theTagIsKeptWhileTheLeadHoldsHalfTheMargin() {
        var rows = rows([("app_push", false), ("app_push", false), ("sms", false), ("wechat_oa", true)])
        // Lead 0.33 ≥ 0.2: earned. More OA sends without clicks shrink the lead.
        rows["wechat_oa"] = score.afterSend(rows["wechat_oa"], at: 0)  // OA 2/4 = 0.5, lead 0.17
        #expect(score.preferred(rows, current: nil, at: 0) == nil)  // not earned from scratch
        #expect(score.preferred(rows, current: "wechat_oa", at: 0) == "wechat_oa")  // but kept (≥ 0.1)
        rows["wechat_oa"] = score.afterSend(rows["wechat_oa"], at: 0)  // OA 2/5 = 0.4, lead 0.07
        #expect(score.preferred(rows, current: "wechat_oa", at: 0) == nil)  // lost
        // Another type leading clearly takes the tag over.
        rows["sms"] = score.afterEngagement(rows["sms"], at: 0)
        rows["sms"] = score.afterEngagement(rows["sms"], at: 0)  // SMS 3/3 = 1.0
        #expect(score.preferred(rows, current: "wechat_oa", at: 0) == "sms")
    }
}
