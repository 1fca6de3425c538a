import ArgumentParser
import Foundation
import SentimentKit
import SentimentServer

/// `sentiment serve`: parsing the flags and finding the token; the server is `SentimentServer`.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP/JSON API and the review page (see docs/API.md).",
        discussion: """
            Every /v1 route needs "Authorization: Bearer TOKEN". The token is $SENTIMENT_API_TOKEN, else the first \
            line of --token-file, else a random one written to STORE.api-token (mode 0600; a PostgreSQL store needs \
            one of the first two, the same on every node). The page's URL with the \
            token is printed once the server listens. SIGTERM or SIGINT stops it gracefully.

            Example:
              sentiment serve --db news.sqlite --port 8080
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to bind (loopback unless told otherwise).")
    var host = "127.0.0.1"

    @Option(help: "Port (0: any free port).")
    var port = 8080

    @Option(help: ArgumentHelp("File whose first line is the API token.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("A directory whose corpus files evaluate and train may read by path (repeatable).", valueName: "dir"))
    var allowPaths: [String] = []

    @Option(help: ArgumentHelp("The one origin allowed cross-origin requests (CORS).", valueName: "origin"))
    var corsOrigin: String?

    @Option(help: "Largest request body, in bytes.")
    var maxBodyBytes = 32 << 20

    @Option(help: "Most texts in one predict request.")
    var maxTexts = 10_000

    @Option(help: "Longest text, in UTF-8 bytes.")
    var maxTextBytes = 65_536

    @Option(help: "Group commit: a batch of stored predictions closes at this many rows…")
    var commitRows = 20_000

    @Option(help: "…or this many microseconds after its first rows arrived.")
    var commitWaitMicroseconds = 500

    @Option(help: ArgumentHelp("Memory for prediction blocks kept between queries, in MB (28 bytes a prediction; 0: none).",
                               valueName: "MB"))
    var blockCacheMB = 256

    func validate() throws {
        if !(0...1 << 20).contains(blockCacheMB) { throw ValidationError("--block-cache-mb must be in 0…1048576, got \(blockCacheMB)") }
        if !(0...65_535).contains(port) { throw ValidationError("--port must be in 0…65535, got \(port)") }
        for (flag, value) in [("--max-body-bytes", maxBodyBytes), ("--max-texts", maxTexts), ("--max-text-bytes", maxTextBytes),
                              ("--commit-rows", commitRows)] where value < 1 {
            throw ValidationError("\(flag) must be ≥ 1, got \(value)")
        }
        if commitWaitMicroseconds < 0 { throw ValidationError("--commit-wait-microseconds must be ≥ 0") }
        for dir in allowPaths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--allow-paths: \(dir) is not a directory")
            }
        }
    }

    func run() throws {
        try reporting {
            let service = try store.service(blockCacheBytes: blockCacheMB << 20)
            let (token, shown) = try resolveToken(storePath: service.store.files.first)
            var configuration = ServerConfiguration(token: token)
            configuration.host = host
            configuration.port = port
            configuration.allowedPaths = allowPaths
            configuration.corsOrigin = corsOrigin
            configuration.maxBodyBytes = maxBodyBytes
            configuration.warmsBlockCache = blockCacheMB > 0
            configuration.maxTexts = maxTexts
            configuration.maxTextBytes = maxTextBytes
            configuration.groupCommit = .init(maxRows: commitRows, maxWait: .microseconds(commitWaitMicroseconds))
            let server = SentimentServer(service: service, configuration: configuration)
            let storePath = service.store.path
            // The command line is synchronous; the server runs on Swift's concurrency threads while this one waits.
            let outcome = ServeOutcome()
            let done = DispatchSemaphore(value: 0)
            Task {
                do {
                    try await server.run { host, port in
                        let shownHost = host.contains(":") ? "[\(host)]" : host
                        let fragment = shown ? "#token=\(token)" : ""
                        printError("sentiment: serving http://\(shownHost):\(port)/\(fragment) (store \(terminalSafe(storePath)))")
                    }
                } catch {
                    outcome.set(error)
                }
                done.signal()
            }
            done.wait()
            if let error = outcome.error { throw error }
            printError("sentiment: stopped")
        }
    }

    /// `SENTIMENT_API_TOKEN`, else `--token-file`'s first line, else a new random token written beside the store.
    /// `shown`: whether the printed URL carries it (not when it came from the environment).
    /// `storePath`: the store's file, beside which a generated token is written (nil for a PostgreSQL store: its
    /// nodes share one token, given to each).
    func resolveToken(storePath: String?) throws -> (token: String, shown: Bool) {
        if let token = ProcessInfo.processInfo.environment["SENTIMENT_API_TOKEN"], !token.isEmpty {
            return (token, false)
        }
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw CLIFailure.notFound("--token-file: cannot read \(tokenFile)")
            }
            let token = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            guard token.utf8.count >= 16 else { throw CLIFailure.badInput("\(tokenFile): the token's first line must hold at least 16 characters") }
            return (token, true)
        }
        guard let storePath else {
            throw CLIFailure.usage("a server on a PostgreSQL store needs its API token from SENTIMENT_API_TOKEN or --token-file (every node the same one)")
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let path = storePath + ".api-token"
        try writePrivately(token + "\n", to: path)
        return (token, true)
    }

    /// Writes a file only its owner can read (created 0600 under a temporary name, then renamed into place).
    func writePrivately(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIFailure(code: Exit.cannotCreate, message: "cannot write the token file \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CLIFailure(code: Exit.cannotCreate, message: "cannot write the token file \(path)")
        }
    }
}

/// The server task's error, handed to the waiting command.
private final class ServeOutcome: @unchecked Sendable {
    // @unchecked: written once by the task before it signals, read by the waiting thread after.
    var error: (any Error)?
    func set(_ e: any Error) { error = e }
}
