import Foundation

/// This process's resource use, read from `/proc` at each scrape, for the standard `process_*` metrics that
/// Prometheus client libraries export (the same names, so stock dashboards and alerts work).
struct ProcessStats {
    /// User plus system CPU time.
    var cpuSeconds: Double
    /// Resident set size.
    var residentBytes: Int
    /// Virtual memory size.
    var virtualBytes: Int
    /// Open file descriptors.
    var openDescriptors: Int
    /// The soft descriptor limit.
    var maxDescriptors: Int
    /// When the process started, in seconds since the Unix epoch.
    var startTimeSeconds: Double

    /// Clock ticks per second and the boot time never change while the process runs: read once.
    private static let ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
    private static let pageSize = max(1, sysconf(Int32(_SC_PAGESIZE)))
    private static let bootTimeSeconds: Double = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }()

    /// The current figures, or `nil` where `/proc` is not mounted.
    static func current() -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces), from field 3 (state) on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double { fields.count > number - 3 ? Double(fields[number - 3]) ?? 0 : 0 }
        var limit = rlimit()
        let maxDescriptors = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(limit.rlim_cur) : 0
        return ProcessStats(
            cpuSeconds: (field(14) + field(15)) / ticksPerSecond,
            residentBytes: Int(field(24)) * pageSize,
            virtualBytes: Int(field(23)),
            openDescriptors: openDescriptorCount(),
            maxDescriptors: maxDescriptors,
            startTimeSeconds: bootTimeSeconds + field(22) / ticksPerSecond)
    }

    /// Entries of `/proc/self/fd`, less the one the listing itself opens.
    private static func openDescriptorCount() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }
}
