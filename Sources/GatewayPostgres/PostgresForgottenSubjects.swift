package import GatewayStore
import Synchronization

/// Whether any customer was ever forgotten on the database, and the pseudonyms admission then checks (design §12,
/// as SQLite's `ForgottenSubjects`): consent kept under a pseudonym still suppresses a returning customer id or
/// address. Until the first forget, marketing sends pay no HMAC for it.
///
/// Several nodes share the database, so a node learns of another's forget from the database itself: while the
/// flag is off, intake's consent read also asks whether any subject is a pseudonym (``probe``, one index probe on
/// `consent_state`'s primary key, in the statement intake sends anyway). Once on, it stays on: pseudonyms are
/// never erased.
///
/// Pseudonyms are keyed by `privacy.pseudonym_key`, else by the store key. Unlike SQLite no key is ever generated:
/// each host would generate its own, and a returning customer would be recognized only on the host that forgot
/// it; `forget` refuses to run without either key instead (``PostgresMessageStore/forget(_:completion:)``).
package final class PostgresForgottenSubjects: Sendable {
    private let cipher: FieldCipher
    private let flag = Atomic<Bool>(false)
    /// `privacy.pseudonym_key` as last given, and the maker built from it (nil: not built yet).
    private let keyed = Mutex<(configured: [UInt8]?, maker: Pseudonym??)>((nil, nil))

    /// Whether any subject is a pseudonym (`f:` + hex; customer and address keys start `m:`, `c:` or `a:`): the
    /// column's collation is "C", so the range is byte order and the primary key answers it.
    static let probe = "EXISTS (SELECT 1 FROM consent_state WHERE subject >= 'f:' AND subject < 'f;')"

    package init(cipher: FieldCipher) {
        self.cipher = cipher
    }

    /// Whether consent is known to be kept under a pseudonym.
    package var active: Bool { flag.load(ordering: .relaxed) }

    /// Marks that consent is kept under a pseudonym (a forget committed, here or on another node).
    package func activate() { flag.store(true, ordering: .relaxed) }

    /// Uses `key` (`privacy.pseudonym_key`; nil: the store key) from now on.
    package func use(key: [UInt8]?) {
        keyed.withLock { state in
            guard state.configured != key else { return }
            state = (key, nil)
        }
    }

    /// The pseudonym maker, `nil` without `privacy.pseudonym_key` and store key.
    package func maker() -> Pseudonym? {
        keyed.withLock { state in
            if let made = state.maker { return made }
            let made = Pseudonym(configured: state.configured, cipher: cipher)
            state.maker = .some(made)
            return made
        }
    }

    /// The maker for `key` (a forget brings the key it was configured with); `nil` without any key.
    package func maker(key: [UInt8]?) -> Pseudonym? {
        use(key: key)
        return maker()
    }
}
