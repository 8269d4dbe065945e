// Prompts for the writing tasks (inference/prompting/): the template syntax and its errors,
// the shipped templates and a writer's override, which story-bible entries a prompt reads and
// why, the Author's Note's place, the budget, and a scene start that a one-word edit at the end
// leaves alone (so the session reuses the prompt's prefix). Tokens from the default model's
// real tokenizer.
#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"
#include "inference/prompting/prompt_library.h"
#include "inference/prompting/story_prompt.h"
#include "inference/tokenizer/tokenizer.h"
#include "reference_json.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <numeric>

using namespace fabulist::inference;
using namespace fabulist::inference::prompting;

namespace {

std::string sourceDir() {
    const QByteArray dir = qgetenv("FABULIST_SOURCE_DIR");
    return dir.isEmpty() ? std::string(".") : dir.toStdString();
}

void writeFile(const QString& path, const QByteArray& text) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

std::string renderText(const PromptTemplate& t, const SlotValues& values) {
    std::string text;
    for (const PromptPiece& p : t.render(values)) text += p.text;
    return text;
}

BibleItem item(int64_t id, std::string name, std::vector<std::string> aliases, std::string text,
               bool alwaysIn = false) {
    return BibleItem{id, std::move(name), std::move(aliases), std::move(text), alwaysIn};
}

int words(std::string_view text) {
    return int(std::count(text.begin(), text.end(), ' ')) + 1;
}

// A paragraph of n words ("w1 w2 ..."), each paragraph ending with a blank line.
std::string paragraphs(int count, int wordsEach) {
    std::string text;
    for (int p = 0; p < count; ++p) {
        for (int w = 0; w < wordsEach; ++w) text += "word" + std::to_string((p * 7 + w) % 50) + " ";
        text.back() = '.';
        text += "\n\n";
    }
    text.resize(text.size() - 2);
    return text;
}

// The default model's tokenizer with fill-in-the-middle ids added (ordinary tokens of its
// vocabulary stand in for them: the layout of the ids is what is checked).
std::unique_ptr<Tokenizer> tokenizerWithFim(const GgufFile& model, std::vector<uint8_t>& bytes,
                                            std::unique_ptr<GgufFile>& file) {
    GgufWriter w;
    for (const std::string& key : model.keys()) {
        if (!key.starts_with("tokenizer.")) continue;
        switch (*model.typeOf(key)) {
        case GgufValueType::String: w.setString(key, model.getString(key)); break;
        case GgufValueType::Bool: w.setBool(key, model.getBool(key)); break;
        case GgufValueType::Array:
            if (model.arrayElementType(key) == GgufValueType::String)
                w.setStringArray(key, model.getStringArray(key));
            else if (model.arrayElementType(key) == GgufValueType::F32)
                w.setArray(key, model.getFloatArray(key));
            else {
                std::vector<int32_t> ints;
                for (int64_t v : model.getIntArray(key)) ints.push_back(int32_t(v));
                w.setArray(key, ints);
            }
            break;
        default: w.setU32(key, uint32_t(model.getInt(key))); break;
        }
    }
    w.setU32("tokenizer.ggml.fim_pre_token_id", 100);
    w.setU32("tokenizer.ggml.fim_suf_token_id", 101);
    w.setU32("tokenizer.ggml.fim_mid_token_id", 102);
    bytes = w.serialize();
    file = GgufFile::openMemory(bytes.data(), bytes.size(), "fim-tokenizer.gguf");
    return Tokenizer::fromGguf(*file);
}

} // namespace

class PromptingTest : public QObject {
    Q_OBJECT

    std::unique_ptr<GgufFile> m_file;
    std::unique_ptr<Tokenizer> m_tokenizer;

