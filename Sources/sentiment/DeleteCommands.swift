import ArgumentParser
import Foundation
import SentimentKit

// Deleting is asked for on a terminal (y/N) or spelled out with --yes; each command says what it removed and
// what is left.

extension Models {
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a model version. Its predictions are kept (still listed under its name) unless --delete-predictions.",
            discussion: """
                Says which version it would delete (the newest when @VERSION is left out) and asks; without a \
                terminal it needs --yes. Afterwards it says which model is active.

                Examples:
                  sentiment models delete news@1
                  sentiment models delete news@1 --delete-predictions --yes
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The model (latest version when @VERSION is omitted).", valueName: "name[@version]"))
        var model: ModelReference
        @Flag(help: "Delete the model's stored predictions too.")
        var deletePredictions = false
        @OptionGroup var confirmation: ConfirmationOptions

        func run() throws {
            try reporting {
                let service = try store.service()
                let plan = try service.planModelDeletion(model)
                var what = "Delete model \(plan.model.reference)"
                var notes: [String] = []
                if model.version == nil && plan.versions > 1 { notes.append("the newest of \(plan.versions) versions") }
                if plan.isActive { notes.append("the active model") }
                if plan.predictions > 0 {
                    let corrected = plan.corrected > 0 ? ", \(grouped(plan.corrected)) of them corrected" : ""
                    notes.append(counted(plan.predictions, "prediction") + corrected
                                 + (deletePredictions ? ", deleted with it" : ", kept"))
                }
                if !notes.isEmpty { what += " (\(notes.joined(separator: "; ")))" }
                try confirmation.confirm(what + " in \(service.store.path)?")
                let n = try service.deleteModel(plan, deletePredictions: deletePredictions)
                emitText("deleted \(plan.model.reference)" + (deletePredictions ? " and \(counted(n, "prediction"))" : "")
                         + "\n" + activeNow(service.store))
            }
        }
    }
}

extension Corpora {
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an imported corpus and its documents (not while a stored model was trained on it).",
            discussion: """
                A corpus a stored model was trained on is kept: `train --from` and `models show` read a model's \
                corpora from the store (delete the models first). Evaluations on the corpus are kept without it. \
                Asks on a terminal; without one it needs --yes.

                Example:
                  sentiment corpora delete held-out --yes
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The corpus name (or id).", valueName: "name"))
        var name: String
        @OptionGroup var confirmation: ConfirmationOptions

        func run() throws {
            try reporting {
                let service = try store.service()
                let info = try service.planCorpusDeletion(name)
                try confirmation.confirm("Delete corpus \(info.name) (id \(info.id), \(counted(info.rowCount, "document")), from \(info.sourcePath)) in \(service.store.path)?")
                try service.deleteCorpus(info)
                emitText("deleted corpus \(info.name) (id \(info.id), \(counted(info.rowCount, "document")))")
            }
        }
    }
}

extension Predictions {
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete stored predictions by id or by filter (the filters of `predictions`).",
            discussion: """
                Give ids, filters, or --all; says how many it would delete (and how many carry a correction) and \
                asks on a terminal; without one it needs --yes. The full-text index and the columnar copies are \
                updated in the same transaction.

                Examples:
                  sentiment predictions delete 1234 1235
                  sentiment predictions delete --model news@1 --until 2026-10-31 --yes
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: PredictionFilters
        @Argument(help: ArgumentHelp("Prediction ids (see sentiment predictions).", valueName: "id"))
        var ids: [Int64] = []
        @Flag(help: "Delete every stored prediction (needed when neither ids nor filters are given).")
        var all = false
        @OptionGroup var confirmation: ConfirmationOptions

        func validate() throws {
            let filtered = filters.model != nil || filters.label != nil || filters.minConfidence != nil
                || filters.maxConfidence != nil || filters.since != nil || filters.until != nil || filters.search != nil
                || filters.corrected || filters.uncorrected
            if !ids.isEmpty && (filtered || all) { throw ValidationError("give ids or filters (or --all), not both") }
            if ids.isEmpty && !filtered && !all {
                throw ValidationError("say which predictions: ids, filters such as --model or --until, or --all for every one")
            }
            if all && filtered { throw ValidationError("--all deletes every prediction; leave it out to delete those the filters match") }
        }

        func run() throws {
            try reporting {
                let service = try store.service()
                let selection: PredictionSelection = ids.isEmpty ? .matching(try filters.query()) : .ids(ids)
                let plan = try service.planPredictionDeletion(selection)
                if !plan.missing.isEmpty {
                    let list = plan.missing.prefix(10).map(String.init).joined(separator: ", ")
                    throw CLIFailure.notFound("no prediction with id \(list)\(plan.missing.count > 10 ? ", …" : "") in \(service.store.path); nothing deleted")
                }
                guard plan.count > 0 else {
                    emitText("no prediction matches; nothing deleted")
                    return
                }
                var what = "Delete \(counted(plan.count, "prediction"))"
                var notes: [String] = []
                if plan.corrected > 0 { notes.append("\(grouped(plan.corrected)) corrected") }
                let models = plan.byModel.sorted { $0.key < $1.key }
                if !models.isEmpty && models.count <= 5 {
                    notes.append("of " + models.map { "\($0.key) \(grouped($0.value))" }.joined(separator: ", "))
                }
                if !notes.isEmpty { what += " (\(notes.joined(separator: "; ")))" }
                try confirmation.confirm(what + " in \(service.store.path)?")
                let n = try service.deletePredictions(plan)
                let left = try service.store.statistics().predictions
                emitText("deleted \(counted(n, "prediction")); \(grouped(left)) stored")
            }
        }
    }
}
