internal import CLibPQ
public import ChannelKit

/// A libpq connection string, parsed by libpq's own parser (`PQconninfoParse`), which never connects.
///
/// Both forms libpq takes are accepted: a URI (`postgresql://user@host:5432/db?sslmode=require`) and `key=value`
/// words. The string stays a ``Secret``; ``description`` names the server and database without the password.
public struct PostgresConnectionString: Sendable, CustomStringConvertible {
    /// Why a string is not a connection string libpq accepts.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// libpq's words, without the string itself.
        public let message: String
        public var description: String { message }
    }

    /// The string, for libpq.
    public let text: Secret
    /// The options the string sets, keyword to value; the password among them, so never printed whole.
    private let options: [String: String]

    /// Parses `text`.
    /// - Throws: ``Problem`` with libpq's reason when it does not parse.
    public init(_ text: Secret) throws(Problem) {
        var failure: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(text.reveal(), &failure) else {
            defer { if let failure { PQfreemem(failure) } }
            let reason = failure.map { String(cString: $0) } ?? "libpq is out of memory"
            throw Problem(message: reason.trimmingTrailingNewlines)
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { options[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        self.text = text
        self.options = options
    }

    /// Whether the string itself carries a password (a `.pgpass` file or a certificate is the better home).
    public var hasPassword: Bool { !(options["password"] ?? "").isEmpty }

    /// The value of one libpq keyword the string sets (`host`, `port`, `dbname`, `user`, `sslmode`…); never the
    /// password.
    public func option(_ keyword: String) -> String? { keyword == "password" ? nil : options[keyword] }

    /// `host=db-a port=5432 dbname=gateway user=gateway`: the keywords set among these, never the password.
    public var description: String {
        let shown = ["host", "hostaddr", "port", "dbname", "user", "sslmode"].compactMap { keyword in
            options[keyword].map { "\(keyword)=\($0)" }
        }
        return shown.isEmpty ? "(libpq defaults)" : shown.joined(separator: " ")
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