    PromptTemplate shipped(WritingTask task) {
        return loadTemplate(task, "", sourceDir() + "/resources/prompts").promptTemplate;
    }

private slots:
    void initTestCase() {
        m_file = GgufFile::open(sourceDir() + "/resources/models/fabulist-default.gguf");
        m_tokenizer = Tokenizer::fromGguf(*m_file);
    }

    void templatesRenderSlotsSectionsAndComments() {
        const auto t = PromptTemplate::parse(
            "## a comment line\n{{#memory}}M: {{memory}}\n{{/memory}}S: {{scene}}\n", "t.txt");
        QCOMPARE(renderText(t, {{"scene", {{"scene", "", "abc"}}}}), std::string("S: abc"));
        QCOMPARE(renderText(t, {{"memory", {{"memory", "", "mm"}}}, {"scene", {{"scene", "", "x"}}}}),
                 std::string("M: mm\nS: x"));
        QVERIFY(t.uses("memory"));
        QVERIFY(!t.uses("bible"));
        const auto pieces = t.render({{"memory", {{"memory", "", "mm"}}}});
        QCOMPARE(pieces.size(), size_t{3});
        QCOMPARE(pieces[1].source, std::string("memory"));
    }

    void malformedTemplatesNameTheFileAndLine() {
        struct Case {
            const char* text;
            int line;
            const char* says;
        };
        const Case cases[] = {
            {"ok\n{{scene}}\n{{sceen}}\n", 3, "unknown slot {{sceen}}"},
            {"## c\n{{#memory}}\nabc\n", 2, "never closed"},
            {"{{scene}}\n{{/bible}}", 2, "not open"},
            {"{{#memory}}{{/bible}}", 1, "the open one is {{#memory}}"},
            {"a }} b", 1, "without its"},
            {"{{scene", 1, "not closed"},
        };
        for (const Case& c : cases) {
            try {
                PromptTemplate::parse(c.text, "mine.txt");
                QFAIL(c.text);
            } catch (const TemplateError& e) {
                QCOMPARE(e.line(), c.line);
                QCOMPARE(e.file(), std::string("mine.txt"));
                QVERIFY2(std::string(e.what()).find(c.says) != std::string::npos, e.what());
                QVERIFY(std::string(e.what()).starts_with("mine.txt:" + std::to_string(c.line)));
            }
        }
    }

    void everyShippedTemplateParsesAndReadsTheScene() {
        for (WritingTask task : allTasks()) {
            const LoadedTemplate t = loadTemplate(task, "", sourceDir() + "/resources/prompts");
            QVERIFY(t.warning.empty());
            QVERIFY2(t.promptTemplate.uses("scene"), taskName(task));
            if (taskShape(task).needsSelection && task != WritingTask::Describe)
                QVERIFY2(t.promptTemplate.uses("selection"), taskName(task));
        }
    }

    void aWritersCopyOverridesAndABrokenOneFallsBack() {
        QTemporaryDir user;
        writeFile(user.filePath("rewrite.txt"), "Mine: {{selection}}\n");
        writeFile(user.filePath("describe.txt"), "line one\n{{#scene}}\n");
        const std::string shippedDir = sourceDir() + "/resources/prompts";
        const LoadedTemplate own = loadTemplate(WritingTask::Rewrite, user.path().toStdString(), shippedDir);
        QVERIFY(own.warning.empty());
        QCOMPARE(own.path, user.filePath("rewrite.txt").toStdString());
        QCOMPARE(renderText(own.promptTemplate, {{"selection", {{"selection", "", "x"}}}}),
                 std::string("Mine: x"));
        const LoadedTemplate broken = loadTemplate(WritingTask::Describe, user.path().toStdString(), shippedDir);
        QCOMPARE(broken.path, shippedDir + "/describe.txt");
        QVERIFY2(broken.warning.find(user.filePath("describe.txt").toStdString() + ":2:") !=
                     std::string::npos,
                 broken.warning.c_str());
        try {
            loadTemplate(WritingTask::Brainstorm, user.path().toStdString(), user.path().toStdString());
            QFAIL("a missing shipped template must be reported");
        } catch (const TemplateError& e) {
            QVERIFY(std::string(e.what()).find("brainstorm.txt") != std::string::npos);
        }
    }

