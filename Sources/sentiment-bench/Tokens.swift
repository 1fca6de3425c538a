import ArgumentParser
import TextFeatures

struct Tokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tokens of each text (the default tokenizer), separated by |.",
        discussion: """
            Texts that start with a dash go after --.

            Example:
              sentiment-bench tokens "Shares soar" "Profit didn't rise"
            """)

    @Argument(help: ArgumentHelp("Texts to tokenize.", valueName: "text"))
    var texts: [String] = []

    func run() {
        let tokenizer = Tokenizer(.default)
        for text in texts { print(tokenizer.tokens(text).joined(separator: " | ")) }
    }
}
