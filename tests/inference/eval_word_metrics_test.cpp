// Word-level metrics on hand-made texts and a small word list written here, and the
// word-start mask on the shipped default model's tokenizer and head.
#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/eval/word_metrics.h"
#include "inference/heads/head_adapter.h"
#include "inference/heads/head_mix.h"
#include "inference/heads/word_start_mask.h"
#include "inference/tokenizer/tokenizer.h"

#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <fstream>

using namespace fabulist::inference;

class EvalWordMetricsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_list = m_dir.filePath("words").toStdString();
        std::ofstream out(m_list);
        out << "the\nkeeper\nlamp\nsea\nwas\ndark\ndid\nthey\nhouse\nRome\n\xC3\xA9\x63lair\nit'"
               "s\n";
    }

    void nonWordsAreLowercaseWordsMissingFromTheList() {
        const WordList list = WordList::load({m_list});
        QCOMPARE(list.size(), size_t(11)); // "éclair" is not an ASCII word: left out
        NonWordCount count;
        // Counted: keeper lamp sea was dark (5 known) + bedcretary, doorwaying (2 unknown).
        // Not counted: "The" and "Elizabeth" (capitalised), the numbers.
        countNonWords(" The keeper lamp, Elizabeth; sea was dark 42 bedcretary doorwaying.", list,
                      count);
        QCOMPARE(count.words, 7L);
        QCOMPARE(count.nonWords, 2L);
        QCOMPARE(count.examples, (std::vector<std::string>{"bedcretary", "doorwaying"}));
        QVERIFY(std::abs(count.rate() - 2.0 / 7.0) < 1e-12);
    }

    void contractionsPossessivesAndTheFirstPiece() {
        const WordList list = WordList::load({m_list});
        NonWordCount count;
        // "didn't" (stem did), "keeper's", "they'll", "it's" (listed), "can't" / "won't"
        // (irregular stems): all words. "ness" glued to the prompt's last word is not counted;
        // after a hyphen, "house" is its own word.
        countNonWords("ness didn't keeper\xE2\x80\x99s they'll it's can't won't sea-house.", list,
                      count);
        QCOMPARE(count.nonWords, 0L);
        QCOMPARE(count.words, 8L);
        NonWordCount spaced;
        countNonWords(" ness and", list, spaced); // begins with a space: a word of its own
        QCOMPARE(spaced.nonWords, 1L);
        NonWordCount cut;
        countNonWords(" the handkerch", list, cut); // the length may have cut the last word
        QCOMPARE(cut.words, 1L);
        QCOMPARE(cut.nonWords, 0L);
    }

    void missingListIsAClearError() {
        try {
            WordList::load({m_dir.filePath("nope").toStdString()});
            QFAIL("no error");
        } catch (const EngineError& e) {
            QVERIFY(QString(e.what()).contains("wamerican"));
        }
    }

    void wordDistinctTwoIsPooledAndLowercased() {
        // Bigrams: (the,sea) (sea,was) | (the,sea) (sea,is) -> 3 distinct of 4.
        QVERIFY(std::abs(wordDistinct2({"The sea was", "the sea, is"}) - 0.75) < 1e-12);
        QCOMPARE(wordDistinct2({"one"}), 0.0);
    }

    void maskKeepsTheDeltaOnWordStartsOnly() {
        EngineOptions options;
        options.modelPath = defaultModelPath();
        auto engine = Engine::load(options);
        const Tokenizer& tok = engine->tokenizer();
        HeadAdapter head = HeadAdapter::load(
            options.modelPath.substr(0, options.modelPath.size() - 5) + ".head.gguf",
            engine->file());
        const std::vector<bool> starts = wordStartTokens(tok);
        const int kept = keepWordStartsOnly(head, tok);
        QVERIFY(kept > 500 && kept < tok.vocabSize());
        int checked = 0;
        for (int32_t id = 0; id < tok.vocabSize(); ++id) {
            const std::string bytes = tok.tokenBytes(id);
            const bool zero = head.bias()[size_t(id)] == 0.0f;
            if (tok.tokenType(id) == TokenType::Normal && !bytes.empty() &&
                std::isalpha(static_cast<unsigned char>(bytes[0]))) {
                QVERIFY2(!starts[size_t(id)] && zero, bytes.c_str()); // "eper": continues
                ++checked;
            }
            if (tok.tokenType(id) == TokenType::Normal && bytes.size() > 1 && bytes[0] == ' ')
                QVERIFY2(starts[size_t(id)], bytes.c_str()); // " keeper": begins a word
        }
        QVERIFY(checked > 500);
        QVERIFY(!starts[size_t(tok.eos())]);
    }

    // Two word starts (ids 0, 1) and two continuations (2, 3). Coherence: e^0, e^1 | e^2, e^0.
    // The head moved the word starts to 3 and 0; the shift log(e^0+e^1) - log(e^3+e^0) puts
    // their total back, so the chance of continuing the word, (e^2+1)/(e^0+e^1+e^2+1), stays.
    void continuationMassIsKept() {
        const std::vector<float> coherence{0.0f, 1.0f, 2.0f, 0.0f};
        std::vector<float> mixed{3.0f, 0.0f, 2.0f, 0.0f};
        const std::vector<bool> starts{true, true, false, false};
        keepContinuationMass(coherence, mixed, starts);
        auto continuation = [](const std::vector<float>& z) {
            double all = 0, cont = 0;
            for (size_t i = 0; i < z.size(); ++i) {
                all += std::exp(double(z[i]));
                if (i >= 2) cont += std::exp(double(z[i]));
            }
            return cont / all;
        };
        QVERIFY(std::abs(continuation(mixed) - continuation(coherence)) < 1e-6);
        const double shift = std::log(1.0 + std::exp(1.0)) - std::log(std::exp(3.0) + 1.0);
        QVERIFY(std::abs(mixed[0] - (3.0 + shift)) < 1e-5);
        QVERIFY(std::abs(mixed[1] - shift) < 1e-5);
        QCOMPARE(mixed[2], 2.0f); // continuations untouched
        QCOMPARE(mixed[3], 0.0f);
        // The head's order among word starts is kept.
        QVERIFY(mixed[0] > mixed[1]);
    }

    // A session with a word-starts head mixes on its backend and keeps the continuation mass:
    // the same numbers as the host reference (HeadMix with the mask), and the coherence head's
    // chance of continuing a word.
    void sessionKeepsTheContinuationMassOfAWordStartsHead() {
        EngineOptions options;
        options.modelPath = defaultModelPath();
        auto engine = Engine::load(options);
        HeadAdapter head = HeadAdapter::load(
            options.modelPath.substr(0, options.modelPath.size() - 5) + ".head.gguf",
            engine->file());
        keepWordStartsOnly(head, engine->tokenizer());
        auto session = engine->createSession();
        session->setHead(&head);
        const std::vector<int32_t> ids = engine->tokenizer().encode(
            "The keeper climbed the stairs and found the lamp", true, false);
        session->evaluate(ids);
        const std::vector<float> coherence(session->logits().begin(), session->logits().end());
        const std::vector<float> hidden(session->hiddenState().begin(),
                                        session->hiddenState().end());
        const std::span<const float> mixed = session->mixedLogits(0.8f);
        HeadMix host(head);
        host.setWordStarts(wordStartTokens(engine->tokenizer()));
        const std::span<const float> expected = host.mixedLogits(hidden, coherence, 0.8f);
        QCOMPARE(mixed.size(), expected.size());
        double worst = 0;
        for (size_t i = 0; i < mixed.size(); ++i)
            worst = std::max(worst, double(std::abs(mixed[i] - expected[i])));
        QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
        const std::vector<bool> starts = wordStartTokens(engine->tokenizer());
        auto continuation = [&](std::span<const float> z) {
            double all = 0, cont = 0;
            const float top = *std::max_element(z.begin(), z.end());
            for (size_t i = 0; i < z.size(); ++i) {
                const double e = std::exp(double(z[i]) - top);
                all += e;
                if (!starts[i]) cont += e;
            }
            return cont / all;
        };
        QVERIFY(std::abs(continuation(mixed) - continuation(coherence)) < 1e-5);
        // And α 0 is the model alone, bit for bit.
        const std::span<const float> none = session->mixedLogits(0.0f);
        QVERIFY(std::equal(none.begin(), none.end(), coherence.begin()));
    }

private:
    QTemporaryDir m_dir;
    std::string m_list;
};

QTEST_MAIN(EvalWordMetricsTest)
#include "eval_word_metrics_test.moc"
