import CorpusIO
import Foundation
import SentimentClassifier
import SoftmaxRegression
import TextFeatures

/// `quality TRAIN TEST [options]`: fit with the library defaults (or a variant) on TRAIN, report on TEST.
/// The last line is one JSON object (macro_f1, accuracy, log_loss, ece, fit_seconds, ...).
func qualityBenchmark(_ args: [String]) -> Int32 {
    guard args.count >= 2 else {
        print("usage: sentiment-bench quality TRAIN TEST [--min-df N] [--hashing BUCKETS] [--char MIN MAX] [--ngrams N] "
              + "[--no-tune] [--l2 X] [--class-weight SPEC] [--no-negation] [--no-sublinear] [--supervised none|naive-bayes] [--seed N] [--repeat K]")
        return 2
    }
    var options = ClassifierOptions.default
    var repeats = 1
    var streaming = false
    var buckets = StreamingFit.defaultBuckets
    var k = 2
    do {
        while k < args.count {
            let next: () throws -> String = {
                k += 1
                guard k < args.count else { throw BenchError(description: "\(args[k - 1]) needs a value") }
                return args[k]
            }
            switch args[k] {
            case "--min-df": options.features.vocabulary = .vocabulary(minDocumentFrequency: Int(try next()) ?? 1, maxFeatures: nil)
            case "--hashing": options.features.vocabulary = .hashing(buckets: Int(try next()) ?? (1 << 20))
            case "--char":
                let lo = Int(try next()) ?? 2, hi = Int(try next()) ?? 5
                options.features.charNgrams = CharNgramRange(min: lo, max: hi)
            case "--ngrams": options.features.wordNgrams = Int(try next()) ?? 2
            case "--no-tune": options.tuning = .off
            case "--l2": options.training.l2 = Double(try next()) ?? 1e-4
            case "--class-weight": options.training.classWeighting = try ClassWeighting(parsing: try next())
            case "--no-negation": options.features.tokenizer.markNegation = false
            case "--no-sublinear": options.features.sublinearTF = false
            case "--supervised":
                let v = try next()
                guard let w = SupervisedWeighting(rawValue: v) else { throw BenchError(description: "--supervised: none or naive-bayes, not \(v)") }
                options.supervisedWeighting = w
            case "--seed": options.training.seed = UInt64(try next()) ?? 42
            case "--repeat": repeats = max(1, Int(try next()) ?? 1)
            case "--streaming": streaming = true
            case "--buckets": buckets = Int(try next()) ?? buckets
            case "--epochs": options.training.maxEpochs = Int(try next()) ?? 5
            case "--learning-rate": options.training.learningRate = Double(try next()) ?? 0.5
            default: throw BenchError(description: "unknown option \(args[k])")
            }
            k += 1
        }
        let train = try CorpusFile.readAll(path: args[0])
        let test = try CorpusFile.readAll(path: args[1])
        var best = Double.infinity
        var fitted: (SentimentClassifier, FitReport)? = nil
        for _ in 0..<repeats {
            let t0 = now()
            if streaming {
                let fit = try StreamingFit(options: options, buckets: buckets, scratchDirectory: NSTemporaryDirectory())
                var start = 0
                while start < train.count {
                    let end = min(start + 16_384, train.count)
                    try fit.add(texts: Array(train.texts[start..<end]), labels: Array(train.labels[start..<end]))
                    start = end
                }
                let t1 = now(), c1 = cpuTime()
                fitted = try fit.finish()
                print(String(format: "streaming: pass 1 %.3f s, epochs %.3f s (cpu %.3f s)", t1 - t0, now() - t1, cpuTime() - c1))
            } else {
                fitted = try SentimentClassifier.fit(texts: train.texts, labels: train.labels, options: options)
            }
            best = min(best, now() - t0)
        }
        let (clf, report) = fitted!
        let t1 = now()
        let eval = try clf.evaluate(texts: test.texts, labels: test.labels)
        let predictSeconds = now() - t1
        print(eval.rendered())
        if let t = report.tuning {
            print("tuning grid: " + zip(t.grid, t.meanScores).map { String(format: "%.2g→%@", $0, $1.map { String(format: "%.4f", $0) } ?? "-") }
                .joined(separator: "  "))
        }
        if let c = report.calibration {
            print(String(format: "temperature %.3f, out-of-fold ECE %.4f → %.4f", c.temperature, c.eceBefore, c.eceAfter))
        }
        print("optimizer \(report.run.optimizer.rawValue), \(report.run.iterations) iterations, final loss \(report.run.finalLoss), converged \(report.run.converged)")
        let summary: [String: Any] = [
            "system": "sentiment", "macro_f1": eval.macroF1, "accuracy": eval.accuracy, "log_loss": eval.logLoss,
            "ece": eval.ece, "fit_seconds": best, "predict_seconds": predictSeconds, "train_rows": train.count,
            "test_rows": test.count, "n_features": report.featureCount, "l2": clf.options.training.l2,
            "cv_macro_f1": report.crossValidatedMacroF1 ?? NSNull(), "iterations": report.run.iterations,
            "function_evaluations": report.run.functionEvaluations, "converged": report.run.converged,
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        return 0
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return 1
    }
}
