import Crypto
import Foundation

/// Checks an Alibaba Cloud RPC v1 signature the way Alibaba's servers do (vendors.md 2.1.2), written apart from
/// the gateway's own signer so the stub is an independent check.
enum AlibabaSignatureCheck {
    /// Whether a form body's `Signature` matches the other parameters under `secret`.
    static func isValid(form: [(String, String)], method: String, secret: String) -> Bool {
        guard let signature = form.first(where: { $0.0 == "Signature" })?.1 else { return false }
        func encode(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics.intersection(
                CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
            allowed.insert(charactersIn: "-_.~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
        let canonical = form.filter { $0.0 != "Signature" }.map { (encode($0.0), encode($0.1)) }
            .sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let stringToSign = method + "&" + encode("/") + "&" + encode(canonical)
        let code = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(stringToSign.utf8), using: SymmetricKey(data: Data((secret + "&").utf8)))
        return Data(code).base64EncodedString() == signature
    }
}
