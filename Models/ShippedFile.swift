import Foundation

/// Where a file the project ships (read at run time, pinned by its SHA-256) is looked for, in order: the path in
/// the environment variable `variable`; beside the executable; `../share/sentiment/` from the executable's directory
/// (an installed layout); `sourcePath` in the source tree this binary was built from (so a binary copied elsewhere
/// still finds it while the checkout exists).
func shippedFileCandidates(_ fileName: String, variable: String, sourcePath: String,
                           environment: [String: String]) -> [String] {
    var out: [String] = []
    if let p = environment[variable], !p.isEmpty { out.append(p) }
    let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    let bin = executable.deletingLastPathComponent()
    out.append(bin.appendingPathComponent(fileName).path)
    out.append(bin.deletingLastPathComponent().appendingPathComponent("share/sentiment/\(fileName)").path)
    out.append(sourcePath)
    return out
}
