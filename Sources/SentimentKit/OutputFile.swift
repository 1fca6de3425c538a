#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif
import Foundation

/// Why a file was not written. Each description names the file and what to do.
public struct OutputFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        /// The destination exists and replacing it was not asked for.
        case exists
        /// A directory, device, FIFO or socket: never replaced, never written through.
        case notRegularFile(kind: String)
        /// The destination is (a link to) a file of the open store.
        case isStore(store: String)
        /// A symbolic link whose target does not exist.
        case danglingLink
        /// Binary output to a terminal.
        case terminal
        /// The operating system refused (permission, missing directory, full disk…).
        case system(String)
    }
    public var path: String
    public var problem: Problem

    public var description: String {
        switch problem {
        case .exists: return "\(path): file exists; give --force to replace it"
        case .notRegularFile(let kind): return "\(path): is \(kind), not a regular file; refusing to write to it"
        case .isStore(let store): return "\(path): is the store's own file (\(store)); refusing to write over it"
        case .danglingLink: return "\(path): is a symbolic link to a missing file; refusing to write through it"
        case .terminal: return "refusing to write a binary model file to a terminal; redirect standard output (> FILE) or name a file"
        case .system(let reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// Writes whole files without harming what is there: the bytes go to a temporary file beside the destination,
/// are flushed to disk and then put in place by one atomic step, so a reader or a crash sees the old file or the
/// new one, never a mix. Only regular files are written; a symbolic link is written through (the link stays).
public enum OutputFile {
    /// Writes `bytes` to `path`.
    ///
    /// - Parameters:
    ///   - replacing: replace an existing regular file; without it an existing file is an error.
    ///   - protected: paths that must never be written (the open store's files), compared by device and inode.
    public static func write(_ bytes: [UInt8], to path: String, replacing: Bool, protected: [String] = []) throws {
        func fail(_ p: OutputFileError.Problem) -> OutputFileError { OutputFileError(path: path, problem: p) }
        guard !path.isEmpty else { throw fail(.system("empty path")) }
        let target = try destination(path, protected: protected)
        if target.exists && !replacing { throw fail(.exists) }

        let dir = (target.path as NSString).deletingLastPathComponent
        let base = (target.path as NSString).lastPathComponent
        let temp = (dir.isEmpty ? "" : dir + "/") + ".\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let mode = target.exists ? target.mode : 0o644
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw fail(.system(errnoText())) }
        var placed = false
        defer { if !placed { unlink(temp) } }
        do {
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
            if fchmod(fd, mode) != 0 || fsync(fd) != 0 { throw fail(.system(errnoText())) }
        }
        if target.exists {
            guard rename(temp, target.path) == 0 else { throw fail(.system(errnoText())) }
        } else {
            // link() fails if something appeared at the destination meanwhile: never a silent overwrite.
            if link(temp, target.path) != 0 {
                if errno == EEXIST { throw fail(.exists) }
                throw fail(.system(errnoText()))
            }
            unlink(temp)
        }
        placed = true
        syncDirectory(dir.isEmpty ? "." : dir)
    }

    /// Writes `bytes` to standard output, refusing a terminal (binary data would garble it).
    public static func writeStandardOutput(_ bytes: [UInt8]) throws {
        if isatty(STDOUT_FILENO) != 0 { throw OutputFileError(path: "-", problem: .terminal) }
        try writeAll(bytes, to: STDOUT_FILENO, path: "-")
    }

    /// Every byte to `fd` (short writes and interrupts retried).
    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputFileError(path: path, problem: .system(errnoText()))
                }
                offset += n
            }
        }
    }

    struct Destination {
        var path: String
        var exists: Bool
        var mode: mode_t
    }

    /// The regular file a write to `path` lands on (through symbolic links), or why none may be written.
    static func destination(_ path: String, protected: [String]) throws -> Destination {
        func fail(_ p: OutputFileError.Problem) -> OutputFileError { OutputFileError(path: path, problem: p) }
        var link = stat()
        guard lstat(path, &link) == 0 else {
            if errno == ENOENT { return Destination(path: path, exists: false, mode: 0o644) }
            throw fail(.system(errnoText()))
        }
        var resolved = path
        var info = link
        if (link.st_mode & S_IFMT) == S_IFLNK {
            guard stat(path, &info) == 0 else {
                if errno == ENOENT { throw fail(.danglingLink) }
                throw fail(.system(errnoText()))
            }
            guard let real = realpath(path, nil) else { throw fail(.system(errnoText())) }
            resolved = String(cString: real)
            free(real)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail(.notRegularFile(kind: "a directory"))
        case S_IFCHR, S_IFBLK: throw fail(.notRegularFile(kind: "a device"))
        case S_IFIFO: throw fail(.notRegularFile(kind: "a FIFO"))
        case S_IFSOCK: throw fail(.notRegularFile(kind: "a socket"))
        default: throw fail(.notRegularFile(kind: "a special file"))
        }
        for p in protected {
            var s = stat()
            if stat(p, &s) == 0 && s.st_dev == info.st_dev && s.st_ino == info.st_ino {
                throw fail(.isStore(store: protected.first ?? p))
            }
        }
        return Destination(path: resolved, exists: true, mode: info.st_mode & 0o7777)
    }

    /// Flushes a directory's entries (a file just linked or renamed into it) to disk.
    static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
