import XCTest
@testable import TextFeatures

final class TokenizerTests: XCTestCase {
    let tok = Tokenizer(.default)

    func testEnglishLowercasesAndDropsPunctuation() {
        XCTAssertEqual(tok.tokens("Operating profit ROSE sharply."), ["operating", "profit", "rose", "sharply"])
        XCTAssertEqual(tok.tokens("Great results!!"), ["great", "results", "!", "!"])
        XCTAssertEqual(tok.tokens("Really? (maybe)"), ["really", "?", "maybe"])
        XCTAssertEqual(tok.tokens(""), [])
        XCTAssertEqual(tok.tokens("   \n\t "), [])
    }

    func testContractionsAndClitics() {
        XCTAssertEqual(tok.tokens("They don't"), ["they", "do", "n't"])
        XCTAssertEqual(tok.tokens("can't"), ["can", "n't"])
        XCTAssertEqual(tok.tokens("won't"), ["will", "n't"])
        XCTAssertEqual(tok.tokens("the company's"), ["the", "company", "'s"])
        XCTAssertEqual(tok.tokens("Citycon 's share"), ["citycon", "'s", "share"])
        XCTAssertEqual(tok.tokens("we’re"), ["we", "'re"])   // typographic apostrophe
        XCTAssertEqual(tok.tokens("O'Neil"), ["o'neil"])
        var config = TokenizerConfig.default
        config.splitContractions = false
        XCTAssertEqual(Tokenizer(config).tokens("don't buy"), ["don't", "not_buy"])
    }

    func testHyphenatedWordsStayJoined() {
        XCTAssertEqual(tok.tokens("year-on-year growth"), ["year-on-year", "growth"])
        XCTAssertEqual(tok.tokens("long-term - deal"), ["long-term", "deal"])
    }

    func testNegationScopeEndsAtPunctuation() {
        XCTAssertEqual(tok.tokens("not good, but great"), ["not", "not_good", "but", "great"])
        XCTAssertEqual(tok.tokens("Sales did not rise in Q3; costs fell"),
                       ["sales", "did", "not", "not_rise", "not_in", "not_q3", "costs", "fell"])
        XCTAssertEqual(tok.tokens("no profit! good"), ["no", "not_profit", "!", "good"])
        XCTAssertEqual(tok.tokens("without any growth."), ["without", "not_any", "not_growth"])
        XCTAssertEqual(tok.tokens("isn't bad"), ["is", "n't", "not_bad"])
        var config = TokenizerConfig.default
        config.markNegation = false
        XCTAssertEqual(Tokenizer(config).tokens("not good"), ["not", "good"])
        config = .default
        config.negationPrefix = "NEG_"
        XCTAssertEqual(Tokenizer(config).tokens("never good"), ["never", "NEG_good"])
    }

    func testNumbersKeepSignAndPercent() {
        XCTAssertEqual(tok.tokens("rose 5%"), ["rose", "<pct>"])
        XCTAssertEqual(tok.tokens("fell 5.5 %"), ["fell", "<pct>"])
        XCTAssertEqual(tok.tokens("change -3.2% and +4%"), ["change", "<-pct>", "and", "<+pct>"])
        XCTAssertEqual(tok.tokens("up 0.16 per cent"), ["up", "<pct>"])
        XCTAssertEqual(tok.tokens("up 7 percent"), ["up", "<pct>"])
        XCTAssertEqual(tok.tokens("from 23,383,927.80 to 22"), ["from", "<num>", "to", "<num>"])
        XCTAssertEqual(tok.tokens("a -5 loss, +3 gain"), ["a", "<-num>", "loss", "<+num>", "gain"])
        XCTAssertEqual(tok.tokens("1.5-2.0"), ["<num>", "<num>"])
        XCTAssertEqual(tok.tokens("Q3 2009"), ["q3", "<num>"])
        var config = TokenizerConfig.default
        config.numberClasses = false
        XCTAssertEqual(Tokenizer(config).tokens("rose 5.5% to 10"), ["rose", "5.5", "%", "to", "10"])
    }

    func testURLsMentionsCurrency() {
        XCTAssertEqual(tok.tokens("see https://example.com/a?b=1. ok"), ["see", "<url>", "ok"])
        XCTAssertEqual(tok.tokens("www.nokia.com rocks"), ["<url>", "rocks"])
        XCTAssertEqual(tok.tokens("@john_doe thanks"), ["<user>", "thanks"])
        XCTAssertEqual(tok.tokens("mail a@b.com"), ["mail", "a", "b", "com"])
        XCTAssertEqual(tok.tokens("$5bn deal"), ["<cur>", "<num>", "bn", "deal"])
        XCTAssertEqual(tok.tokens("EUR 5.5 mn"), ["<cur>", "<num>", "mn"])
        XCTAssertEqual(tok.tokens("€20m and £3"), ["<cur>", "<num>", "m", "and", "<cur>", "<num>"])
        XCTAssertEqual(tok.tokens("the eur fell"), ["the", "eur", "fell"])
    }

