public import GatewayJSON

/// An answer line as a client reads it: the text as received, its parsed object, and its error when not `ok`.
/// The operation's answer type reads the fields (`SendAnswer(json: reply.value)`).
public struct ControlReply: Sendable {
    /// The line as received, without its newline.
    public let bytes: [UInt8]
    /// The parsed object.
    public let value: JSONValue

    /// Parses an answer line; `nil` when it is not a JSON object.
    public init?(line: [UInt8]) {
        guard let value = try? JSONParser.parse(line), case .object = value else { return nil }
        self.bytes = line
        self.value = value
    }

    /// The line as received, without its newline (made when asked: a benchmark reads thousands a second).
    public var raw: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the daemon did what was asked.
    public var ok: Bool { value["ok"] == .bool(true) }

    /// The error of an answer that is not `ok`, when its code is one this client knows.
    public var error: ControlError? { value["error"].flatMap(ControlError.init(json:)) }

    /// The request `id` echoed back.
    public var id: JSONValue? { value["id"] }

    /// The error's `code` as sent, also one this client does not know (a newer daemon); `nil` when `ok`.
    public var errorCode: String? {
        guard !ok else { return nil }
        return value["error"]?["code"]?.scalarText ?? "unknown"
    }

    /// The error's `message` as sent; `nil` when `ok` or when there is none.
    public var errorMessage: String? { ok ? nil : value["error"]?["message"]?.scalarText }
}
