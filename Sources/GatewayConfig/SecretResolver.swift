public import ChannelKit

/// Resolves secret references in configuration scalars.
///
/// A scalar value (quoted or not; mapping keys are left alone) whose whole text is one of these references gets
/// its ``ConfigScalar/secret`` set, while its text keeps the reference:
/// - `credential:NAME`: the file `$CREDENTIALS_DIRECTORY/NAME` (systemd `LoadCredential=`); NAME may not
///   contain `/` nor be `.` or `..`.
/// - `env:NAME`: the environment variable NAME.
/// - `file:PATH`: the file PATH; a relative PATH is taken from the folder of the YAML file that names it.
///
/// One trailing newline is stripped from the value. A missing variable, file or credentials directory, or an
/// empty value, is an error at the scalar's mark that names the reference and never the value; the scalar then
/// carries an empty secret so that ``ConfigMap/secret(_:required:)`` does not also warn about an inline secret.
public struct SecretResolver: Sendable {
    private let environment: [String: String]
    private let credentialsDirectory: String?

    /// - Parameters:
    ///   - environment: the variables `env:NAME` reads.
    ///   - credentialsDirectory: `$CREDENTIALS_DIRECTORY`, or `nil` when unset.
    public init(environment: [String: String], credentialsDirectory: String?) {
        self.environment = environment
        self.credentialsDirectory = credentialsDirectory
    }

    /// Returns `node` with every reference resolved, reporting each unresolvable one to `issues`.
    /// - Parameters:
    ///   - node: the tree to walk.
    ///   - issues: where problems go.
    public func resolve(_ node: ConfigNode, issues: ConfigIssueCollector) -> ConfigNode {
        switch node {
        case .scalar(let scalar):
            return .scalar(resolve(scalar, issues: issues))
        case .sequence(let items, let mark):
            return .sequence(items.map { resolve($0, issues: issues) }, mark)
        case .mapping(let entries, let mark):
            return .mapping(
                entries.map { ConfigEntry(key: $0.key, value: resolve($0.value, issues: issues)) },
                mark
            )
        }
    }

    private func resolve(_ scalar: ConfigScalar, issues: ConfigIssueCollector) -> ConfigScalar {
        let text = scalar.text
        let value: String?
        if let name = text.dropPrefix("credential:") {
            value = credential(name, at: scalar.mark, issues: issues)
        } else if let name = text.dropPrefix("env:") {
            value = variable(name, at: scalar.mark, issues: issues)
        } else if let path = text.dropPrefix("file:") {
            value = file(path, at: scalar.mark, issues: issues)
        } else {
            return scalar
        }
        var resolved = scalar
        if let value, value.isEmpty {
            issues.error(scalar.mark, "the secret '\(text)' is empty")
        }
        // An unresolved reference still gets a (blank) secret, so readers do not also warn that it is inline;
        // the error already recorded keeps the configuration from loading.
        resolved.secret = Secret(value ?? "")
        return resolved
    }

    private func credential(_ name: String, at mark: ConfigMark, issues: ConfigIssueCollector) -> String? {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            issues.error(mark, "invalid credential name in 'credential:\(name)'; it must be a plain file name")
            return nil
        }
        guard let directory = credentialsDirectory, !directory.isEmpty else {
            issues.error(
                mark,
                "'credential:\(name)' needs $CREDENTIALS_DIRECTORY, which is not set "
                    + "(add LoadCredential=\(name):… to the service)"
            )
            return nil
        }
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        return read(path, reference: "credential:\(name)", at: mark, issues: issues)
    }

    private func variable(_ name: String, at mark: ConfigMark, issues: ConfigIssueCollector) -> String? {
        guard !name.isEmpty else {
            issues.error(mark, "'env:' needs a variable name")
            return nil
        }
        guard let value = environment[name] else {
            issues.error(mark, "the environment variable '\(name)' named by 'env:\(name)' is not set")
            return nil
        }
        return value
    }

    private func file(_ path: String, at mark: ConfigMark, issues: ConfigIssueCollector) -> String? {
        guard !path.isEmpty else {
            issues.error(mark, "'file:' needs a path")
            return nil
        }
        let resolved = ConfigPath.resolve(path, relativeToFolderOf: mark.file)
        return read(resolved, reference: "file:\(path)", at: mark, issues: issues)
    }

    private func read(_ path: String, reference: String, at mark: ConfigMark, issues: ConfigIssueCollector)
        -> String?
    {
        switch ConfigFileReader.read(path) {
        case .success(let bytes):
            let trimmed = bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...]
            return String(decoding: trimmed, as: UTF8.self)
        case .failure(let failure):
            issues.error(mark, "the secret '\(reference)' cannot be resolved: \(path) \(failure.phrase)")
            return nil
        }
    }
}

extension String {
    /// The rest of the string after `prefix`, or `nil` if it does not start with it.
    fileprivate func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
