import ChannelAppPush
import ChannelKit
import ChannelTesting
import Foundation
import Testing

/// The `apns` and `fcm` instance examples of the README load cleanly through the real YAML parser and secret
/// resolver, with the test keys standing in for the credential files.
struct APNsFCMSampleTests {
    /// The README's `apns` example, verbatim.
    static let apnsExample = """
        # /etc/channel-gateway/channels.d/push-apns.yaml: bank notifications to the iOS app through APNs.
        type: app_push
        vendor: apns
        settings:
          # endpoint: https://api.push.apple.com
          team_id: ABCDE12345
          key_id: KEY1234567
          private_key: credential:apns_auth_key
          bundle_id: com.example.bank
          # priority: 10
          # time_to_live: 1d
          sound: default

        """

    /// The README's `fcm` example, verbatim.
    static let fcmExample = """
        # /etc/channel-gateway/channels.d/push-fcm.yaml: bank notifications to the Android app through FCM.
        type: app_push
        vendor: fcm
        settings:
          # endpoint: https://fcm.googleapis.com
          project_id: example-bank-app
          client_email: gateway@example-bank-app.iam.gserviceaccount.com
          private_key: credential:fcm_private_key
          # private_key_id: 0123456789abcdef0123456789abcdef01234567
          # token_uri: https://oauth2.googleapis.com/token
          # android_priority: high
          time_to_live: 1d

        """

    static func load(_ yaml: String, credentials: [String: String]) throws -> (any ChannelAdapter)? {
        let loaded = try YAMLInstance(
            yaml, kind: AppPushChannel.kind, instance: "sample", file: "sample.yaml", credentials: credentials)
        #expect(loaded.type == AppPushChannel.kind.name)
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        return loaded.adapter
    }

    @Test func apnsExampleLoads() throws {
        let key = try fixtures.file("apns", "test-key.p8")
        let adapter = try #require(try Self.load(Self.apnsExample, credentials: ["apns_auth_key": key]))
        let message = OutboundMessage(
            id: "m01JDQ7Z8X4N5R2T6V8W0Y3A5C7", channel: "sample", recipient: String(repeating: "ab", count: 32),
            content: "入账 100.00 元", title: "示例银行")
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: goldenContext)
        #expect(request.url == "https://api.push.apple.com/3/device/" + String(repeating: "ab", count: 32))
        #expect(request.headers.value(named: "apns-expiration") == "1764086400")
    }

    @Test func fcmExampleLoads() throws {
        let key = try fixtures.file("fcm", "test-key.pem")
        let adapter = try #require(try Self.load(Self.fcmExample, credentials: ["fcm_private_key": key]))
        let step = try adapter.require((any AccessTokenProviding).self).tokenStep(context: goldenContext)
        guard case .fetch(let request) = step else {
            Issue.record("expected a token fetch")
            return
        }
        #expect(request.url == "https://oauth2.googleapis.com/token")
        let message = OutboundMessage(
            id: "m01JDQ7Z8X4N5R2T6V8W0Y3A5C7", channel: "sample", recipient: FCMProfileTests.token, content: "入账")
        let send = try adapter.request(for: message, context: goldenContext)
        #expect(send.url == "https://fcm.googleapis.com/v1/projects/example-bank-app/messages:send")
        #expect(String(decoding: send.body, as: UTF8.self).contains(#""ttl":"86400s""#))
    }
}