    void entriesAreInOnlyWhenNamedNearTheCursor() {
        const std::vector<BibleItem> bible = {
            item(1, "Mira Tull", {"Mira"}, "Fifteen, a beachcomber."),
            item(2, "Wrack Street", {"the lane"}, "Steep lane from the harbour."),
            item(3, "Mrs. Ruthven", {}, "Harbour master."),
            item(4, "The sea wall", {}, "Granite, 1868.", /*alwaysIn=*/true),
            item(5, "Ansel", {}, ""),
        };
        const auto count = [&](std::string_view t) {
            return int(m_tokenizer->encode(t, false).size());
        };
        const std::string before = "They climbed THE LANE in silence. Mira's boots were wet.";
        auto decisions = selectBibleEntries(bible, {before, "", "", 300}, 400, count);
        QVERIFY(decisions[0].included); // an alias, with a possessive
        QVERIFY2(decisions[0].reason.find("Mira") != std::string::npos, decisions[0].reason.c_str());
        QVERIFY(decisions[1].included); // an alias, case ignored
        QVERIFY(!decisions[2].included);
        QVERIFY(decisions[2].reason.find("not named") != std::string::npos);
        QVERIFY(decisions[3].included && decisions[3].reason == "always in");
        QVERIFY(!decisions[4].included); // nothing to say
        QVERIFY(decisions[4].reason.find("nothing for the model") != std::string::npos);

        // Part of a longer word is not a mention; the text after the cursor is.
        decisions = selectBibleEntries(bible, {"Miramar was far.", "", "Then Mrs. Ruthven came.", 300},
                                       400, count);
        QVERIFY(!decisions[0].included);
        QVERIFY(decisions[2].included);
        QVERIFY(decisions[2].reason.find("after the cursor") != std::string::npos);

        // Only the last K words count.
        decisions = selectBibleEntries(bible, {"Mira left. one two three four five", "", "", 5},
                                       400, count);
        QVERIFY(!decisions[0].included);
        decisions = selectBibleEntries(bible, {"Mira left. one two three four five", "", "", 7},
                                       400, count);
        QVERIFY(decisions[0].included);
    }

    void overTheBudgetTheLeastRecentlyNamedIsDropped() {
        const std::vector<BibleItem> bible = {
            item(1, "Mira", {}, "A girl who walks the beach at low water, every day."),
            item(2, "Ansel", {}, "A clockmaker who hums when he is lying to you."),
        };
        const auto count = [&](std::string_view t) {
            return int(m_tokenizer->encode(t, false).size());
        };
        const int one = count(bibleLine(bible[0]));
        const int two = count(bibleLine(bible[1]));
        const std::string before = "Ansel waited. Mira came in at last.";
        auto d = selectBibleEntries(bible, {before, "", "", 300}, std::max(one, two) + 1, count);
        QVERIFY(d[0].included);  // named nearer the cursor
        QVERIFY(!d[1].included); // dropped, and told so
        QVERIFY2(d[1].reason.find("left out") != std::string::npos, d[1].reason.c_str());
        d = selectBibleEntries(bible, {before, "", "", 300}, one + two, count);
        QVERIFY(d[0].included && d[1].included);
    }

