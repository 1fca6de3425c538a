import ArgumentParser
import Foundation
import SentimentKit

/// Clearer answers than the parser's for the two usage mistakes newcomers make most: a mistyped command
/// (`sentiment predicts`) and a mistyped flag (`train --corpse x`, which the parser reported as the missing
/// `--corpus` its validation asks for). Consulted only after parsing failed, so valid command lines never pay.
enum UsageHints {
    /// One line for a command line the parser refused, or nil to let the parser's own message stand.
    static func hint(for arguments: [String], root: ParsableCommand.Type) -> String? {
        // Walk down the subcommands the arguments name; the rest are the command's own.
        var command = root
        var path = [root._commandName]
        var rest: [String] = []
        var walking = true
        for arg in arguments.prefix(while: { $0 != "--" }) {
            if walking, !arg.hasPrefix("-"),
               let sub = command.configuration.subcommands.first(where: { $0._commandName == arg }) {
                command = sub
                path.append(arg)
                continue
            }
            if !arg.hasPrefix("-") { walking = false }
            rest.append(arg)
        }
        let name = path.joined(separator: " ")

        // A word where a command was expected.
        let subcommands = command.configuration.subcommands.map { $0._commandName }
        if let word = rest.first(where: { !$0.hasPrefix("-") }), !subcommands.isEmpty,
           let close = closestName(to: word, among: subcommands) {
            return "unknown command '\(word)' for '\(name)'; did you mean '\(close)'? (see \(name) --help)"
        }

        // A flag the command does not have comes first: any other complaint may follow from it.
        var known = knownOptions(command, root: root)
        if let fallback = command.configuration.defaultSubcommand { known.formUnion(knownOptions(fallback, root: root)) }
        for arg in rest where arg.hasPrefix("--") && arg.count > 2 {
            let flag = String(arg.prefix { $0 != "=" })
            guard !known.contains(flag) else { continue }
            var line = "unknown option '\(flag)' for '\(name)'"
            if let close = closestName(to: flag, among: known.sorted()) { line += "; did you mean '\(close)'?" }
            return line + " (see \(name) --help)"
        }
        return nil
    }

    /// The long flags in the command's help (hidden ones included), with `--help` and, at the root, `--version`.
    private static func knownOptions(_ command: ParsableCommand.Type, root: ParsableCommand.Type) -> Set<String> {
        let help = root.helpMessage(for: command, includeHidden: true, columns: 10_000)
        var flags: Set<String> = ["--help"]
        if command == root { flags.insert("--version"); flags.insert("--generate-completion-script") }
        var scanner = help[...]
        while let start = scanner.range(of: "--") {
            let name = scanner[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            if let first = name.first, first.isLetter { flags.insert("--" + name) }
            scanner = scanner[start.upperBound...]
        }
        return flags
    }
}
