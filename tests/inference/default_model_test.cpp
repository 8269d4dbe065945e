// The shipped default model (resources/models/fabulist-default.gguf) against the fixtures that
// PyTorch and sentencepiece wrote for it (tests/fixtures/default-model/, see its README.md):
// checksum, loading, tokenization, logits, hidden state and validation perplexity.

#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/heads/sha256.h"
#include "inference/tokenizer/tokenizer.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

using namespace fabulist::inference;

namespace {

QString sourceDir() {
    const QByteArray dir = qgetenv("FABULIST_SOURCE_DIR");
    return dir.isEmpty() ? QStringLiteral(".") : QString::fromLocal8Bit(dir);
}

QString modelPath() {
    return sourceDir() + "/resources/models/fabulist-default.gguf";
}
QString fixturePath(const QString& name) {
    return sourceDir() + "/tests/fixtures/default-model/" + name;
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

std::vector<int32_t> toIds(const QJsonArray& a) {
    std::vector<int32_t> ids;
    ids.reserve(size_t(a.size()));
    for (const auto& v : a) ids.push_back(int32_t(v.toInt()));
    return ids;
}

// The card's "float32 math: **65.58**" number.
double cardPerplexity(const QString& card) {
    const QRegularExpression re(QStringLiteral("float32 math: \\*\\*([0-9.]+)\\*\\*"));
    const auto m = re.match(card);
    return m.hasMatch() ? m.captured(1).toDouble() : 0.0;
}

} // namespace

class DefaultModelTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Engine> m_engine;
    QJsonObject m_logits;
    QJsonObject m_tokenization;

    QJsonObject loadJson(const QString& name) {
        const QByteArray data = readFile(fixturePath(name));
        if (data.isEmpty()) return {};
        return QJsonDocument::fromJson(data).object();
    }

private slots:
    void initTestCase() {
        QVERIFY2(QFile::exists(modelPath()),
                 qPrintable("the shipped default model is missing: " + modelPath() +
                            " (restore it with `git checkout resources/models/`)"));
        for (const char* name : {"logits.json", "tokenization.json", "valid.txt"}) {
            QVERIFY2(QFile::exists(fixturePath(name)),
                     qPrintable("fixture missing: " + fixturePath(name) +
                                " (regenerate with inference/training/make-default-model.sh)"));
        }
        m_logits = loadJson("logits.json");
        m_tokenization = loadJson("tokenization.json");
        QVERIFY2(m_logits.contains("prompts"), "logits.json has no prompts");
        QVERIFY2(m_tokenization.contains("passages"), "tokenization.json has no passages");
    }

    void checksumMatchesAndDamageIsReported() {
        const QByteArray model = readFile(modelPath());
        QVERIFY(!model.isEmpty());
        const QString expected =
            QString::fromLatin1(readFile(modelPath() + ".sha256")).split(' ').first().trimmed();
        const std::string actual = Sha256::hex(model.constData(), size_t(model.size()));
        QCOMPARE(QString::fromStdString(actual), expected);
        QCOMPARE(m_logits.value("model_sha256").toString(), expected);
        verifyDefaultModel(modelPath().toStdString()); // must not throw

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString copy = dir.filePath("fabulist-default.gguf");
        QByteArray damaged = model;
        damaged[damaged.size() / 2] = char(damaged[damaged.size() / 2] ^ 0x01);
        {
            QFile f(copy);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(damaged);
            QFile s(copy + ".sha256");
            QVERIFY(s.open(QIODevice::WriteOnly));
            s.write(readFile(modelPath() + ".sha256"));
        }
        try {
            verifyDefaultModel(copy.toStdString());
            QFAIL("verifyDefaultModel accepted a damaged copy");
        } catch (const EngineError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(copy), qPrintable(message));
            QVERIFY2(message.contains(expected), qPrintable(message));
            const std::string damagedHash =
                Sha256::hex(damaged.constData(), size_t(damaged.size()));
            QVERIFY2(message.contains(QString::fromStdString(damagedHash)), qPrintable(message));
            QVERIFY2(message.contains("git checkout resources/models/"), qPrintable(message));
        }

