import ChannelKit
import Crypto
import Foundation

/// The pseudonym a forgotten customer is kept under (design §12): `f:` + HMAC-SHA256 of `c:` + id, so the
/// consent log and conversions still hold together, and a returning id can be recognized, without the id.
///
/// Keyed by `privacy.pseudonym_key` when configured; else by the store key (through ``FieldCipher``, under its
/// own prefix so the pseudonym never equals the customer key); else by a key generated once into
/// `state_dir/pseudonym.key` (mode 0600), which must be kept apart from backups of the store. The PostgreSQL store
/// has no generated key (``init(configured:cipher:)``): several hosts would each generate their own.
/// `@unchecked`: its key is immutable once made (swift-crypto's `SymmetricKey` is not marked `Sendable`).
package struct Pseudonym: @unchecked Sendable {
    private enum Source {
        case key(SymmetricKey)
        case cipher(FieldCipher)
    }

    private let source: Source

    /// The file a store without any key keeps its generated pseudonym key in.
    static let fileName = "pseudonym.key"

    /// - Parameters:
    ///   - configured: `privacy.pseudonym_key`, if set.
    ///   - cipher: the store's cipher, used when it has a key.
    ///   - directory: the state directory, for the generated key.
    package init(configured: [UInt8]?, cipher: FieldCipher, directory: String) throws(StoreError) {
        if let configured {
            source = .key(SymmetricKey(data: configured))
        } else if cipher.isEnabled {
            source = .cipher(cipher)
        } else {
            source = .key(SymmetricKey(data: try Self.generatedKey(in: directory)))
        }
    }

    /// A maker keyed by `privacy.pseudonym_key` or the store key only; `nil` when neither is set.
    package init?(configured: [UInt8]?, cipher: FieldCipher) {
        if let configured {
            source = .key(SymmetricKey(data: configured))
        } else if cipher.isEnabled {
            source = .cipher(cipher)
        } else {
            return nil
        }
    }

    /// The pseudonym of a customer id.
    package func customer(_ id: String) -> String {
        switch source {
        case .key(let key):
            let code = HMAC<SHA256>.authenticationCode(for: Data(("c:" + id).utf8), using: key)
            return code.withUnsafeBytes { HexEncoding.lowercase($0, prefix: "f:") }
        case .cipher(let cipher):
            // `m:` + hex of HMAC(store key, "f:c:" + id): another input than the customer key's.
            return "f:" + cipher.dedupKey("f:c:" + id).dropFirst(2)
        }
    }

    /// The pseudonym of an address (normalized as policies compare it): a forgotten customer's address keeps its
    /// consent under it, so a send to the same number without a customer id is still suppressed.
    package func address(_ address: String) -> String {
        let subject = PolicySubject.address(address)
        switch source {
        case .key(let key):
            let code = HMAC<SHA256>.authenticationCode(for: Data(subject.utf8), using: key)
            return code.withUnsafeBytes { HexEncoding.lowercase($0, prefix: "f:") }
        case .cipher(let cipher):
            return "f:" + cipher.dedupKey("f:" + subject).dropFirst(2)
        }
    }

    /// The key in `directory/pseudonym.key`, made (32 random bytes, mode 0600) on first use.
    private static func generatedKey(in directory: String) throws(StoreError) -> [UInt8] {
        let path = directory + "/" + fileName
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw StoreError.statementFailed("\(path) must hold 32 bytes") }
            return [UInt8](data)
        }
        var key = [UInt8](repeating: 0, count: 32)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600])
        guard created else { throw StoreError.statementFailed("cannot create \(path)") }
        return key
    }
}
