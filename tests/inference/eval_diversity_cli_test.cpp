// fabulist-cli eval-diversity on a reference model with tiny N and L: the JSON has every
// setting with every metric, the values lie in their ranges, alpha 0 equals the temperature-0.8
// row (same seeds, the adapter is not applied at alpha 0), the same seed gives the same output,
// and a missing prompts file is a usage error that names the file.
//
// The test runs the real binary, found next to this build's tests (<build>/app/fabulist-cli;
// $FABULIST_CLI overrides), and trains a 2-step adapter with train-head for the alpha sweep.
#include "tests/inference/cli_process.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <map>

class EvalDiversityCliTest : public QObject {
    Q_OBJECT

    QString m_cli, m_ref, m_model;
    QTemporaryDir m_dir;

    using Run = fabulist::tests::CliRun;
    Run run(const QStringList& args) { return fabulist::tests::runCliProcess(m_cli, args, 300000); }

private slots:
    void initTestCase() {
        m_cli = qEnvironmentVariable("FABULIST_CLI");
        if (m_cli.isEmpty())
            m_cli = QCoreApplication::applicationDirPath() + "/../../app/fabulist-cli";
        QVERIFY2(QFile::exists(m_cli), qPrintable("fabulist-cli not found at " + m_cli +
                                                  ": build the fabulist-cli target first"));
        m_ref = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        if (m_ref.isEmpty() || !QFile::exists(m_ref + "/README.md"))
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the reference data");
        m_model = m_ref + "/models/tiny-moe-f32.gguf";
        QVERIFY(m_dir.isValid());
        QFile prompts(m_dir.filePath("prompts.txt"));
        QVERIFY(prompts.open(QIODevice::WriteOnly));
        prompts.write("Once upon a time\n\nThe old lighthouse keeper\n");
    }

    void jsonShapeAndRanges() {
        const QString adapter = m_dir.filePath("head.gguf");
        Run train = run({"train-head", "-m", m_model, "-c", m_ref + "/README.md", "-o", adapter,
                         "--rank", "4", "--steps", "2", "--seed", "1"});
        QVERIFY2(train.code == 0, train.err.constData());

        const QStringList args{"eval-diversity",
                               "-m",
                               m_model,
                               "--adapter",
                               adapter,
                               "--prompts",
                               m_dir.filePath("prompts.txt"),
                               "--samples",
                               "2",
                               "--length",
                               "6",
                               "--seed",
                               "7",
                               "-t",
                               "2",
                               "--json"};
        Run r = run(args);
        QVERIFY2(r.code == 0, r.err.constData());
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, r.out.constData());
        const QJsonArray settings = doc.object()["settings"].toArray();
        std::map<QString, int> perMethod;
        QJsonObject alphaZero, temperature08;
        for (const QJsonValue& v : settings) {
            const QJsonObject s = v.toObject();
            const QString method = s["method"].toString();
            ++perMethod[method];
            for (const char* key : {"value", "distinct_1", "distinct_2", "distinct_3",
                                    "self_bleu_4", "rep_4", "entropy", "perplexity"})
                QVERIFY2(s[key].isDouble(), key);
            for (const char* key :
                 {"distinct_1", "distinct_2", "distinct_3", "self_bleu_4", "rep_4"}) {
                const double x = s[key].toDouble();
                QVERIFY2(x >= 0.0 && x <= 1.0, qPrintable(method + " " + key));
            }
            QVERIFY(s["distinct_1"].toDouble() > 0.0); // 6 tokens hold at least one 1-gram
            const double entropy = s["entropy"].toDouble(), ppl = s["perplexity"].toDouble();
            QVERIFY(std::isfinite(entropy) && entropy >= 0.0);
            QVERIFY(std::isfinite(ppl) && ppl >= 1.0);
            if (method == "alpha" && s["value"].toDouble() == 0.0) alphaZero = s;
            if (method == "temperature" && std::abs(s["value"].toDouble() - 0.8) < 1e-9)
                temperature08 = s;
        }
        QCOMPARE(perMethod["alpha"], 5);
        QCOMPARE(perMethod["temperature"], 10);
        QCOMPARE(perMethod["min_p"], 5);
        QCOMPARE(perMethod["xtc"], 5);
        QCOMPARE(int(settings.size()), 25);
        // alpha 0 at temperature 0.8 is the temperature-0.8 setting: same samples, same metrics.
        alphaZero.remove("method");
        alphaZero.remove("value");
        temperature08.remove("method");
        temperature08.remove("value");
        QCOMPARE(alphaZero, temperature08);

        Run again = run(args);
        QCOMPARE(again.code, 0);
        QCOMPARE(again.out, r.out); // same seed, same numbers
    }

    void missingPromptsFileIsAUsageError() {
        const QString missing = m_dir.filePath("no-such-prompts.txt");
        Run r = run({"eval-diversity", "-m", m_model, "--prompts", missing, "--samples", "1",
                     "--length", "2", "--seed", "1"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(missing.toUtf8()), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(EvalDiversityCliTest)
#include "eval_diversity_cli_test.moc"
