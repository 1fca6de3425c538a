import ArgumentParser
import Foundation

/// `--yes` for commands that delete: without it they ask on a terminal and refuse otherwise.
struct ConfirmationOptions: ParsableArguments {
    @Flag(name: [.customShort("y"), .long],
          help: "Delete without asking (needed when standard input is not a terminal).")
    var yes = false

    /// Asks `question` (which says what would be deleted) unless `--yes`: from a terminal the answer must be y or
    /// yes; without a terminal (a script, a pipe) nothing is deleted and the command fails with a usage error, so
    /// a script never deletes more than it spelled out.
    /// - Throws: `CLIFailure` (64 without a terminal, `Exit.declined` when the answer is not yes).
    func confirm(_ question: String) throws {
        if yes { return }
        guard isatty(0) != 0 else {
            throw CLIFailure.usage("\(question) Not deleted: standard input is not a terminal, so give --yes to delete without asking")
        }
        FileHandle.standardError.write(Data((terminalSafe(question) + " [y/N] ").utf8))
        let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            throw CLIFailure(code: Exit.declined, message: "nothing deleted")
        }
    }
}

/// `1,234`: counts in questions and summaries.
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// "1 prediction", "2 predictions".
func counted(_ n: Int, _ noun: String) -> String { "\(grouped(n)) \(noun)\(n == 1 ? "" : "s")" }
