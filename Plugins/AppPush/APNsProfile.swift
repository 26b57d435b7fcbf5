import ChannelKit

/// Apple Push Notification service, `vendor: apns`: one HTTP/2 `POST {endpoint}/3/device/<token>` per message,
/// authorized by an ES256 provider token the adapter issues itself from the team's `.p8` key.
///
/// Sources: Apple, "Sending notification requests to APNs" and "Establishing a token-based connection to
/// APNs" (developer.apple.com/documentation/usernotifications); "Handling notification responses from APNs"
/// (developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns);
/// /work/shared/docs/vendors.md §5.4. Settings are read in `+Settings`, replies classified in `+Outcome`.
struct APNsProfile: AccessTokenProviding, CustomStringConvertible, CustomReflectable {
    /// Apple's production host; the development host is `https://api.sandbox.push.apple.com`.
    static let defaultEndpoint = "https://api.push.apple.com"
    /// The provider token is re-issued after 50 minutes: Apple refuses tokens older than one hour
    /// (`403 ExpiredProviderToken`) and throttles re-issuing more often than every 20 minutes
    /// (`429 TooManyProviderTokenUpdates`).
    static let tokenLifetimeMilliseconds: Int64 = 50 * 60 * 1000
    /// Apple's limit on a regular (non-VoIP) notification payload, in bytes.
    static let maxPayloadBytes = 4096

    /// Base URL without a trailing slash.
    let endpoint: String
    let teamID: String
    let keyID: String
    let key: ES256Key
    /// The app's bundle id, sent as `apns-topic`.
    let bundleID: String
    /// `apns-priority`: 10 (immediate) or 5 (power-considerate).
    let priority: Int
    /// How long APNs keeps an undeliverable notification; zero means "deliver now or drop".
    let timeToLiveSeconds: Int64
    /// `aps.sound`, if set.
    let sound: String?

    var description: String {
        "APNsProfile(endpoint: \(endpoint), team_id: \(teamID), key_id: \(keyID), bundle_id: \(bundleID))"
    }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        if let problem = Self.checkDeviceToken(message.recipient) { return problem }
        do {
            _ = try payload(for: message)
        } catch {
            return error
        }
        return nil
    }

    /// An APNs device token is hexadecimal (32 bytes today; Apple warns the length may change, so any even
    /// length from 16 to 200 digits is taken).
    static func checkDeviceToken(_ token: String) -> MessageProblem? {
        let isHex = token.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
        guard isHex, token.utf8.count % 2 == 0, (16...200).contains(token.utf8.count) else {
            return .invalidRecipient("an APNs device token is an even number (16 to 200) of hexadecimal digits")
        }
        return nil
    }

    /// The JSON payload: `aps.alert` (title, body), `aps.badge`, `aps.sound`, plus our message id and link.
    func payload(for message: OutboundMessage) throws(MessageProblem) -> [UInt8] {
        guard let body = message.content, !body.isEmpty else {
            throw .badRequest("an APNs alert needs 'content' (the notification body)", field: "content")
        }
        var alert: [String: JSONValue] = ["body": .string(body)]
        if let title = message.title, !title.isEmpty { alert["title"] = .string(title) }
        var aps: [String: JSONValue] = ["alert": .object(alert)]
        if let badge = try PushSettings.badge(message) { aps["badge"] = .number(String(badge)) }
        if let sound { aps["sound"] = .string(sound) }
        var root: [String: JSONValue] = ["aps": .object(aps), PushSettings.messageIDKey: .string(message.id)]
        if let url = message.url, !url.isEmpty { root[PushSettings.linkKey] = .string(url) }
        let bytes = Array(JSONValue.object(root).serialized.utf8)
        guard bytes.count <= Self.maxPayloadBytes else {
            throw .badRequest(
                "the APNs payload is \(bytes.count) bytes; Apple accepts at most \(Self.maxPayloadBytes)",
                field: "content")
        }
        return bytes
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        if let problem = Self.checkDeviceToken(message.recipient) { throw problem }
        let body = try payload(for: message)
        guard let token = context.accessToken else {
            throw .badRequest("no APNs provider token is available for this instance")
        }
        var headers = [
            HTTPHeader("authorization", "bearer " + token.reveal()),
            HTTPHeader("apns-topic", bundleID),
            HTTPHeader("apns-push-type", "alert"),
        ]
        if let id = APNsID.uuid(for: message.id) { headers.append(HTTPHeader("apns-id", id)) }
        let expiration = timeToLiveSeconds == 0 ? 0 : context.nowMilliseconds / 1000 + timeToLiveSeconds
        headers.append(HTTPHeader("apns-expiration", String(expiration)))
        headers.append(HTTPHeader("apns-priority", String(priority)))
        return VendorRequest(
            method: "POST",
            url: endpoint + "/3/device/" + message.recipient,
            headers: headers,
            body: body,
            requiresHTTP2: true
        )
    }

    /// The provider token: `{"alg":"ES256","kid":key_id}.{"iat":now,"iss":team_id}`, valid for 50 minutes.
    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
        let issuedAt = context.nowMilliseconds / 1000
        let header = JSONValue.object(["alg": .string("ES256"), "kid": .string(keyID)])
        let claims = JSONValue.object(["iss": .string(teamID), "iat": .number(String(issuedAt))])
        let jwt: String
        do {
            jwt = try JWT.es256(header: header, claims: claims, key: key)
        } catch {
            throw .badRequest("the APNs provider token could not be signed: \(error)")
        }
        return .issued(
            AccessToken(value: Secret(jwt), expiresAtMilliseconds: issuedAt * 1000 + Self.tokenLifetimeMilliseconds))
    }

    /// Never called: the provider token is signed here (``tokenStep(context:)`` answers `.issued`), not fetched.
    func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        .failed(Reason(.unknown, detail: "APNs provider tokens are signed locally, not fetched"))
    }
}

/// The `apns-id` header: APNs echoes it back and wants a canonical lowercase 8-4-4-4-12 UUID.
///
/// Gateway ids are ULIDs (`m` + 26 Crockford base-32 digits = 128 bits, see `MessageIDGenerator`), so they map
/// one-to-one onto a UUID's 16 bytes and back; an id that already is a UUID is sent lowercased. Any other id
/// gets no header (APNs then assigns one, returned in the reply's `apns-id`), since a derived value could not
/// be mapped back. Apple documents the format only, not a UUID version, so the ULID bits are sent unchanged.
enum APNsID {
    private static let crockford = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func uuid(for id: String) -> String? {
        if let bytes = ulidBytes(id) { return format(bytes) }
        if isUUID(id) { return id.lowercased() }
        return nil
    }

    /// The 16 bytes of `m` + 26 Crockford digits (the first at most 7, as 130 bits hold 128).
    static func ulidBytes(_ id: String) -> [UInt8]? {
        let utf8 = Array(id.utf8)
        guard utf8.count == 27, utf8[0] == UInt8(ascii: "m") else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in utf8.dropFirst().enumerated() {
            guard let digit = crockford.firstIndex(of: byte) else { return nil }
            if offset == 0, digit > 7 { return nil }
            high = high << 5 | low >> 59
            low = low << 5 | UInt64(digit)
        }
        var bytes: [UInt8] = []
        for word in [high, low] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }

    static func isUUID(_ id: String) -> Bool {
        let utf8 = Array(id.utf8)
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte),
                !(UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte),
                !(UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            {
                return false
            }
        }
        return true
    }

    static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
