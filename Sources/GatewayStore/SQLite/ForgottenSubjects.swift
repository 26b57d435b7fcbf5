/// Whether any customer was ever forgotten, and the pseudonyms admission then checks (design §12): consent kept
/// under a pseudonym still suppresses a returning customer id or address. Until the first forget the flag is
/// off and sends pay nothing for it.
///
/// Held by the writer's ``CustomerStatements`` (a reference, so the flag set by `forget` is seen by admission).
final class ForgottenSubjects {
    /// Whether consent is kept under any pseudonym (loaded at open, set by `forget`).
    private(set) var active: Bool
    /// Whether `forget_jobs` may hold a job (loaded at open, set by `forget`, cleared when the sweep finds none).
    var sweeping: Bool
    /// The state directory, for a generated pseudonym key (from the main database's file).
    private let directory: String
    /// `privacy.pseudonym_key`, as last given by the gateway or a `forget`.
    private var configured: [UInt8]?
    private var pseudonym: Pseudonym?

    init(_ database: SQLiteDatabase) throws(StoreError) {
        let files = try database.prepare("PRAGMA database_list")
        var path = ""
        while try files.step() {
            if files.string(1) == "main" { path = files.string(2) ?? "" }
        }
        files.reset()
        directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        // Pseudonyms start with `f:`; customer and address keys with `m:`, `c:` or `a:` (primary key range).
        let any = try database.prepare("SELECT 1 FROM consent_state WHERE subject >= 'f:' AND subject < 'f;' LIMIT 1")
        active = try any.step()
        any.reset()
        let jobs = try database.prepare("SELECT 1 FROM forget_jobs LIMIT 1")
        sweeping = try jobs.step()
        jobs.reset()
    }

    /// Uses `key` (`privacy.pseudonym_key`, nil: the store keys pseudonyms itself) from now on.
    func use(key: [UInt8]?) {
        guard key != configured else { return }
        configured = key
        pseudonym = nil
    }

    /// Marks that consent is now kept under a pseudonym.
    func activate() { active = true }

    /// The pseudonym maker, built on first use (a store without any key generates its key file only then).
    func maker(cipher: FieldCipher, directory override: String? = nil) throws(StoreError) -> Pseudonym {
        if let pseudonym { return pseudonym }
        let made = try Pseudonym(configured: configured, cipher: cipher, directory: override ?? directory)
        pseudonym = made
        return made
    }
}