    void thePromptHoldsItsPartsInOrderWithinTheBudget() {
        StoryRequest r;
        r.task = WritingTask::Continue;
        r.memory = "A town built around a clock.";
        r.authorsNote = "Quiet dread.";
        r.bible = {item(1, "Mira Tull", {"Mira"}, "Fifteen, a beachcomber."),
                   item(2, "Ansel", {}, "A clockmaker.")};
        r.before = paragraphs(40, 30) + "\n\nMira knocked.";
        ContextSettings s;
        s.budgetTokens = 300;
        s.authorsNoteDepth = 2;
        const StoryPrompt p = buildStoryPrompt(r, s, shipped(WritingTask::Continue), *m_tokenizer);
        QVERIFY(int(p.ids.size()) <= s.budgetTokens);
        QVERIFY(int(p.ids.size()) > s.budgetTokens - 80); // the scene fills what is left
        QCOMPARE(m_tokenizer->decode(p.ids), p.text);
        QCOMPARE(p.includedEntries, std::vector<int64_t>{1});
        // Memory first, then the bible, then the scene with the note two paragraphs from the end.
        std::vector<std::string> order;
        for (const PromptPart& part : p.parts)
            if (part.source != "template") order.push_back(part.source);
        QCOMPARE(order, (std::vector<std::string>{"memory", "bible", "scene", "authors_note", "scene"}));
        QVERIFY(p.text.starts_with("A town built around a clock.\n\nMira Tull: Fifteen"));
        const std::string tail = p.text.substr(p.text.find("[Author's note: Quiet dread.]\n"));
        QCOMPARE(int(paragraphStarts(tail).size()), 3); // the note, then two paragraphs
        QVERIFY(p.text.ends_with("Mira knocked."));
        // The scene starts at a paragraph of the document, and the counts add up.
        QVERIFY(p.sceneStart > 0 && r.before[p.sceneStart - 1] == '\n');
        int tokens = 0;
        size_t at = 0;
        for (const PromptPart& part : p.parts) {
            QCOMPARE(part.start, at);
            at = part.end;
            tokens += part.tokens;
        }
        QCOMPARE(at, p.text.size());
        QCOMPARE(tokens, int(p.ids.size()));
    }

    // Without the tokenizer (a model on a server): with a count that is the tokenizer's, the
    // same prompt and parts, within the budget (the BOS counted as one), and no ids.
    void aTokenCountAloneBuildsTheSamePrompt() {
        StoryRequest r;
        r.memory = "A town built around a clock.";
        r.bible = {item(1, "Mira Tull", {"Mira"}, "Fifteen, a beachcomber.")};
        r.before = paragraphs(40, 30) + "\n\nMira knocked.";
        ContextSettings s;
        s.budgetTokens = 300;
        const auto t = shipped(WritingTask::Continue);
        int asked = 0;
        const TokenCounter count = [&](std::string_view text) {
            ++asked;
            return int(m_tokenizer->encode(text, false, false).size());
        };
        const StoryPrompt local = buildStoryPrompt(r, s, t, *m_tokenizer);
        const StoryPrompt counted = buildStoryPrompt(r, s, t, count);
        QVERIFY(asked > 0);
        QVERIFY(counted.ids.empty());
        QCOMPARE(counted.text, local.text);
        QCOMPARE(counted.sceneStart, local.sceneStart);
        QCOMPARE(counted.includedEntries, local.includedEntries);
        QCOMPARE(counted.parts.size(), local.parts.size());
        QVERIFY(count(counted.text) + 1 <= s.budgetTokens);
        QCOMPARE(counted.tokens, count(counted.text) + 1);
        QCOMPARE(local.tokens, int(local.ids.size()));
        QVERIFY(!counted.fillInTheMiddle && !counted.chat);
    }

    void aOneWordEditAtTheEndKeepsThePrefix() {
        StoryRequest r;
        r.memory = "Memory.";
        r.bible = {item(1, "Mira", {}, "A girl.")};
        r.before = paragraphs(60, 25) + "\n\nMira said";
        ContextSettings s;
        s.budgetTokens = 400;
        const auto t = shipped(WritingTask::Continue);
        const StoryPrompt first = buildStoryPrompt(r, s, t, *m_tokenizer);
        r.before += " nothing";
        const StoryPrompt second = buildStoryPrompt(r, s, t, *m_tokenizer);
        QCOMPARE(second.sceneStart, first.sceneStart);
        size_t same = 0;
        while (same < first.ids.size() && first.ids[same] == second.ids[same]) ++same;
        QVERIFY2(same + 4 >= first.ids.size(), qPrintable(QString::number(same)));
    }

