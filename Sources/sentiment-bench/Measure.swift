import ArgumentParser
import Foundation

struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command, wait for it with wait4() and print its wall time, peak RSS and CPU time as JSON.",
        discussion: """
            A portable `/usr/bin/time -v`. Prints one JSON object: exit, signal, wall_seconds, maxrss_kib (KiB), \
            user_seconds, system_seconds. Exits 0 when the command could be run (its status is in the JSON), 1 \
            otherwise. Options of this command go before the command; `--` before it is optional. The suite runs \
            every child through this mode so that ru_maxrss is the child's own (see Spawn.swift).

            Example:
              sentiment-bench measure --stdout /dev/null -- sentiment predict "Shares soar"
            """)

    @Option(name: .customLong("stdout"), help: ArgumentHelp("Redirect the command's standard output to this file.", valueName: "file"))
    var stdoutPath: String?

    @Option(name: .customLong("stderr"), help: ArgumentHelp("Redirect the command's standard error to this file.", valueName: "file"))
    var stderrPath: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command (a path, or a name looked up in PATH) and its arguments.",
                                                                  valueName: "command"))
    var command: [String] = []

    /// The command without the optional `--` in front of it (passthrough capture keeps it).
    var argv: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        // Passthrough capture starts at the first input it does not know, --help included.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        if argv.isEmpty { throw ValidationError("give a command to run") }
    }

    func run() throws {
        let m = try spawnAndWait(argv, stdoutPath: stdoutPath, stderrPath: stderrPath, stdinPath: nil)
        print(try jsonLine(m))
    }
}
