import Foundation
import XCTest

/// The review page in headless Chromium, driven by `Tests/Browser/review_page_test.py` (Python selenium): open the
/// page with the token, show lowest confidence first, correct predictions by click and by keyboard, see the
/// corrections stored, and texts shown as text, never as markup.
///
/// Needs `chromium`, `chromedriver` and Python's `selenium`; without them the test is skipped with a message, except
/// under CI (`SENTIMENT_REQUIRE_BROWSER=1`, set by `.ci/run`, which installs them), where their absence fails.
final class BrowserTests: XCTestCase {
    func testReviewPageInHeadlessChromium() throws {
        let required = ProcessInfo.processInfo.environment["SENTIMENT_REQUIRE_BROWSER"] == "1"
        var missing: [String] = []
        for tool in ["chromium", "chromedriver", "python3"] where which(tool) == nil { missing.append(tool) }
        if missing.isEmpty, run(["python3", "-c", "import selenium"]).code != 0 { missing.append("python3 selenium") }
        if !missing.isEmpty {
            let message = "missing \(missing.joined(separator: ", ")) (apt-get install chromium chromium-driver; pip install selenium)"
            if required { return XCTFail(message) }
            throw XCTSkip(message)
        }
        let sandbox = try Sandbox()
        let screenshot = ProcessInfo.processInfo.environment["SENTIMENT_SCREENSHOT"] ?? sandbox.path("review-page.png")
        let result = run(["python3", repoPath("Tests/Browser/review_page_test.py"), sentimentBinary, "--screenshot", screenshot])
        XCTAssertEqual(result.code, 0, "browser test failed:\n\(result.output)")
        XCTAssertTrue(result.output.contains("browser test: ok"), result.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: screenshot), "no screenshot at \(screenshot)")
    }

    private func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a command to its end; standard output and error together.
    private func run(_ arguments: [String]) -> (code: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "cannot start \(arguments[0]): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
