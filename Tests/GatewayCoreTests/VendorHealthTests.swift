import ChannelKit
import Testing

@testable import GatewayCore

struct VendorHealthTests {
    @Test func onlyVendorSideFailuresCountAndASuccessEndsTheRun() {
        var health = VendorHealth()
        health.failed(Reason(.invalidRecipient, detail: "bad number"), at: 1_000)
        #expect(health.consecutiveFailures == 0 && health.failingSince == nil)
        health.failed(Reason(.vendorUnavailable, detail: "connection refused 13800138000"), at: 2_000)
        health.failed(Reason(.throttled), at: 5_000)
        #expect(health.consecutiveFailures == 2)
        #expect(health.failingSince == 2_000 && health.lastErrorAt == 5_000)
        #expect(health.lastError == "throttled: ")
        health.succeeded(at: 6_000)
        #expect(health.consecutiveFailures == 0 && health.failingSince == nil && health.lastSuccessAt == 6_000)
    }

    @Test func degradedOnlyAfterFailingForAMinuteWithoutASuccess() {
        var health = VendorHealth()
        health.failed(Reason(.vendorUnavailable, detail: "refused"), at: 10_000)
        #expect(!health.isDegraded(now: 10_000 + VendorHealth.degradedAfterMilliseconds - 1))
        #expect(health.isDegraded(now: 10_000 + VendorHealth.degradedAfterMilliseconds))
        health.succeeded(at: 80_000)
        #expect(!health.isDegraded(now: 200_000))
    }

    @Test func theLastErrorIsMasked() {
        var health = VendorHealth()
        health.failed(Reason(.vendorUnavailable, detail: "refused 13800138000"), at: 1)
        #expect(health.lastError == "vendor_unavailable: refused 138****8000")
    }
}
