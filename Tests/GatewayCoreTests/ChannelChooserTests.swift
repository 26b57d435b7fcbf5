import GatewayConfig
import GatewayStore
import Testing

@testable import GatewayCore

/// Where a send goes: listed instances in order, and `auto` by learned score once there is evidence, else the
/// fallback order; exploration is deterministic per run and visit.
struct ChannelChooserTests {
    static let now: Int64 = 1_700_000_000_000
    static let instances = ChannelChooser.Instances(kinds: [
        "push-main": "app_push", "sms-a": "sms", "sms-b": "sms", "oa-main": "wechat_oa",
    ])
    static let affinity = AffinitySettings(
        exploration: 0, fallback: ["app_push", "wechat_oa", "sms"],
        instances: ["app_push": ["push-main"], "wechat_oa": ["oa-main"], "sms": ["sms-a"]])
    static let addresses = ["app_push": "token-1", "sms": "13800000000", "wechat_oa": "openid-1"]

    static func choose(
        _ channels: SendStep.Channels, customer: CustomerFacts, instances: ChannelChooser.Instances = instances,
        affinity: AffinitySettings = affinity, runID: Int64 = 1
    ) -> ChannelChooser.Choice {
        ChannelChooser.choose(
            channels, customer: customer, instances: instances, affinity: affinity, now: now, runID: runID, visit: 1)
    }

    static func order(_ choice: ChannelChooser.Choice) -> [String] {
        guard case .candidates(let list) = choice else { return [] }
        return list.map(\.instance)
    }

    @Test func listedInstancesKeepTheirOrderAndSkipTypesWithoutAddress() {
        let customer = CustomerFacts(id: "c1", addresses: ["sms": "13800000000"])
        let choice = Self.choose(.instances(["push-main", "sms-b", "sms-a"]), customer: customer)
        #expect(Self.order(choice) == ["sms-b", "sms-a"])
        guard case .candidates(let list) = choice else { return }
        #expect(list[0].address == "13800000000")
        #expect(list[0].channelType == "sms")
    }

    @Test func unknownInstancesMeanNoChannelAndNoAddressesMeanNoAddress() {
        let customer = CustomerFacts(id: "c1", addresses: Self.addresses)
        #expect(Self.choose(.instances(["removed"]), customer: customer) == .unavailable("no_channel"))
        let bare = CustomerFacts(id: "c2")
        #expect(Self.choose(.instances(["sms-a"]), customer: bare) == .unavailable("no_address"))
    }

    @Test func unhealthyInstancesGoOnlyWhenNothingElseCan() {
        let customer = CustomerFacts(id: "c1", addresses: Self.addresses)
        let paused = ChannelChooser.Instances(kinds: Self.instances.kinds, unhealthy: ["sms-a"])
        #expect(
            Self.order(Self.choose(.instances(["sms-a", "sms-b"]), customer: customer, instances: paused)) == ["sms-b"])
        #expect(Self.order(Self.choose(.instances(["sms-a"]), customer: customer, instances: paused)) == ["sms-a"])
    }

    @Test func autoWithoutEvidenceUsesTheFallbackOrder() {
        let scores = [
            "wechat_oa": ChannelScoreRow(
                sends: 1, engagements: 1, sendsTotal: 1, lastEngagedAt: Self.now, updatedAt: Self.now)
        ]
        let customer = CustomerFacts(id: "c1", addresses: Self.addresses, scores: scores)
        #expect(Self.order(Self.choose(.auto, customer: customer)) == ["push-main", "oa-main", "sms-a"])
    }

    @Test func autoWithEvidenceRanksByScore() {
        // The first customer: push 2 sends, SMS 1, OA 1 with a click ⇒ OA 0.67, SMS 0.33, push 0.25.
        let scores = [
            "app_push": ChannelScoreRow(
                sends: 2, engagements: 0, sendsTotal: 2, lastEngagedAt: nil, updatedAt: Self.now),
            "sms": ChannelScoreRow(sends: 1, engagements: 0, sendsTotal: 1, lastEngagedAt: nil, updatedAt: Self.now),
            "wechat_oa": ChannelScoreRow(
                sends: 1, engagements: 1, sendsTotal: 1, lastEngagedAt: Self.now, updatedAt: Self.now),
        ]
        let customer = CustomerFacts(id: "c1", addresses: Self.addresses, scores: scores)
        #expect(Self.order(Self.choose(.auto, customer: customer)) == ["oa-main", "sms-a", "push-main"])
        // Without an OA address the learned order goes on with the rest.
        var noOA = customer
        noOA.addresses["wechat_oa"] = nil
        #expect(Self.order(Self.choose(.auto, customer: noOA)) == ["sms-a", "push-main"])
    }

    @Test func scoresDecayTowardsTheUntriedPrior() {
        let halfLife = 30.0 * 86_400_000
        let row = ChannelScoreRow(sends: 4, engagements: 4, sendsTotal: 4, lastEngagedAt: 0, updatedAt: 0)
        let fresh = ChannelChooser.score(row, now: 0, halfLife: halfLife)
        let old = ChannelChooser.score(row, now: Int64(halfLife * 10), halfLife: halfLife)
        #expect(abs(fresh - 5.0 / 6.0) < 1e-9)
        #expect(old < fresh && old > 0.5)
    }

    @Test func explorationIsDeterministicAndNearItsShare() {
        let types = ["a", "b", "c"]
        var moved = 0
        for run in 0..<10_000 {
            let first = ChannelChooser.explore(types, share: 0.05, runID: Int64(run), visit: 3)
            #expect(first == ChannelChooser.explore(types, share: 0.05, runID: Int64(run), visit: 3))
            #expect(Set(first) == Set(types))
            if first[0] != "a" { moved += 1 }
        }
        #expect(moved > 350 && moved < 650)
        #expect(ChannelChooser.explore(types, share: 0, runID: 1, visit: 1) == types)
    }
}
