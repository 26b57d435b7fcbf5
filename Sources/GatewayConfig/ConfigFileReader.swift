#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Reads configuration and secret files whole, with a size limit and errno-based messages.
enum ConfigFileReader {
    /// The largest configuration file accepted, 1 MiB.
    static let maximumBytes = 1 << 20

    /// Why a file could not be read, phrased to follow the path in a message.
    enum Failure: Error {
        case missing
        case notRegularFile
        case tooLarge(Int)
        case system(String)

        /// A short phrase such as `does not exist` or `cannot be read: Permission denied`.
        var phrase: String {
            switch self {
            case .missing: "does not exist"
            case .notRegularFile: "is not a regular file"
            case .tooLarge(let size): "is \(size) bytes, more than the limit of \(ConfigFileReader.maximumBytes)"
            case .system(let reason): "cannot be read: \(reason)"
            }
        }
    }

    /// Reads a regular file of at most ``maximumBytes`` bytes.
    ///
    /// Opened non-blocking: opening a FIFO (`mkfifo strategies.d/x.yaml`) would otherwise wait for a writer
    /// forever, hanging a start, reload or check-config; `fstat` then refuses it as not a regular file.
    static func read(_ path: String) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            return .failure(code == ENOENT ? .missing : .system(reason(code)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(.system(reason(errno))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegularFile) }
        guard Int(status.st_size) <= maximumBytes else { return .failure(.tooLarge(Int(status.st_size))) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.system(reason(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumBytes { return .failure(.tooLarge(bytes.count)) }
        }
        return .success(bytes)
    }

    /// The file names in a directory, or why it cannot be listed.
    static func list(_ path: String) -> Result<[String], Failure> {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            return .failure(code == ENOENT ? .missing : .system(reason(code)))
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { return .failure(.system("not a directory")) }
        guard let directory = opendir(path) else { return .failure(.system(reason(errno))) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.read(descriptor, buffer, count)
        #elseif canImport(Musl)
            Musl.read(descriptor, buffer, count)
        #else
            Darwin.read(descriptor, buffer, count)
        #endif
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