    func testEmoji() {
        XCTAssertEqual(tok.tokens("great 😀👍🏽"), ["great", "😀", "👍"])
        XCTAssertEqual(tok.tokens("🇯🇵 stocks"), ["🇯🇵", "stocks"])
        XCTAssertEqual(tok.tokens("👨‍👩‍👧 family"), ["👨", "family"])
        XCTAssertEqual(tok.tokens("not 😀"), ["not", "not_😀"])
    }

    func testJapaneseCharacterBigrams() {
        XCTAssertEqual(tok.tokens("「株価が急落、業績予想を下方修正」"),
                       ["株価", "価が", "が急", "急落", "業績", "績予", "予想", "想を", "を下", "下方", "方修", "修正"])
        XCTAssertEqual(tok.tokens("株"), ["株"])
        XCTAssertEqual(tok.tokens("トヨタはUPした"), ["トヨ", "ヨタ", "タは", "up", "した"])
        XCTAssertEqual(tok.tokens("ｶﾀｶﾅ"), ["カタ", "タカ", "カナ"])    // NFKC: half-width → full-width
    }

    func testOtherScripts() {
        XCTAssertEqual(tok.tokens("Прибыль ВЫРОСЛА"), ["прибыль", "выросла"])
        XCTAssertEqual(tok.tokens("Straße ＡＢＣ ﬁnance"), ["strasse", "abc", "finance"])
        XCTAssertEqual(tok.tokens("café"), tok.tokens("cafe\u{301}"))          // NFC/NFD give the same token
        // Thai: character bigrams, combining vowels and tone marks stay with their base letter.
        XCTAssertEqual(tok.tokens("ราคาหุ้น"), ["รา", "าค", "คา", "าห\u{0E38}\u{0E49}", "ห\u{0E38}\u{0E49}น"])
        XCTAssertEqual(tok.tokens("الأرباح ارتفعت"), ["الأرباح", "ارتفعت"])
    }

    /// The loader skips Foundation's normalization for texts whose non-ASCII scalars all pass
    /// `isStableScalar`: for every such scalar, alone and between ASCII letters, Foundation's NFKC + folding must
    /// leave it unchanged.
    func testScalarsSkippingNormalizationAreLeftAloneByFoundation() {
        // The mixed configurations (only one of NFKC and folding) always take Foundation's path.
        let scanners = [TokenScanner(.default)]
        var stable = 0, unstable = 0, failures: [String] = []
        for v in UInt32(0x80)...0x10FFFF {
            guard let u = Unicode.Scalar(v), u.properties.generalCategory != .unassigned || v >= 0xE000 && v <= 0xF8FF else { continue }
            guard TokenScanner.isStableScalar(u) else { unstable += 1; continue }
            stable += 1
            let alone = String(Character(u))
            for sc in scanners {
                let context = "A" + alone + "b"
                let expected = (sc.config.caseFold ? "a" : "A") + alone + "b"
                if sc.normalized(alone).unicodeScalars.elementsEqual(alone.unicodeScalars) == false
                    || sc.normalized(context).unicodeScalars.elementsEqual(expected.unicodeScalars) == false {
                    if failures.count < 40 {
                        failures.append(String(v, radix: 16) + "/" + (sc.config.normalizeUnicode ? "n" : "") + (sc.config.caseFold ? "f" : ""))
                    }
                }
            }
        }
        XCTAssertEqual(failures, [], "scalars Foundation changes although isStableScalar lets them skip it")
        XCTAssertGreaterThan(stable, 100_000)   // CJK, kana, Cyrillic and Greek lowercase, symbols…
        XCTAssertGreaterThan(unstable, 5_000)   // capitals, compatibility forms, marks, jamo
        // Texts: the fast path and Foundation's give the same tokens.
        for text in ["Nokia’s €1.2bn deal – “a win”", "株価が急落、業績予想を下方修正", "Ｎｏｋｉａ ＬＴＤ", "Société Générale",
                     "ÅSA résultat: +5 %", "e\u{301}tude", "한국 주식 급등", "Ελλάδα ΚΕΡΔΗ"] {
            var sc = TokenScanner(.default)
            sc.scan(text)
            let fast = sc.tokenStrings().map(\.token)
            let slow = Tokenizer(.default).tokens(TokenScanner(.default).normalized(text))
            XCTAssertEqual(fast, slow, text)
        }
    }

