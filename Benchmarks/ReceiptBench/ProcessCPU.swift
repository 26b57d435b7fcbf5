#if canImport(Glibc)
    import Glibc
#endif

/// A process's CPU time (user + system) from `/proc/<pid>/stat`, in clock ticks.
enum ProcessCPU {
    /// `utime + stime` (fields 14 and 15), or `nil` when the process is gone or the file unreadable.
    static func ticks(pid: Int32) -> Int? {
        guard let text = try? FileText.read("/proc/\(pid)/stat"),
            let close = text.lastIndex(of: ")")  // The command name may hold spaces and parentheses.
        else { return nil }
        // After the name: field 3 (state) is first, so utime (14) and stime (15) are at offsets 11 and 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    static func seconds(ticks: Int) -> Double {
        Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
