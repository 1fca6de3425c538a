import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// What the API tests need beside CLISupport: `sentiment serve` as a child process on a free loopback port, and a
// minimal HTTP/1.1 client over a POSIX socket (no proxy settings, no connection reuse: one request per connection,
// `Connection: close`, the answer read to EOF).

/// One HTTP answer.
struct HTTPAnswer: CustomStringConvertible {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var description: String { "HTTP \(status): \(text.prefix(500))" }
}

/// Why a request got no answer.
struct HTTPFailure: Error, CustomStringConvertible {
    var description: String
}

private func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

/// `METHOD PATH` to 127.0.0.1:`port` with `headers` and `body`; the answer, or `HTTPFailure` when the connection
/// failed or closed before a whole answer's head arrived.
func httpRequest(port: Int, method: String, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                 timeoutSeconds: Int = 120) throws -> HTTPAnswer {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw HTTPFailure(description: "socket: \(errnoText())") }
    defer { close(fd) }
    #if canImport(Darwin)
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
    var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HTTPFailure(description: "connect: \(errnoText())") }

    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body { head += "Content-Length: \(body.count)\r\n" }
    head += "\r\n"
    let request = Array(head.utf8) + (body ?? [])
    #if canImport(Glibc)
    let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    let sendFlags: Int32 = 0
    #endif
    var sent = 0
    var sendProblem: String? = nil
    while sent < request.count {
        let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, sendFlags) }
        if n < 0 {
            if errno == EINTR { continue }
            // The server may answer (413) and close before reading all of a large body: read what it said.
            sendProblem = errnoText()
            break
        }
        sent += n
    }

    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { received += buffer[0..<n]; continue }
        if n == 0 { break }
        if errno == EINTR { continue }
        if !received.isEmpty { break }  // a reset after the answer (unread request bytes): keep the answer
        throw HTTPFailure(description: "recv: \(errnoText())" + (sendProblem.map { " (send: \($0))" } ?? ""))
    }
    guard let answer = parseHTTPAnswer(received) else {
        throw HTTPFailure(description: received.isEmpty
                          ? "connection closed without an answer" + (sendProblem.map { " (send: \($0))" } ?? "")
                          : "incomplete answer: \(String(decoding: received.prefix(300), as: UTF8.self))")
    }
    return answer
}

/// Status line, headers and body (Content-Length or chunked, else to EOF); nil when incomplete.
func parseHTTPAnswer(_ bytes: [UInt8]) -> HTTPAnswer? {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
    else { return nil }
    let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = lines[0].split(separator: " ", maxSplits: 2)
    guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else { return nil }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers[name] = headers[name].map { $0 + ", " + value } ?? value
    }
    var rest = Array(bytes[(end + 4)...])
    if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
        var body: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = (i..<max(i, rest.count - 1)).first(where: { rest[$0] == 13 && rest[$0 + 1] == 10 }),
                  let size = Int(String(decoding: rest[i..<lineEnd], as: UTF8.self)
                    .split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            i = lineEnd + 2
            if size == 0 { break }
            guard i + size <= rest.count else { return nil }
            body += rest[i..<i + size]
            i += size + 2
        }
        rest = body
    } else if let length = headers["content-length"].flatMap({ Int($0) }) {
        guard rest.count >= length else { return nil }
        rest = Array(rest[0..<length])
    }
    return HTTPAnswer(status: status, headers: headers, body: rest)
}

/// Query parameters, percent-encoded (everything but unreserved characters).
func queryString(_ items: [(String, String)]) -> String {
    let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return items.map { name, value in
        "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: unreserved)!)"
    }.joined(separator: "&")
}

/// The token the API tests start servers with (through SENTIMENT_API_TOKEN).
let testToken = "test-token-0123456789-abcdefghij"