    func testArabicOrthographyIsNormalizedWhenAsked() throws {
        var config = TokenizerConfig.default
        config.normalizeArabic = true
        let arabic = Tokenizer(config)
        // Hamza and madda alefs, the wasla alef, diacritics, the tatweel and the alef maqsura.
        XCTAssertEqual(arabic.tokens("أحسن إنتاج آخر ٱلخبر"), ["احسن", "انتاج", "اخر", "الخبر"])
        XCTAssertEqual(arabic.tokens("جميـــل جِدًّا، على"), ["جميل", "جدا", "علي"])
        XCTAssertEqual(arabic.tokens("كَتَبَ"), arabic.tokens("كتب"))
        XCTAssertEqual(arabic.tokens("ا\u{0654}رباح"), ["ارباح"])            // a combining hamza composes first
        XCTAssertEqual(arabic.tokens("ـــ"), [])                              // only tatweel: nothing left
        XCTAssertEqual(arabic.tokens("لا أحب هذا"), ["لا", "احب", "هذا"])
        // Arabic-Indic digits are numbers either way; the Arabic percent and decimal signs make a percentage.
        XCTAssertEqual(arabic.tokens("ارتفع ٣٫٥٪ في ٢٠٢٤"), ["ارتفع", "<pct>", "في", "<num>"])
        XCTAssertEqual(arabic.tokens("ارتفع ٣٫٥٪"), arabic.tokens("ارتفع 3.5%"))
        XCTAssertEqual(arabic.tokens("١٬٢٠٠ سهم"), ["<num>", "سهم"])
        XCTAssertEqual(tok.tokens("ارتفع ٢٠٢٤"), ["ارتفع", "<num>"])
        // Off (the default, and every model trained before it existed): the text as written.
        XCTAssertEqual(tok.tokens("أحسن جميـــل على"), ["أحسن", "جميـــل", "على"])
        // Other scripts do not change.
        for text in ["Profits rose 5%", "株価が急落", "Прибыль выросла", "ราคาหุ้น"] {
            XCTAssertEqual(arabic.tokens(text), tok.tokens(text), text)
        }
        // Persian letters stay apart from the Arabic ones they resemble.
        XCTAssertEqual(arabic.tokens("خوبی"), ["خوبی"])
    }