    void continueBeforeFollowingTextFillsTheMiddleWhereTheModelCan() {
        StoryRequest r;
        r.memory = "Memory.";
        r.before = "Mira opened the door.";
        r.after = "\n\nThe clock struck twelve as she left.";
        const auto t = shipped(WritingTask::Continue);
        // No FIM tokens (the default model): the plain prompt; the caller stops at the line.
        StoryPrompt plain = buildStoryPrompt(r, {}, t, *m_tokenizer);
        QVERIFY(!plain.fillInTheMiddle);
        QVERIFY(plain.text.ends_with("Mira opened the door."));
        QVERIFY(stopsAtLineEnd(r.task, r.after));

        std::vector<uint8_t> bytes;
        std::unique_ptr<GgufFile> file;
        const auto fimTokenizer = tokenizerWithFim(*m_file, bytes, file);
        QVERIFY(fimTokenizer->fimTokens());
        QVERIFY(!m_tokenizer->fimTokens());
        const StoryPrompt fim = buildStoryPrompt(r, {}, t, *fimTokenizer);
        QVERIFY(fim.fillInTheMiddle);
        // [BOS] <pre> prefix <suf> suffix <mid>
        const std::vector<int32_t> prefix = m_tokenizer->encode("Memory.\n\nMira opened the door.", false);
        const std::vector<int32_t> suffix = m_tokenizer->encode(r.after, false);
        std::vector<int32_t> expected = {m_tokenizer->bos(), 100};
        expected.insert(expected.end(), prefix.begin(), prefix.end());
        expected.push_back(101);
        expected.insert(expected.end(), suffix.begin(), suffix.end());
        expected.push_back(102);
        QCOMPARE(fim.ids, expected);
        QCOMPARE(fim.parts.back().source, std::string("after"));
        int tokens = 0;
        for (const PromptPart& part : fim.parts) tokens += part.tokens;
        QCOMPARE(tokens, int(fim.ids.size()));
        // Other tasks never fill in the middle; nor Continue with nothing after the cursor.
        r.after = "  \n";
        QVERIFY(!buildStoryPrompt(r, {}, t, *fimTokenizer).fillInTheMiddle);
        ContextSettings off;
        off.fillInTheMiddle = false;
        r.after = "More.";
        QVERIFY(!buildStoryPrompt(r, off, t, *fimTokenizer).fillInTheMiddle);
    }

