import CorpusIO
import Foundation
import Synchronization
import SentimentKit

/// `predict --file`: progress on a terminal (rows, rate, share of the file, time left), a one-line summary on stderr
/// at the end (also when stderr is not a terminal), and Ctrl-C stopping once the batches in flight are stored,
/// saying what was kept. With `skipInvalid`, invalid rows are reported on stderr (the first `reportLimit` of them)
/// and counted in the summary. Returns whether Ctrl-C stopped it (the output written so far is whole).
func predictWithProgress(_ predictor: Predictor, _ reader: CorpusReader, into writer: PredictionSink,
                         skipInvalid: Bool = false, reportLimit: Int = 20) throws -> Bool {
    let size = reader.path == "-" ? 0
        : ((try? FileManager.default.attributesOfItem(atPath: reader.path)[.size] as? NSNumber)?.intValue ?? 0)
    let source = reader.path == "-" ? "standard input" : reader.path
    // Not while the rows themselves go to the same terminal: they show the progress, and a redrawn line would
    // break them.
    let progress = ProgressLine("predicting", enabled: isatty(2) != 0 && isatty(1) == 0)
    let sink = CountingSink(writer, progress: progress)
    Interruption.install(notice: "stopping once the batches being predicted are stored")
    let reported = Atomic<Int>(0)
    var skipped = 0, predicted = 0
    do {
        // Bytes read are approximate (texts and labels plus separators): the share done, not an exact position.
        let done = try predictor.predict(reader, into: sink, skipInvalid: skipInvalid, invalidRow: { e in
            if reported.add(1, ordering: .relaxed).newValue <= reportLimit {
                progress.clear()
                printError("sentiment: skipped: \(e)")
            }
        }, progress: { bytes in
            if size > 0 { progress.update(fraction: Double(bytes) / Double(size)) }
        }, isCancelled: { Interruption.isRequested })
        (skipped, predicted) = (done.skipped, done.rows)
    } catch is CancellationError where Interruption.isRequested {
        progress.clear()
        let kept = predictor.storing
            ? "\(counted(progress.rows, "prediction")) stored and written (batches are stored whole), nothing half-written"
            : "\(counted(progress.rows, "prediction")) written, none stored (--no-store)"
        printError("sentiment: interrupted: \(kept); the rest of \(source) was not read")
        return true
    } catch {
        progress.clear()
        throw error
    }
    progress.clear()
    let seconds = progress.seconds
    let rate = seconds > 0 ? ", \(grouped(Int(Double(progress.rows) / seconds))) rows/s" : ""
    let stored = predictor.storing ? "\(grouped(progress.rows)) stored" : "none stored (--no-store)"
    if skipped > 0 {
        let more = skipped > reportLimit ? " (the first \(reportLimit) shown above, … and \(skipped - reportLimit) more)" : ""
        printError("sentiment: skipped \(counted(skipped, "invalid row"))\(more); \(predicted) predicted")
    }
    printError("sentiment: \(counted(progress.rows, "row")) from \(source), \(stored), in \(String(format: "%.1f", seconds)) s\(rate)")
    return false
}