    func testTrainingTurnsArabicNormalizationOnForArabicTexts() throws {
        let english = TokenizerConfig.default.adapted(to: ["Profits rose", "股价暴跌", "Ελλάδα"])
        XCTAssertFalse(english.normalizeArabic)
        XCTAssertEqual(english, .default)
        // Japanese turns on its own options only (JapaneseTokenTests).
        XCTAssertFalse(TokenizerConfig.default.adapted(to: ["株価が急落"]).normalizeArabic)
        XCTAssertTrue(TokenizerConfig.default.adapted(to: ["Profits rose", "الأرباح ارتفعت"]).normalizeArabic)
        XCTAssertFalse(TokenizerConfig.default.adapted(to: [String]()).normalizeArabic)
        // Off is left out of the JSON, so stored configurations keep their bytes and decode as before.
        let off = String(decoding: try JSONEncoder().encode(TokenizerConfig.default), as: UTF8.self)
        XCTAssertFalse(off.contains("normalizeArabic"))
        XCTAssertEqual(try JSONDecoder().decode(TokenizerConfig.self, from: Data(off.utf8)), .default)
        var on = TokenizerConfig.default
        on.normalizeArabic = true
        let data = try JSONEncoder().encode(on)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"normalizeArabic\":true"))
        XCTAssertEqual(try JSONDecoder().decode(TokenizerConfig.self, from: data), on)
        // In a feature configuration it goes under its own key, which builds from before it do not know.
        var features = FeatureConfig()
        features.tokenizer = on
        let stored = try JSONEncoder().encode(features)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: stored) as? [String: Any]).keys
        XCTAssertTrue(keys.contains("extendedTokenizer"))
        XCTAssertFalse(keys.contains("tokenizer"))
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: stored), features)
        features.tokenizer = .default
        let plain = try JSONEncoder().encode(features)
        XCTAssertTrue(try XCTUnwrap(JSONSerialization.jsonObject(with: plain) as? [String: Any]).keys.contains("tokenizer"))
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: plain), features)
        // Under the wrong key, or under both, it is refused.
        let wrong = String(decoding: stored, as: UTF8.self).replacingOccurrences(of: "\"extendedTokenizer\"", with: "\"tokenizer\"")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(wrong.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(wrong.utf8)))
        let both = String(decoding: plain, as: UTF8.self).replacingOccurrences(
            of: "\"tokenizer\"", with: "\"extendedTokenizer\":\(String(decoding: try JSONEncoder().encode(on), as: UTF8.self)),\"tokenizer\"")
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(both.utf8)) as? [String: Any])?.count, keys.count + 1)
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(both.utf8)))
    }

    func testEmoticonsWrittenApartAreTokensWhenAsked() throws {
        var config = TokenizerConfig.default
        config.keepEmoticons = true
        let faces = Tokenizer(config)
        XCTAssertEqual(faces.tokens("great day :)"), ["great", "day", ":)"])
        XCTAssertEqual(faces.tokens(":-) =) :))) :] (:"), [":)", ":)", ":)", ":)"])
        XCTAssertEqual(faces.tokens(":D :P ;) ;-) :'( :( =( :[ :/ :\\ :| :* :o :3"),
                       [":d", ":p", ";)", ";)", ":'(", ":(", ":(", ":(", ":/", ":/", ":|", ":*", ":o", ":3"])
        XCTAssertEqual(faces.tokens("<3 <333 </3 ^_^ ^^ -_-"), ["<3", "<3", "</3", "^_^", "^_^", "-_-"])
        XCTAssertEqual(faces.tokens("so good :), thanks!"), ["so", "good", ":)", "thanks", "!"])
        // An emoticon ends a negation scope and is not marked.
        XCTAssertEqual(faces.tokens("not bad :) really good"), ["not", "not_bad", ":)", "really", "good"])
        XCTAssertEqual(faces.tokens("not happy :("), ["not", "not_happy", ":("])
        // Not written apart, or not a face: the text tokenizes as without the option.
        for text in ["3:30pm kick-off", "re:post", "Note: (see below)", "a =3 b", "x<3y", "i<3 u", "http://x.com/:)",
                     "ratio 1:3", "EUR 5 mn ( 4 )", "Q3: profit :)x", ":-", "=", "<", "^_", "-_", ":'D", "=-3",
                     "-5% and -_ -", "a : ) b"] {
            XCTAssertEqual(faces.tokens(text), tok.tokens(text), text)
        }
        // Off (the default, and every model trained before it existed): faces are punctuation.
        XCTAssertEqual(tok.tokens("great day :) <3"), ["great", "day", "<num>"])
        var scanner = TokenScanner(config)
        XCTAssertTrue(scanner.containsEmoticon("love it <3"))
        XCTAssertFalse(scanner.containsEmoticon("Operating profit : EUR 5 mn , up 3:1"))
        // It finds what the scan finds: after any separator, in full-width forms, at the start and the end.
        for text in [":)", "ok\u{7F}:)", "ok\t;-)", "nice ：）", "Ａ <3", "x -_-", "^^", "ok\n:D!"] {
            XCTAssertTrue(scanner.containsEmoticon(text), text)
            XCTAssertNotEqual(faces.tokens(text), tok.tokens(text), text)
        }
        XCTAssertFalse(TokenizerConfig.default.adapted(to: ["Operating profit : EUR 5 mn", "3:30 ( a )"]).keepEmoticons)
        XCTAssertTrue(TokenizerConfig.default.adapted(to: ["Operating profit : EUR 5 mn", "nice :-)"]).keepEmoticons)
        // Stored under the newer options' key, and decoded back.
        var features = FeatureConfig()
        features.tokenizer = config
        let stored = try JSONEncoder().encode(features)
        XCTAssertTrue(try XCTUnwrap(JSONSerialization.jsonObject(with: stored) as? [String: Any]).keys.contains("extendedTokenizer"))
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: stored), features)
    }

    func testElongatedWordsAreShortenedWhenAsked() throws {
        var config = TokenizerConfig.default
        config.reduceElongation = true
        let short = Tokenizer(config)
        // Four or more of a letter count three times, whatever the case; three are left alone.
        XCTAssertEqual(short.tokens("Soooo gooooood!!"), ["sooo", "goood", "!", "!"])
        XCTAssertEqual(short.tokens("sooooooooo"), short.tokens("sOOOo"))
        XCTAssertEqual(short.tokens("sooo good"), ["sooo", "good"])
        for text in ["QQQ and TQQQ", "AAA rating", "Fund III", "www.x.com", "10000 shares", "zzz", "ok!!!!"] {
            XCTAssertEqual(short.tokens(text), tok.tokens(text), text)
        }
        // In the Arabic block three or more count once (after the Arabic normalization, when it is on too).
        XCTAssertEqual(short.tokens("جداااا"), ["جدا"])
        XCTAssertEqual(short.tokens("ممتاز ممتااااز"), ["ممتاز", "ممتاز"])  // a doubled letter is a spelling
        XCTAssertEqual(short.tokens("هههههه"), ["ه"])
        config.normalizeArabic = true
        XCTAssertEqual(Tokenizer(config).tokens("جدااأا شكرـــااا"), ["جدا", "شكرا"])
        // The character n-grams of a word are taken from its shortened form.
        let features = FeatureConfig(tokenizer: config, wordNgrams: 1, charNgrams: CharNgramRange(min: 4, max: 4),
                                     vocabulary: .vocabulary(minDocumentFrequency: 1, maxFeatures: nil))
        let v = Vectorizer.fit(["goooooood day", "bad day"], config: features)
        let rows = v.transform(["gooood", "goooooooooood", "goood"])
        XCTAssertEqual(Array(rows.row(0).indices), Array(rows.row(1).indices))
        XCTAssertEqual(Array(rows.row(0).indices), Array(rows.row(2).indices))
        XCTAssertEqual(rows.row(0).indices.count, 5)  // the word and the four 4-grams of <goood>

        // Training turns it on for a corpus with an elongated word, and only then.
        var probe = TokenScanner({ var c = TokenizerConfig.default; c.normalizeArabic = true; return c }())
        for text in ["soooo", "Noooo way", "ＳＯＯＯＯ", "جداااا", "جدااأ", "جـداـاـا"] {
            XCTAssertTrue(probe.containsElongation(text), text)
        }
        for text in ["sooo", "QQQ", "www.example.com", "1000000", "!!!!", "株価が急落。。。。", "جدا", "ممتاز", "ＳＯＯ"] {
            XCTAssertFalse(probe.containsElongation(text), text)
        }
        for text in ["soooo", "Noooo way", "ＳＯＯＯＯ", "جداااا", "sooo", "QQQ", "株価が急落。。。。", "ممتاز", "Ｓｏｏｏｏ"] {
            XCTAssertEqual(probe.containsElongation(text), short.tokens(text) != tok.tokens(text), text)
        }
        XCTAssertFalse(TokenizerConfig.default.adapted(to: ["QQQ up", "AAA rating kept", "www.x.com"]).reduceElongation)
        XCTAssertTrue(TokenizerConfig.default.adapted(to: ["QQQ up", "yessss"]).reduceElongation)
        XCTAssertEqual(TokenizerConfig.default.adapted(to: ["yessss"]).adaptedOptionNames, ["elongation"])

        // Stored under the key of its generation, which builds before it lack, and refused with an option this
        // build does not know, so a later option needs no further key.
        var stored = FeatureConfig()
        stored.tokenizer = config
        let data = try JSONEncoder().encode(stored)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        XCTAssertTrue(keys.contains("strictTokenizer"))
        XCTAssertFalse(keys.contains("tokenizer") || keys.contains("extendedTokenizer"))
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: data), stored)
        let json = String(decoding: data, as: UTF8.self)
        let later = json.replacingOccurrences(of: "\"reduceElongation\":true", with: "\"reduceElongation\":true,\"stemArabic\":true")
        XCTAssertNotEqual(later, json)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(later.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(later.utf8))) { error in
            XCTAssertTrue("\(error)".contains("stemArabic"), "\(error)")
        }
        for key in ["tokenizer", "extendedTokenizer"] {
            let wrong = json.replacingOccurrences(of: "\"strictTokenizer\"", with: "\"\(key)\"")
            XCTAssertNotEqual(wrong, json)
            XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(wrong.utf8)), key)
        }
        // A tokenizer of an older generation under the new key is refused too (one key per generation).
        var older = FeatureConfig()
        older.tokenizer.keepEmoticons = true
        let olderJSON = String(decoding: try JSONEncoder().encode(older), as: UTF8.self)
            .replacingOccurrences(of: "\"extendedTokenizer\"", with: "\"strictTokenizer\"")
        XCTAssertTrue(olderJSON.contains("strictTokenizer"))
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(olderJSON.utf8)))
    }

    func testConfigIsCodable() throws {
        var config = TokenizerConfig.default
        config.negationCues = ["not"]
        config.cjkBigrams = false
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(TokenizerConfig.self, from: data), config)
        XCTAssertEqual(Tokenizer(config).tokens("株価 no good"), ["株", "価", "no", "good"])
    }
}