    // An instruct model: the task as one user message in the model's own chat template (Qwen
    // 2.5's from reference-next), the message's parts kept, the template's text around them;
    // Continue stays plain; a template that cannot render falls back with a warning.
    void instructModelsReadTheTaskInTheirChatFormat() {
        QFile source(fabulist::test::referenceNextDir() + "/chat-templates/qwen2.5.jinja");
        QVERIFY2(source.open(QIODevice::ReadOnly), qPrintable(source.fileName()));
        const std::string shippedDir = sourceDir() + "/resources/prompts";
        const auto user = loadChatTemplate(WritingTask::Describe, "", shippedDir);
        QVERIFY(user);
        QVERIFY(!loadChatTemplate(WritingTask::Continue, "", shippedDir));
        const ChatPrompt chat{source.readAll().toStdString(), std::nullopt,
                              std::string("<|im_end|>"), user->promptTemplate};
        StoryRequest r;
        r.task = WritingTask::Describe;
        r.memory = "A harbour town.";
        r.before = "Mira climbed the lane.";
        r.selection = "the lane";
        r.bible = {item(1, "Wrack Street", {"the lane"}, "Steep and cobbled.")};
        const StoryPrompt p = buildStoryPrompt(r, {}, shipped(WritingTask::Describe), *m_tokenizer, &chat);
        QVERIFY2(p.warning.empty(), p.warning.c_str());
        QVERIFY(p.chat);
        QVERIFY2(p.text.starts_with("<|im_start|>system\n"), p.text.c_str());
        QVERIFY(p.text.find("<|im_start|>user\nAbout the story: A harbour town.") != std::string::npos);
        QVERIFY(p.text.ends_with("Write only the description.<|im_end|>\n<|im_start|>assistant\n"));
        QCOMPARE(p.parts.front().source, std::string("template"));
        QCOMPARE(p.parts.back().source, std::string("template"));
        bool bible = false;
        for (const PromptPart& part : p.parts)
            bible |= part.source == "bible" && p.text.substr(part.start, part.end - part.start) ==
                                                    "Wrack Street: Steep and cobbled.\n";
        QVERIFY(bible);
        QCOMPARE(p.includedEntries, std::vector<int64_t>{1});

        r.task = WritingTask::Continue;
        QVERIFY(!buildStoryPrompt(r, {}, shipped(WritingTask::Continue), *m_tokenizer, &chat).chat);

        const ChatPrompt broken{"{% for m in messages %}{{ m.content", std::nullopt, std::nullopt,
                                user->promptTemplate};
        r.task = WritingTask::Describe;
        const StoryPrompt fallback = buildStoryPrompt(r, {}, shipped(WritingTask::Describe), *m_tokenizer, &broken);
        QVERIFY(!fallback.chat);
        QVERIFY(fallback.warning.find("could not be rendered") != std::string::npos);
        QVERIFY(fallback.text.find("A description of the lane, through the senses") != std::string::npos);
    }

    void tasksPutTheSelectionAndInstructionLast() {
        StoryRequest r;
        r.task = WritingTask::Rewrite;
        r.before = "The shop was quiet.\n\n";
        r.selection = "He was sad.";
        r.instruction = "more tension";
        const StoryPrompt p = buildStoryPrompt(r, {}, shipped(WritingTask::Rewrite), *m_tokenizer);
        QVERIFY(p.text.find("The shop was quiet.") < p.text.find("Passage: He was sad."));
        QVERIFY2(p.text.ends_with("Rewritten (more tension):"), p.text.c_str());
        QCOMPARE(p.selectionTokens, int(m_tokenizer->encode(r.selection, false).size()));
        QVERIFY(maxTokensFor(WritingTask::Expand, 10) > maxTokensFor(WritingTask::Shorten, 10));
    }

    void answersAreShapedForTheirTask() {
        QCOMPARE(shapeOutput(WritingTask::Brainstorm, " - Mira finds a second clock.\nAnd more"),
                 std::string("Mira finds a second clock."));
        QCOMPARE(shapeOutput(WritingTask::Brainstorm, "2. The wall falls."), std::string("The wall falls."));
        QCOMPARE(shapeOutput(WritingTask::Rewrite, "\n She ran.\n\nNext"), std::string("She ran."));
        QVERIFY(stopsAtLineEnd(WritingTask::Continue, "\n\nThe next paragraph."));
        QVERIFY(!stopsAtLineEnd(WritingTask::Continue, " \n "));
        QVERIFY(stopsAtLineEnd(WritingTask::Describe, ""));
        QVERIFY(!endsLine("\n  She"));
        QVERIFY(endsLine("\nShe ran.\n"));
        QCOMPARE(taskFromName("describe"), std::optional<WritingTask>(WritingTask::Describe));
        QVERIFY(!taskFromName("summarise"));
        QCOMPARE(words(lastWords("a b  c d", 2)), 2);
        QCOMPARE(std::string(firstWords("a b  c d", 3)), std::string("a b  c"));
    }
};

QTEST_GUILESS_MAIN(PromptingTest)
#include "prompting_test.moc"
