import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended and what it cost: wall time from spawn to reap, peak resident set size
/// (`ru_maxrss` from `wait4`) and CPU time.
struct ChildMeasurement: Codable {
    var exitCode: Int32
    /// Terminating signal, 0 when the child exited normally.
    var signal: Int32
    var wallSeconds: Double
    /// `ru_maxrss` of the child in KiB (Linux units).
    var maxRSSKiB: Int
    var userSeconds: Double
    var systemSeconds: Double

    var succeeded: Bool { signal == 0 && exitCode == 0 }
    /// Peak RSS in MB (10^6 bytes).
    var maxRSSMB: Double { Double(maxRSSKiB) * 1024 / 1e6 }
    var cpuSeconds: Double { userSeconds + systemSeconds }
    var statusText: String { signal != 0 ? "killed by signal \(signal)" : "exit status \(exitCode)" }

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit", signal, wallSeconds = "wall_seconds", maxRSSKiB = "maxrss_kib",
             userSeconds = "user_seconds", systemSeconds = "system_seconds"
    }
}

/// Spawns `argv` (argv[0] is a path, or a name looked up in PATH), with standard output and error redirected
/// to files when given (else inherited), waits for it with `wait4` and returns its measurement.
///
/// Note on `ru_maxrss`: on Linux, `execve` records the high-water RSS of the address space it replaces. A child
/// started by `posix_spawn` (which shares the parent's memory until `exec`) therefore reports at least the
/// *parent's* peak RSS. The suite avoids that by spawning through `sentiment-bench measure` (see `Measure`),
/// a fresh small process whose own peak is the floor of every figure.
func spawnAndWait(_ argv: [String], stdoutPath: String? = nil, stderrPath: String? = nil,
                  stdinPath: String? = "/dev/null") throws -> ChildMeasurement {
    precondition(!argv.isEmpty)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdinPath { posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0) }
    if let stdoutPath { posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    if let stderrPath { posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let start = now()
    let rc = argv[0].contains("/")
        ? posix_spawn(&pid, argv[0], &actions, nil, cargs, environ)
        : posix_spawnp(&pid, argv[0], &actions, nil, cargs, environ)
    guard rc == 0 else {
        throw BenchError(description: "cannot run \(argv[0]): \(String(cString: strerror(rc)))")
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 {
        if errno != EINTR { throw BenchError(description: "wait4 failed for \(argv[0]): \(String(cString: strerror(errno)))") }
    }
    let wall = now() - start
    // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
    let signal = status & 0x7f
    let code = signal == 0 ? (status >> 8) & 0xff : 0
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return ChildMeasurement(exitCode: code, signal: signal, wallSeconds: wall, maxRSSKiB: Int(usage.ru_maxrss),
                            userSeconds: seconds(usage.ru_utime), systemSeconds: seconds(usage.ru_stime))
}

/// The absolute path of this executable: `CommandLine.arguments[0]` resolved (relative to the working directory,
/// or through PATH when it has no slash), with symbolic links resolved; `/proc/self/exe` as a fallback.
func executablePath() -> String {
    let arg0 = CommandLine.arguments.first ?? ""
    var candidate: String? = nil
    if arg0.contains("/") {
        candidate = arg0.hasPrefix("/") ? arg0 : FileManager.default.currentDirectoryPath + "/" + arg0
    } else if !arg0.isEmpty {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/\(arg0)"
            if FileManager.default.isExecutableFile(atPath: p) { candidate = p; break }
        }
    }
    if let c = candidate, FileManager.default.isExecutableFile(atPath: c) {
        return URL(fileURLWithPath: c).standardizedFileURL.resolvingSymlinksInPath().path
    }
    return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arg0
}
