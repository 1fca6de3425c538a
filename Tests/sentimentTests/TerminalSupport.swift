import Foundation
import XCTest

/// Runs `sentiment` with a pseudo-terminal as standard input and standard error (standard output stays a pipe, as
/// in `sentiment … > file` typed at a terminal), through Python's `pty` module.
struct TerminalRun: Decodable {
    var code: Int32
    /// What the terminal showed (standard error and the echo of what was typed).
    var terminal: String
    var stdout: String
}

/// The driver: writes `answer` once the terminal shows `answerAfter`, sends SIGINT once it shows `interruptAfter`,
/// and reports the exit code (negative: killed by that signal), the terminal's text and standard output as JSON.
private let driver = #"""
import json, os, pty, select, signal, subprocess, sys, time
spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
p = subprocess.Popen(spec["args"], stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=spec["env"], cwd=spec["cwd"])
os.close(slave)
terminal, out = b"", b""
answered = spec.get("answer") is None
interrupted = spec.get("interruptAfter") is None
deadline = time.time() + spec.get("timeout", 120)
fds = [master, p.stdout.fileno()]
while fds and time.time() < deadline:
    ready, _, _ = select.select(fds, [], [], 0.05)
    for fd in ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            fds.remove(fd)
        elif fd == master:
            terminal += chunk
        else:
            out += chunk
    if not answered and spec["answerAfter"].encode() in terminal:
        os.write(master, spec["answer"].encode())
        answered = True
    if not interrupted and spec["interruptAfter"].encode() in terminal:
        p.send_signal(signal.SIGINT)
        interrupted = True
    if p.poll() is not None and master not in fds and p.stdout.fileno() not in fds:
        break
    if p.poll() is not None and not ready:
        break
if p.poll() is None:
    p.kill()
code = p.wait()
print(json.dumps({"code": code, "terminal": terminal.decode("utf-8", "replace"), "stdout": out.decode("utf-8", "replace")}))
"""#

extension Sandbox {
    func runInTerminal(_ args: [String], answer: String? = nil, after prompt: String = "[y/N]",
                       interruptAfter: String? = nil, timeout: Double = 120,
                       useEnvironmentStore: Bool = true) throws -> TerminalRun {
        var env = ProcessInfo.processInfo.environment
        env["SENTIMENT_DB"] = useEnvironmentStore ? db : nil
        env["HOME"] = dir.path
        env["XDG_DATA_HOME"] = dir.appendingPathComponent("xdg").path
        var spec: [String: Any] = ["args": [sentimentBinary] + args, "env": env, "cwd": dir.path, "timeout": timeout]
        if let answer { spec["answer"] = answer; spec["answerAfter"] = prompt }
        if let interruptAfter { spec["interruptAfter"] = interruptAfter }
        let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", driver, specText]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "the pty driver failed")
        return try JSONDecoder().decode(TerminalRun.self, from: data)
    }

}
