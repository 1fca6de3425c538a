import Foundation
import SentimentKit

/// One line of progress on stderr, redrawn in place at most 4 times a second, only when stderr is a terminal:
/// what runs, rows so far, their rate, and with a known total the share done and the time left.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: every field is read and written under `lock` (updates come from the reading thread and from
    // the output queue).
    private let label: String
    private let lock = NSLock()
    let started = Date()
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private var drawn = false
    private(set) var rows = 0
    private var fraction: Double? = nil

    init(_ label: String, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.enabled = enabled
    }

    var seconds: Double { Date().timeIntervalSince(started) }

    /// Rows done so far (absolute) and, when the total is known, the share done (0…1).
    func update(rows: Int? = nil, fraction: Double? = nil) {
        lock.withLock {
            if let rows { self.rows = rows }
            if let fraction { self.fraction = min(1, max(0, fraction)) }
            guard enabled else { return }
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.25 else { return }
            lastDraw = now
            drawn = true
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line(elapsed: now.timeIntervalSince(started))).utf8))
        }
    }

    /// Adds `n` rows.
    func add(rows n: Int) {
        let total = lock.withLock { rows + n }
        update(rows: total)
    }

    private func line(elapsed: Double) -> String {
        // Nothing counted yet and no total (a file read whole): the label alone.
        guard rows > 0 || fraction != nil else { return terminalSafe(label) + "…" }
        var parts = [label, counted(rows, "row")]
        if elapsed > 0.2 && rows > 0 { parts.append("\(grouped(Int(Double(rows) / elapsed))) rows/s") }
        if let f = fraction {
            parts.append("\(Int(f * 100))%")
            if f > 0.01 && f < 1 { parts.append("ETA " + duration(elapsed * (1 - f) / f)) }
        }
        return terminalSafe(parts.joined(separator: "  "))
    }

    /// Takes the line away (before a summary, an error or the end).
    func clear() {
        lock.withLock {
            guard enabled, drawn else { return }
            drawn = false
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}

/// `0:07`, `1:02:03`.
func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded(.up))
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}

/// Counts the rows handed to a sink (after they were stored, when storing) for progress and the summary.
final class CountingSink: PredictionSink {
    private let inner: PredictionSink
    let progress: ProgressLine
    init(_ inner: PredictionSink, progress: ProgressLine) {
        self.inner = inner
        self.progress = progress
    }
    func write(_ batch: PredictionBatch) {
        inner.write(batch)
        progress.add(rows: batch.count)
    }
}

/// A one-line status on stderr for a phase of work, shown only when stderr is a terminal.
struct Phase {
    let enabled = isatty(2) != 0
    init(_ text: String) { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K\(terminalSafe(text))…".utf8)) } }
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
