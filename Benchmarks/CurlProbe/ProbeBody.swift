/// The request body of message `index`, byte for byte the shape gatewayd renders for `./bench`'s `http`
/// instance (the YAML folds the template's line break into a space), with a 27-character message id as `ref`.
///
/// Every varying field has a fixed width, so a body is the template copied and its digits patched in place:
/// the probe measures libcurl, and building strings per request would add the probe's own cost to it.
enum ProbeBody {
    /// Room for any body this renders; the slots' buffers are this big.
    static let capacity = 256

    private static let template = Array(
        (#"{"to":"13800130000","content":"Your code is 000000","template":"otp", "#
            + #""params":{"code":"000000"},"ref":"m00000000000000000000000000"}"#).utf8)
    /// Where each field's last digit sits, and how many digits it has.
    private static let recipient = field(after: #"{"to":"1380013"#, width: 4)
    private static let content = field(after: #""Your code is "#, width: 6)
    private static let code = field(after: #""code":""#, width: 6)
    private static let reference = field(after: #""ref":"m"#, width: 26)

    private static func field(after prefix: String, width: Int) -> (end: Int, width: Int) {
        let marker = Array(prefix.utf8)
        let start = (0...(template.count - marker.count)).first { Array(template[$0..<$0 + marker.count]) == marker }
        return (start! + marker.count + width - 1, width)
    }

    /// Writes the body of message `index` into `buffer` and returns its length.
    static func render(index: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(template.count <= buffer.count, "body larger than the slot buffer")
        buffer.copyBytes(from: template)
        let codeValue = 100_000 + index % 900_000
        write(index % 10_000, recipient, buffer)
        write(codeValue, content, buffer)
        write(codeValue, code, buffer)
        write(index, reference, buffer)
        return template.count
    }

    /// Writes `value`'s last `field.width` decimal digits right-aligned, zero-padded.
    private static func write(_ value: Int, _ field: (end: Int, width: Int), _ buffer: UnsafeMutableRawBufferPointer) {
        var rest = value
        for position in stride(from: field.end, to: field.end - field.width, by: -1) {
            buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
