import Foundation
import SentimentKit

/// A progress bar on stderr, drawn only when stderr is a terminal and the work has lasted over a second.
final class ProgressBar {
    private let label: String
    private let total: Int
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let enabled: Bool

    init(_ label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = isatty(2) != 0
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        drawn = true
        let frac = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(Int(frac * 100))%".utf8))
    }

    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// A one-line status on stderr for a phase of work, shown only when stderr is a terminal.
struct Phase {
    let enabled = isatty(2) != 0
    init(_ text: String) { if enabled { FileHandle.standardError.write(Data("\(text)…".utf8)) } }
    func finish() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}

/// `train --timings`: how long each phase took, on stderr.
struct PhaseClock {
    let enabled: Bool
    let started = Date()
    private var lap = Date()

    init(enabled: Bool) { self.enabled = enabled }

    mutating func mark(_ name: String) {
        guard enabled else { return }
        var line = name.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "%.3f s", Date().timeIntervalSince(lap))
        if let peak = Self.peakResidentMB() { line += String(format: "   peak RSS so far %.0f MB", peak) }
        printError(line)
        lap = Date()
    }

    /// VmHWM from /proc/self/status (Linux), in MB.
    static func peakResidentMB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }
}
