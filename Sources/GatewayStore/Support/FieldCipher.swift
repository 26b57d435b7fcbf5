import ChannelKit
import Crypto
import Foundation

/// Encrypts personal fields (addresses, content, parameters, client dedup keys) before they reach the store,
/// with AES-256-GCM under a key from a credential; a no-op when no key is configured.
///
/// Sealed values are `enc1:` + base64(nonce ‖ ciphertext ‖ tag), so plain rows written before encryption was
/// turned on still read. Dedup keys, which must stay comparable, are replaced by an HMAC-SHA256 under the same
/// key: equal keys still match, but the store no longer holds a hash anyone can brute-force from a phone number.
// SymmetricKey and the keyed HMAC are immutable once made but not marked Sendable in swift-crypto 3.12; reading
// them from the writer and dispatcher threads at once is safe (a copy of the HMAC copies its digest state on first
// write, and the template here is never written).
package struct FieldCipher: @unchecked Sendable {
    private static let prefix = "enc1:"
    private let key: SymmetricKey?
    /// The HMAC with the key already absorbed (its padded inner and outer blocks hashed), made once so a dedup key
    /// costs only its own bytes; every call works on a copy.
    private let keyedHMAC: HMAC<SHA256>?

    /// - Parameter key: 32 key bytes, or `nil` to store fields as they are.
    package init(key: [UInt8]?) {
        let symmetricKey = key.map { SymmetricKey(data: $0) }
        self.key = symmetricKey
        self.keyedHMAC = symmetricKey.map { HMAC<SHA256>(key: $0) }
    }

    package var isEnabled: Bool { key != nil }

    /// The stored form of a field.
    package func seal(_ text: String?) throws(StoreError) -> String? {
        guard let text, let key else { return text }
        do {
            let box = try AES.GCM.seal(Data(text.utf8), using: key)
            guard let combined = box.combined else { throw StoreError.statementFailed("AES-GCM produced no output") }
            return Self.prefix + combined.base64EncodedString()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.statementFailed("cannot encrypt a field: \(error)")
        }
    }

    /// The field from its stored form.
    package func open(_ stored: String?) throws(StoreError) -> String? {
        guard let stored, stored.hasPrefix(Self.prefix) else { return stored }
        guard let key else {
            throw StoreError.statementFailed("the store holds encrypted fields but no store_encryption_key is set")
        }
        guard let data = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))) else {
            throw StoreError.statementFailed("an encrypted field is damaged")
        }
        do {
            let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key)
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw StoreError.statementFailed("cannot decrypt a field (wrong store_encryption_key?)")
        }
    }

    /// The form of a dedup key kept in the store.
    package func dedupKey(_ key: String) -> String {
        guard var authenticator = keyedHMAC else { return key }
        var text = key
        text.withUTF8 { authenticator.update(data: UnsafeRawBufferPointer($0)) }
        let code = authenticator.finalize()
        return code.withUnsafeBytes { HexEncoding.lowercase($0, prefix: "m:") }
    }
}