        QVERIFY(QFile::remove(copy + ".sha256"));
        try {
            verifyDefaultModel(copy.toStdString());
            QFAIL("verifyDefaultModel accepted a model without its .sha256");
        } catch (const EngineError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(copy + ".sha256"), qPrintable(message));
            QVERIFY2(message.contains("git checkout resources/models/"), qPrintable(message));
        }
    }

    void defaultPathHonoursEnvironment() {
        const QByteArray saved = qgetenv("FABULIST_DEFAULT_MODEL");
        qputenv("FABULIST_DEFAULT_MODEL", "/somewhere/else.gguf");
        QCOMPARE(QString::fromStdString(defaultModelPath()),
                 QStringLiteral("/somewhere/else.gguf"));
        qunsetenv("FABULIST_DEFAULT_MODEL");
        QVERIFY2(QString::fromStdString(defaultModelPath())
                     .endsWith("resources/models/fabulist-default.gguf"),
                 defaultModelPath().c_str());
        if (!saved.isEmpty()) qputenv("FABULIST_DEFAULT_MODEL", saved);
    }

    // A package puts the model in <prefix>/share/fabulist/models/ beside <prefix>/bin/, and an
    // installed binary must prefer it over the source tree it was built from.
    void defaultPathFindsInstalledModel() {
        QCOMPARE(QString::fromStdString(installedDefaultModelPath("/usr/bin/fabulist-cli")),
                 QStringLiteral("/usr/share/fabulist/models/fabulist-default.gguf"));
        QCOMPARE(QString::fromStdString(installedDefaultModelPath("/opt/fab/bin/../bin/fabulist")),
                 QStringLiteral("/opt/fab/share/fabulist/models/fabulist-default.gguf"));

        const QByteArray saved = qgetenv("FABULIST_DEFAULT_MODEL");
        qunsetenv("FABULIST_DEFAULT_MODEL");
        // This test's own executable plays the installed binary: <build>/tests/inference/.
        const QString installed = QString::fromStdString(
            installedDefaultModelPath(QCoreApplication::applicationFilePath().toStdString()));
        QVERIFY2(!QFileInfo::exists(installed), qPrintable(installed));
        const QString shareDir = QFileInfo(installed).absoluteDir().absolutePath() + "/../..";
        QVERIFY(QDir().mkpath(QFileInfo(installed).absolutePath()));
        QVERIFY(QFile::copy(modelPath(), installed));
        const QString found = QString::fromStdString(defaultModelPath());
        QVERIFY(QFile::remove(installed));
        QVERIFY(QDir(QDir::cleanPath(shareDir)).removeRecursively());
        QCOMPARE(found, installed);
        QVERIFY2(QString::fromStdString(defaultModelPath())
                     .endsWith("resources/models/fabulist-default.gguf"),
                 defaultModelPath().c_str());
        if (!saved.isEmpty()) qputenv("FABULIST_DEFAULT_MODEL", saved);
    }

    void engineLoads() {
        EngineOptions o;
        o.modelPath = modelPath().toStdString();
        o.threads = 2;
        o.kvCacheType = GgmlType::F32;
        m_engine = Engine::load(o);
        const ModelInfo& info = m_engine->info();
        QCOMPARE(QString::fromStdString(info.architecture), QStringLiteral("llama"));
        QCOMPARE(info.nLayer, 4);
        QCOMPARE(info.nEmbd, 256);
        QCOMPARE(info.nVocab, 4096);
        QCOMPARE(info.nExpert, 4);
        QCOMPARE(info.nExpertUsed, 2);
        QCOMPARE(info.nCtxTrain, 1024);
        QCOMPARE(info.parameterCount, int64_t(9181440));
        QCOMPARE(m_engine->tokenizer().bos(), 1);
        QCOMPARE(m_engine->tokenizer().eos(), 2);
    }

    void tokenizationMatchesSentencepiece() {
        QVERIFY(m_engine);
        const Tokenizer& tok = m_engine->tokenizer();
        const QJsonArray passages = m_tokenization.value("passages").toArray();
        QCOMPARE(passages.size(), 20);
        for (int i = 0; i < passages.size(); ++i) {
            const QJsonObject p = passages[i].toObject();
            const std::string text = p.value("text").toString().toStdString();
            const std::vector<int32_t> expected = toIds(p.value("ids").toArray());
            const std::vector<int32_t> got = tok.encode(text, /*addSpecial=*/false);
            if (got != expected) {
                size_t k = 0;
                while (k < got.size() && k < expected.size() && got[k] == expected[k]) ++k;
                QFAIL(qPrintable(QString("passage %1: ids differ at position %2 of %3/%4 "
                                         "(ours %5, sentencepiece %6)")
                                     .arg(i)
                                     .arg(k)
                                     .arg(got.size())
                                     .arg(expected.size())
                                     .arg(k < got.size() ? got[k] : -1)
                                     .arg(k < expected.size() ? expected[k] : -1)));
            }
            // With BOS, as a prompt.
            std::vector<int32_t> withBos = {1};
            withBos.insert(withBos.end(), expected.begin(), expected.end());
            QVERIFY(tok.encode(text, /*addSpecial=*/true) == withBos);
        }
        for (const auto& v : m_logits.value("prompts").toArray()) {
            const QJsonObject p = v.toObject();
            QVERIFY(tok.encode(p.value("text").toString().toStdString(), true) ==
                    toIds(p.value("prompt_ids").toArray()));
        }
    }

    void logitsMatchPyTorch() {
        QVERIFY(m_engine);
        const QJsonArray prompts = m_logits.value("prompts").toArray();
        QCOMPARE(prompts.size(), 2);
        for (int pi = 0; pi < prompts.size(); ++pi) {
            const QJsonObject p = prompts[pi].toObject();
            const std::vector<int32_t> ids = toIds(p.value("prompt_ids").toArray());
            const QJsonArray refLogits = p.value("logits_last_position").toArray();
            const QJsonArray refHidden = p.value("hidden_last_position").toArray();
            QCOMPARE(refLogits.size(), 4096);
            QCOMPARE(refHidden.size(), 256);

            auto session = m_engine->createSession();
            session->evaluate(ids, /*wantAllLogits=*/true);
            const auto logits = session->logits();
            const auto hidden = session->hiddenState();
            QCOMPARE(int(logits.size()), 4096);
            QCOMPARE(int(hidden.size()), 256);

            double maxLogit = 0, maxHidden = 0;
            int argOurs = 0, argRef = 0;
            for (int i = 0; i < 4096; ++i) {
                const double r = refLogits[i].toDouble();
                maxLogit = std::max(maxLogit, std::fabs(double(logits[size_t(i)]) - r));
                if (logits[size_t(i)] > logits[size_t(argOurs)]) argOurs = i;
                if (r > refLogits[argRef].toDouble()) argRef = i;
            }
            for (int i = 0; i < 256; ++i)
                maxHidden = std::max(
                    maxHidden, std::fabs(double(hidden[size_t(i)]) - refHidden[i].toDouble()));

            // Every position's best token, where the fixture's best is clear of its second.
            const QJsonArray top10 = p.value("top10_per_position").toArray();
            QCOMPARE(top10.size(), int(ids.size()));
            QCOMPARE(session->logitsCount(), int(ids.size()));
            double maxTop = 0;
            for (int pos = 0; pos < top10.size(); ++pos) {
                const QJsonObject t = top10[pos].toObject();
                const QJsonArray tIds = t.value("ids").toArray();
                const QJsonArray tLogits = t.value("logits").toArray();
                const auto row = session->logitsAt(pos);
                for (int k = 0; k < tIds.size(); ++k)
                    maxTop = std::max(maxTop, std::fabs(double(row[size_t(tIds[k].toInt())]) -
                                                        tLogits[k].toDouble()));
                if (tLogits[0].toDouble() - tLogits[1].toDouble() > 0.1) {
                    const int best = int(std::max_element(row.begin(), row.end()) - row.begin());
                    QCOMPARE(best, tIds[0].toInt());
                }
            }
            qInfo("prompt %d (%zu tokens): max |logit diff| %.5f (last position), %.5f (top-10 "
                  "of every position), max |hidden diff| %.5f, argmax %d (fixture %d)",
                  pi, ids.size(), maxLogit, maxTop, maxHidden, argOurs, argRef);
            QCOMPARE(argOurs, argRef);
            QVERIFY2(maxLogit <= 0.01, qPrintable(QString("logit diff %1").arg(maxLogit)));
            QVERIFY2(maxTop <= 0.01, qPrintable(QString("top-10 logit diff %1").arg(maxTop)));
            QVERIFY2(maxHidden <= 0.005, qPrintable(QString("hidden diff %1").arg(maxHidden)));
        }
    }

    // inference/training: chapters split on "\n\f\n", each encoded + EOS, concatenated; windows
    // [BOS] + data[s : s+1023] predicting data[s : s+1024], s = w * 1024, w < (n - 1) / 1024.
    void perplexityMatchesModelCard() {
        QVERIFY(m_engine);
        const double card = cardPerplexity(
            QString::fromUtf8(readFile(sourceDir() + "/resources/models/MODEL_CARD.md")));
        QVERIFY2(card > 0, "resources/models/MODEL_CARD.md states no float32 perplexity");

        const std::string text = readFile(fixturePath("valid.txt")).toStdString();
        const Tokenizer& tok = m_engine->tokenizer();
        std::vector<int32_t> data;
        size_t begin = 0;
        while (begin <= text.size()) {
            size_t end = text.find("\n\f\n", begin);
            if (end == std::string::npos) end = text.size();
            std::string chapter = text.substr(begin, end - begin);
            const size_t first = chapter.find_first_not_of('\n');
            const size_t last = chapter.find_last_not_of('\n');
            chapter = first == std::string::npos ? std::string()
                                                 : chapter.substr(first, last - first + 1);
            const bool blank = chapter.find_first_not_of(" \t\n\r\f\v") == std::string::npos;
            if (!blank) {
                const auto ids = tok.encode(chapter, /*addSpecial=*/false);
                data.insert(data.end(), ids.begin(), ids.end());
                data.push_back(2);
            }
            begin = end + 3;
        }
        const int ctx = 1024;
        const size_t windows = (data.size() - 1) / ctx;
        QVERIFY(windows > 0);

        QElapsedTimer timer;
        timer.start();
        auto session = m_engine->createSession();
        double nll = 0;
        size_t count = 0;
        std::vector<int32_t> x(ctx);
        for (size_t w = 0; w < windows; ++w) {
            const size_t s = w * ctx;
            x[0] = 1;
            std::copy(data.begin() + long(s), data.begin() + long(s + ctx - 1), x.begin() + 1);
            session->clear();
            session->evaluate(x, /*wantAllLogits=*/true);
            for (int i = 0; i < ctx; ++i) {
                const auto row = session->logitsAt(i);
                const float mx = *std::max_element(row.begin(), row.end());
                double sum = 0;
                for (float v : row) sum += std::exp(double(v) - mx);
                nll += std::log(sum) + mx - double(row[size_t(data[s + size_t(i)])]);
                ++count;
            }
        }
        const double ppl = std::exp(nll / double(count));
        qInfo("validation: %zu tokens, %zu windows, %zu scored tokens, perplexity %.3f "
              "(card %.2f, %+.3f %%), %lld ms",
              data.size(), windows, count, ppl, card, (ppl / card - 1) * 100,
              static_cast<long long>(timer.elapsed()));
        QCOMPARE(count, size_t(60416));
        QVERIFY2(std::fabs(ppl / card - 1) <= 0.01,
                 qPrintable(QString("perplexity %1 vs the card's %2").arg(ppl).arg(card)));
    }
};

QTEST_GUILESS_MAIN(DefaultModelTest)
#include "default_model_test.moc"
