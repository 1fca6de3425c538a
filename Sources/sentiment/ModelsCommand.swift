import ArgumentParser
import Foundation
import SentimentClassifier
import SentimentKit
import SoftmaxRegression

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, compare, activate, archive, delete, export and import models.",
        discussion: "Example:\n  sentiment models compare news@1 news@2 --corpus held-out.csv",
        subcommands: [List.self, Show.self, Compare.self, Activate.self, Archive.self, Delete.self, Export.self, Import.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stored models.",
            discussion: "Example:\n  sentiment models list --format json")
        @OptionGroup var store: StoreOptions
        @Option(help: "Output format.")
        var format: RecordsFormat = .table

        func run() throws {
            try reporting {
                let db = try store.open()
                let models = try db.models()
                if format == .json || format == .jsonl {
                    struct Item: Encodable {
                        var model: String, name: String, version: Int, status: String, created_at: String
                        var labels: [String], checksum: String, parent: String?, cv_macro_f1: Double?
                    }
                    let items = models.map { m in
                        Item(model: m.reference, name: m.name, version: m.version, status: m.status.rawValue,
                             created_at: isoText(m.createdAt), labels: m.labels, checksum: m.checksum,
                             parent: m.parentId.flatMap { try? db.modelInfo(id: $0).reference }, cv_macro_f1: m.crossValidatedMacroF1)
                    }
                    try emitRecords(items, lines: format == .jsonl)
                    return
                }
                let rows = try models.map { m -> [String] in
                    let parent = try m.parentId.map { try db.modelInfo(id: $0).reference } ?? ""
                    return [m.reference, m.status.rawValue, isoText(m.createdAt), m.labels.joined(separator: ","),
                            m.crossValidatedMacroF1.map { fixed($0) } ?? "", parent]
                }
                emit(renderTable(header: ["model", "status", "created", "labels", "cv macro-F1", "parent"], rows: rows))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model: settings, training runs, evaluations and its strongest features per label.",
            discussion: "Example:\n  sentiment models show news@2 --top 15")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The model (default: the active model).", valueName: "name[@version]"))
        var model: ModelReference?
        @Option(help: "Features per label.")
        var top = 10
        @Option(help: "Output format.")
        var format: ReportFormat = .table

        func validate() throws {
            if top < 0 { throw ValidationError("--top must be ≥ 0, got \(top)") }
        }

        func run() throws {
            try reporting {
                let service = try store.service(readOnly: true)
                let db = service.store
                let (classifier, info) = try service.classifier(model)
                let stored = try db.loadModel(name: info.name, version: info.version)
                let evaluations = try db.evaluations(modelId: info.id)
                let features = classifier.topFeatures(perLabel: top)
                let parent = try info.parentId.map { try db.modelInfo(id: $0).reference }
                let corpora = try stored.corpusIds.map { try db.corpus(id: $0) }
                if format == .json {
                    var d: [String: Any] = [
                        "model": info.reference, "status": info.status.rawValue, "created_at": isoText(info.createdAt),
                        "labels": info.labels, "temperature": info.temperature, "checksum": info.checksum,
                        "features": classifier.vectorizer.featureCount,
                        "parent_block_features": classifier.vectorizer.parentBlock?.columnCount ?? NSNull(),
                        "char_ngrams": classifier.vectorizer.config.charNgrams.map { "\($0.min)-\($0.max)" } ?? NSNull(),
                        "tokenizer_options": classifier.vectorizer.config.tokenizer.adaptedOptionNames,
                        "polarity_lexicon": classifier.vectorizer.config.tokenizer.polarityLexicon ?? NSNull(),
                        "change_lexicon": classifier.vectorizer.config.tokenizer.changeLexicon ?? NSNull(),
                        "embeddings": classifier.vectorizer.config.embeddings.map { ["dimensions": $0.dimensions, "weight": $0.weight, "table": $0.table, "pooling": $0.pooling.rawValue] as [String: Any] } ?? NSNull(),
                        "corpora": corpora.map(\.sourcePath),
                        "hyperparameters": (try? JSONSerialization.jsonObject(with: Data(stored.hyperparameters.utf8))) ?? NSNull(),
                        "metrics": info.metrics.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
                        "training_runs": stored.runs.map { ["started_at": isoText($0.startedAt), "duration_seconds": $0.durationSeconds,
                                                            "iterations": $0.iterations, "final_loss": $0.finalLoss] as [String: Any] },
                        "evaluations": evaluations.map { e -> [String: Any] in
                            ["created_at": isoText(e.createdAt),
                             "corpus": (e.corpusId.flatMap { try? db.corpus(id: $0).sourcePath }) ?? NSNull(),
                             "metrics": (try? JSONSerialization.jsonObject(with: Data(e.metrics.utf8))) ?? NSNull()]
                        },
                        "top_features": features.mapValues { $0.map { ["feature": $0.feature, "weight": Double($0.weight)] as [String: Any] } },
                    ]
                    d["parent"] = parent ?? NSNull()
                    let data = try JSONSerialization.data(withJSONObject: d, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                    emit(String(decoding: data, as: UTF8.self))
                    return
                }
                let o = classifier.options
                // The vectorizer's configuration, not the options: cross-validation may have chosen character n-grams.
                let f = classifier.vectorizer.config
                let chars = f.charNgrams.map { ", character \($0.min == $0.max ? "\($0.min)" : "\($0.min)-\($0.max)")-grams" } ?? ""
                var rows: [[String]] = [
                    ["model", "\(info.reference) (\(info.status.rawValue))"],
                    ["created", isoText(info.createdAt)],
                    ["labels", info.labels.joined(separator: ", ")],
                    ["features", "\(classifier.vectorizer.featureCount) (word 1-\(f.wordNgrams)-grams\(chars), \(f.weighting.rawValue)\(f.sublinearTF ? ", sublinear tf" : ""))"
                        + (classifier.vectorizer.parentBlock.map { ", and the parent's \($0.columnCount) beside them" } ?? "")],
                    ["training", "λ = \(String(format: "%.3g", o.training.l2)), class weights \(o.training.classWeighting), seed \(o.training.seed)"],
                    ["temperature", fixed(info.temperature)],
                    ["checksum", info.checksum],
                ]
                if let text = tokenizerText(f.tokenizer) { rows.append(["tokenizer", text]) }
                if let text = lexiconText(f.tokenizer) { rows.append(["lexicon", text]) }
                if let text = changesText(f.tokenizer) { rows.append(["changes", text]) }
                if let e = classifier.vectorizer.config.embeddings {
                    rows.append(["embeddings", "\(e.dimensions) columns, weight \(e.weight), \(e.pooling.rawValue) pooling (table \(e.table.prefix(12)))"])
                }
                if let parent { rows.append(["parent", parent]) }
                if let s = info.crossValidatedMacroF1 { rows.append(["cv macro-F1", fixed(s, 4)]) }
                for c in corpora { rows.append(["corpus", "\(c.name) (\(c.rowCount) rows, \(c.sourcePath))"]) }
                for r in stored.runs {
                    rows.append(["run", "\(isoText(r.startedAt)): \(String(format: "%.2f s", r.durationSeconds)), \(r.iterations) iterations, loss \(fixed(r.finalLoss, 4))"])
                }
                for e in evaluations {
                    let report = try? JSONDecoder().decode(ClassificationReport.self, from: Data(e.metrics.utf8))
                    let corpus = (e.corpusId.flatMap { try? db.corpus(id: $0).name }) ?? "?"
                    rows.append(["evaluation", "\(isoText(e.createdAt)) on \(corpus): macro-F1 \(report.map { fixed($0.macroF1) } ?? "?"), accuracy \(report.map { fixed($0.accuracy) } ?? "?")"])
                }
                var text = renderTable(header: ["", ""], rows: rows).split(separator: "\n", omittingEmptySubsequences: false)
                    .dropFirst(2).joined(separator: "\n")
                if top > 0 {
                    text += "\nstrongest features per label\n"
                    for label in info.labels {
                        text += "  \(label): " + (features[label] ?? []).map { "\($0.feature) (\(fixed(Double($0.weight), 2)))" }.joined(separator: ", ") + "\n"
                    }
                }
                emitText(text)
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate two models on the same labelled corpus, side by side (both evaluations are stored).",
            discussion: "Example:\n  sentiment models compare news@1 news@2 --corpus held-out.csv")
        @OptionGroup var store: StoreOptions
        @OptionGroup var reading: CorpusReadingOptions
        @Argument(help: ArgumentHelp("The first model.", valueName: "a"))
        var a: ModelReference
        @Argument(help: ArgumentHelp("The second model.", valueName: "b"))
        var b: ModelReference
        @Option(help: ArgumentHelp("The labelled corpus file.", valueName: "file"))
        var corpus: String
        @Option(help: "Output format.")
        var format: ReportFormat = .table

        func run() throws {
            try reporting {
                let (ea, eb) = try store.service().compare(a, b, corpus: corpus, reading: reading.corpusOptions())
                let (ia, ib, ra, rb, rowCount) = (ea.model, eb.model, ea.report, eb.report, ea.rows)
                if format == .json {
                    struct Out: Encodable { var corpus: String; var rows: Int; var models: [String: ClassificationReport] }
                    emit(try jsonText(Out(corpus: ea.file, rows: rowCount,
                                          models: [ia.reference: ra, ib.reference: rb])))
                    return
                }
                func row(_ name: String, _ x: Double, _ y: Double, higherIsBetter: Bool = true) -> [String] {
                    let d = y - x
                    let better = d == 0 ? "" : ((d > 0) == higherIsBetter ? " (b better)" : " (a better)")
                    return [name, fixed(x, 4), fixed(y, 4), String(format: "%+.4f", d) + better]
                }
                var rows = [row("accuracy", ra.accuracy, rb.accuracy), row("macro F1", ra.macroF1, rb.macroF1),
                            row("weighted F1", ra.weightedF1, rb.weightedF1),
                            row("log loss", ra.logLoss, rb.logLoss, higherIsBetter: false),
                            row("ECE", ra.ece, rb.ece, higherIsBetter: false)]
                for m in ra.perClass {
                    if let n = rb.perClass.first(where: { $0.label == m.label }) { rows.append(row("F1 \(m.label)", m.f1, n.f1)) }
                }
                emitText("a = \(ia.reference), b = \(ib.reference), on \(ea.file) (\(rowCount) rows\(sameContent(ea)))\n\n"
                     + renderTable(header: ["metric", "a", "b", "b - a"], rows: rows, rightAligned: [1, 2]))
            }
        }
    }

    struct Activate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a model the active one (the default for predict and evaluate).",
            discussion: "Example:\n  sentiment models activate news@1")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The model (latest version when @VERSION is omitted).", valueName: "name[@version]"))
        var model: ModelReference

        func run() throws {
            try reporting {
                let service = try store.service()
                let info = try service.withModelContext { try service.store.activate(name: model.name, version: model.version) }
                emitText("active model: \(info.reference)")
            }
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a model: kept with its predictions and still loadable by name@version, but marked archived (no longer the active model).",
            discussion: "Example:\n  sentiment models archive news@1")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The model (latest version when @VERSION is omitted).", valueName: "name[@version]"))
        var model: ModelReference

        func run() throws {
            try reporting {
                let service = try store.service()
                let db = service.store
                let info = try service.withModelContext { try db.archive(name: model.name, version: model.version) }
                emitText("archived \(info.reference)\n" + activeNow(db))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a model to a portable file (everything needed to predict, with a checksum).",
            discussion: """
                An existing file is kept unless --force; a directory, device, FIFO or the store itself is never \
                written. - writes to standard output.

                Example:
                  sentiment models export news@2 news.sentiment-model
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The model (latest version when @VERSION is omitted).", valueName: "name[@version]"))
        var model: ModelReference
        @Argument(help: ArgumentHelp("The file to write (- for standard output).", valueName: "file"))
        var file: String
        @Flag(help: "Replace the file if it exists (a regular file only).")
        var force = false

        func run() throws {
            try reporting {
                let destination = ExportDestination(argument: file, replacing: force)
                let info = try store.service(readOnly: true).exportModel(model, to: destination)
                if destination == .standardOutput {
                    printError("exported \(info.reference) to standard output")
                } else {
                    emitText("exported \(info.reference) to \(file)")
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a model from a portable file (its checksum is verified).",
            discussion: """
                The file's version is kept when this store never used it for that name; otherwise the model gets \
                the next version, and the command says so. The same content under the same name is not added twice. \
                The file carries no dates: the model's creation date in this store is the import's.

                Example:
                  sentiment models import news.sentiment-model
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The model file.", valueName: "file"))
        var file: String

        func run() throws {
            try reporting {
                let service = try store.service()
                let result = try service.importModelFile(path: file)
                let info = result.model
                if result.alreadyStored {
                    emitText("\(info.reference) is already in \(service.store.path) with the same content: nothing imported")
                } else if info.version != result.fileVersion {
                    emitText("imported \(info.name)@\(result.fileVersion) as \(info.reference) (\(info.status.rawValue)): version \(result.fileVersion) of \(info.name) is taken in \(service.store.path)")
                } else {
                    emitText("imported \(info.reference) (\(info.status.rawValue)) into \(service.store.path)")
                }
            }
        }
    }
}

/// What is active after a model left: said at once, so nobody finds out at the next `predict`.
func activeNow(_ db: any SentimentStoring) -> String {
    if let active = try? db.activeModel() { return "active model: \(active.reference)" }
    return "no model is active now: predict and evaluate need --model NAME, or activate one (sentiment models activate NAME)"
}

struct Corpora: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect and delete the corpora imported by train and evaluate.",
        discussion: "Example:\n  sentiment corpora show headlines",
        subcommands: [List.self, Show.self, Delete.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List imported corpora.",
                                                        discussion: "Example:\n  sentiment corpora list")
        @OptionGroup var store: StoreOptions
        @Option(help: "Output format.")
        var format: RecordsFormat = .table

        func run() throws {
            try reporting {
                let corpora = try store.open().corpora()
                if format == .json || format == .jsonl {
                    try emitRecords(corpora.map(CorpusRecord.init), lines: format == .jsonl)
                    return
                }
                emit(renderTable(header: ["id", "name", "rows", "labels", "imported", "source"], rows: corpora.map {
                    [String($0.id), $0.name, String($0.rowCount),
                     $0.labelCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                     isoText($0.importedAt), $0.sourcePath]
                }, rightAligned: [0, 2]))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one corpus and its first documents.",
                                                        discussion: "Example:\n  sentiment corpora show headlines")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The corpus name (or id).")
        var name: String
        @Option(help: "Documents to show.")
        var head = 5
        @Option(help: "Output format.")
        var format: ReportFormat = .table

        func run() throws {
            try reporting {
                let db = try store.open()
                let info: CorpusInfo
                if let id = Int64(name) { info = try db.corpus(id: id) } else { info = try db.corpus(named: name) }
                let docs = try db.corpusDocuments(corpusId: info.id).prefix(max(0, head))
                if format == .json {
                    var record = CorpusRecord(info)
                    record.head = docs.map { CorpusRecord.Document(line: $0.line, label: $0.label, text: $0.text) }
                    emit(try jsonText(record))
                    return
                }
                var text = "corpus \(info.name) (id \(info.id)): \(info.rowCount) rows, format \(info.format)\n"
                text += "source   \(info.sourcePath)\nimported \(isoText(info.importedAt))\nsha256   \(info.sha256)\nlabels   "
                text += info.labelCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n\n"
                text += renderTable(header: ["line", "label", "text"], rows: docs.map { [String($0.line), $0.label, preview($0.text, width: 80)] },
                                    rightAligned: [0])
                emitText(text)
            }
        }
    }
}

/// A corpus in JSON output: numbers as numbers, label counts as an object.
struct CorpusRecord: Encodable {
    struct Document: Encodable { var line: Int, label: String, text: String }
    var id: Int64, name: String, rows: Int, format: String, sha256: String, source: String, imported_at: String
    var labels: [String: Int]
    var head: [Document]? = nil

    init(_ c: CorpusInfo) {
        id = c.id; name = c.name; rows = c.rowCount; format = c.format; sha256 = c.sha256; source = c.sourcePath
        imported_at = isoText(c.importedAt); labels = c.labelCounts
    }
}

/// Records as one JSON array (`json`) or one compact object per line (`jsonl`).
func emitRecords<T: Encodable>(_ items: [T], lines: Bool) throws {
    if lines {
        var out = StandardOutput()
        for item in items { out.line(try jsonText(item, pretty: false)) }
        out.flush()
    } else {
        emit(try jsonText(items))
    }
}