/// `sentiment serve --db SANDBOX/store.sqlite --port 0 …` as a child process.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: the mutable state is behind `lock`; the semaphores and the Process are thread-safe.
    let box: Sandbox
    let process = Process()
    private let lock = NSLock()
    private var stderrBytes: [UInt8] = []
    private var servingLine: String?
    private let ready = DispatchSemaphore(value: 0)
    private let stderrClosed = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private(set) var port = 0
    /// What requests send as the bearer token by default.
    var token = ""
    /// The printed URL's `#token=`, if it had one.
    private(set) var shownToken: String?

    init(box: Sandbox) { self.box = box }

    var stderr: String { lock.withLock { String(decoding: stderrBytes, as: UTF8.self) } }

    /// Starts the server and waits (on its output, up to a timeout against a hang) for the line saying it serves.
    /// `token`: SENTIMENT_API_TOKEN, or nil to leave it unset.
    func start(_ arguments: [String], token: String?, environment: [String: String], file: StaticString, line: UInt) throws {
        process.executableURL = URL(fileURLWithPath: sentimentBinary)
        process.arguments = ["serve", "--db", box.db, "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["SENTIMENT_API_TOKEN"] = token
        env["SENTIMENT_DB"] = nil
        env["HOME"] = box.dir.path
        env["XDG_DATA_HOME"] = box.dir.appendingPathComponent("xdg").path
        env.merge(environment) { $1 }
        process.environment = env
        process.currentDirectoryURL = box.dir
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let readFD = err.fileHandleForReading.fileDescriptor
        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.withLock {
                    stderrBytes += buffer[0..<n]
                    if servingLine == nil,
                       let found = String(decoding: stderrBytes, as: UTF8.self).components(separatedBy: "\n")
                        .dropLast().first(where: { $0.hasPrefix("sentiment: serving http://") }) {
                        servingLine = found
                        ready.signal()
                    }
                }
            }
            lock.withLock { if servingLine == nil { ready.signal() } }
            stderrClosed.signal()
        }
        reader.start()

        guard ready.wait(timeout: .now() + 120) == .success else {
            forceKill()
            XCTFail("sentiment serve printed no \"serving\" line within 120 s: \(stderr)", file: file, line: line)
            throw HTTPFailure(description: "server did not start")
        }
        guard let served = lock.withLock({ servingLine }) else {
            XCTFail("sentiment serve ended without serving: \(stderr)", file: file, line: line)
            throw HTTPFailure(description: "server did not start")
        }
        // sentiment: serving http://127.0.0.1:PORT/[#token=TOKEN] (store PATH)
        let prefix = "sentiment: serving http://127.0.0.1:"
        guard served.hasPrefix(prefix) else {
            XCTFail("not on 127.0.0.1: \(served)", file: file, line: line)
            throw HTTPFailure(description: "unexpected serving line")
        }
        let afterHost = served.dropFirst(prefix.count)
        let digits = afterHost.prefix(while: \.isNumber)
        let rest = afterHost.dropFirst(digits.count)
        guard let port = Int(digits), port > 0, rest.hasPrefix("/") else {
            XCTFail("cannot read the port in \(served)", file: file, line: line)
            throw HTTPFailure(description: "unexpected serving line")
        }
        self.port = port
        let url = rest.prefix(while: { $0 != " " })
        if url.hasPrefix("/#token=") { shownToken = String(url.dropFirst("/#token=".count)) } else {
            XCTAssertEqual(url, "/", "the URL has something else after the port: \(served)", file: file, line: line)
        }
        self.token = token ?? shownToken ?? ""
    }

    enum Auth { case token, none, header(String) }

    /// A request; `json` is serialized as the body (application/json) unless `body` is given.
    func call(_ method: String, _ path: String, auth: Auth = .token, json: Any? = nil, body: [UInt8]? = nil,
              contentType: String? = nil, headers: [(String, String)] = []) throws -> HTTPAnswer {
        var all = headers
        switch auth {
        case .token: all.append(("Authorization", "Bearer \(token)"))
        case .none: break
        case .header(let value): all.append(("Authorization", value))
        }
        var payload = body
        var type = contentType
        if let json {
            payload = Array(try JSONSerialization.data(withJSONObject: json))
            type = type ?? "application/json"
        }
        if let type { all.append(("Content-Type", type)) }
        return try httpRequest(port: port, method: method, path: path, headers: all, body: payload)
    }

    /// SIGTERM, then asserts a clean exit (status 0) within a timeout against a hang.
    func stop(file: StaticString = #filePath, line: UInt = #line) {
        guard process.isRunning || exited.wait(timeout: .now()) != .success else {
            XCTFail("the server had already exited: \(stderr)", file: file, line: line)
            return
        }
        kill(process.processIdentifier, SIGTERM)
        guard exited.wait(timeout: .now() + 60) == .success else {
            XCTFail("the server did not exit within 60 s of SIGTERM: \(stderr)", file: file, line: line)
            forceKill()
            return
        }
        _ = stderrClosed.wait(timeout: .now() + 10)
        XCTAssertEqual(process.terminationReason, .exit, "ended by a signal: \(stderr)", file: file, line: line)
        XCTAssertEqual(process.terminationStatus, 0, "exit status after SIGTERM: \(stderr)", file: file, line: line)
        XCTAssertTrue(stderr.contains("sentiment: stopped"), "no \"stopped\" line: \(stderr)", file: file, line: line)
    }

    /// Ends the process at once if it still runs (a failed test's teardown).
    func forceKill() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + 30)
    }
}

extension XCTestCase {
    /// `sentiment serve` over `box`'s store with `arguments`, killed at teardown if the test did not stop it.
    func startServer(_ box: Sandbox, _ arguments: [String] = [], token: String? = testToken, environment: [String: String] = [:],
                     file: StaticString = #filePath, line: UInt = #line) throws -> ServerProcess {
        let server = ServerProcess(box: box)
        addTeardownBlock { server.forceKill() }
        try server.start(arguments, token: token, environment: environment, file: file, line: line)
        return server
    }

    /// Asserts the status and a JSON object body, and returns it.
    @discardableResult
    func expectJSON(_ status: Int, _ answer: HTTPAnswer, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(answer.status, status, "\(answer)", file: file, line: line)
        XCTAssertEqual(answer.headers["content-type"], "application/json", "\(answer)", file: file, line: line)
        return try jsonObject(answer.text, file: file, line: line)
    }

    /// Asserts an API error: the status, `{"error": {"code": code, "message": …}}` and nothing else, and the
    /// message mentioning each of `mentioning`.
    func expectError(_ status: Int, _ code: String, _ answer: HTTPAnswer, mentioning: [String] = [],
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let object = try expectJSON(status, answer, file: file, line: line)
        XCTAssertEqual(Set(object.keys), ["error"], "\(answer)", file: file, line: line)
        let error = try XCTUnwrap(object["error"] as? [String: Any], "\(answer)", file: file, line: line)
        XCTAssertEqual(Set(error.keys), ["code", "message"], "\(answer)", file: file, line: line)
        XCTAssertEqual(error["code"] as? String, code, "\(answer)", file: file, line: line)
        let message = try XCTUnwrap(error["message"] as? String, "\(answer)", file: file, line: line)
        XCTAssertFalse(message.isEmpty, "\(answer)", file: file, line: line)
        for fragment in mentioning {
            XCTAssertTrue(message.contains(fragment), "the message lacks \"\(fragment)\": \(message)", file: file, line: line)
        }
    }
}
