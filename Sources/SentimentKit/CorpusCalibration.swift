import SentimentClassifier
import TextFeatures

extension SentimentService {
    /// Replaces the fitted classifier's temperature by the one fitted on each corpus as predicted by a model of
    /// the others (`groups[i]`: the corpus of row `i`), with the settings the fit chose. Nothing changes with fewer
    /// than two corpora that can be held out.
    func calibrateAcrossCorpora(_ classifier: inout SentimentClassifier, _ report: inout FitReport, texts: [String],
                                labels: [String], groups: [Int], table: EmbeddingTable?) throws {
        var settings = classifier.options
        settings.embeddingWeights = report.embeddings.map { [$0.chosenWeight] } ?? []
        guard let calibration = try SentimentClassifier.leaveOneGroupOutCalibration(
            texts: texts, labels: labels, groups: groups, settings: settings, embeddings: table) else { return }
        classifier.model.temperature = calibration.temperature
        report.groupCalibration = calibration
    }
}
