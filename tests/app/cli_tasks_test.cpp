// `fabulist-cli generate --task ...` end to end on the default model and the sample project:
// each task's answer has its shape (Brainstorm N separate ideas, Rewrite N alternatives none of
// them the passage, Describe of a place that reads its bible entry), the prompt's parts add up,
// a writer's template overrides and a broken one is reported with its file and line.
#include "cli_runner.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fabulist::tests;

namespace {

QString defaultModel() {
    return QStringLiteral(FABULIST_SOURCE_DIR "/resources/models/fabulist-default.gguf");
}

QJsonObject runTask(const QStringList& args, CliResult* result = nullptr) {
    QStringList all = {"generate", "-m", defaultModel(), "-t", "2", "--seed", "11", "--json"};
    all += args;
    const CliResult r = runCli(all);
    if (result) *result = r;
    if (r.exitCode != 0) qWarning("%s", r.err.constData());
    return QJsonDocument::fromJson(r.out).object();
}

} // namespace

class CliTasksTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_project;

private slots:
    void initTestCase() {
        m_project = m_dir.filePath("sample.fabulist");
        const CliResult r = runCli({"project", "create", "--sample", m_project});
        QCOMPARE(r.exitCode, 0);
    }

    void brainstormGivesSeparateIdeas() {
        const QJsonObject o = runTask({"--task", "brainstorm", "-p",
                                       "Mira set the clock face on the counter.", "--candidates",
                                       "5", "--project", m_project});
        const QJsonArray ideas = o["candidates"].toArray();
        QCOMPARE(ideas.size(), 5);
        for (const QJsonValue& idea : ideas) {
            const QString text = idea["text"].toString();
            QVERIFY(!text.trimmed().isEmpty());
            QVERIFY2(!text.contains('\n'), qPrintable(text)); // one idea, one line
        }
        QVERIFY(o["prompt"].toString().endsWith("Ideas for what happens next:\n-"));
    }

    void rewriteNeverGivesThePassageBack() {
        const QString passage = "He was very sad and did not speak.";
        const QJsonObject o = runTask({"--task", "rewrite", "-p", "The shop was quiet.",
                                       "--selection", passage, "--instruction", "more tension",
                                       "--temp", "0.3"});
        const QJsonArray alternatives = o["candidates"].toArray();
        QCOMPARE(alternatives.size(), 3);
        for (const QJsonValue& a : alternatives) {
            QVERIFY(!a["text"].toString().isEmpty());
            QVERIFY(!a["raw"].toString().contains(passage, Qt::CaseInsensitive));
        }
        QVERIFY(o["prompt"].toString().endsWith("Rewritten (more tension):"));
    }

    void describeReadsTheBibleEntryItNames() {
        const QJsonObject o =
            runTask({"--task", "describe", "-p", "Mira walked up from the harbour.", "--selection",
                     "Wrack Street", "--project", m_project});
        QCOMPARE(o["candidates"].toArray().size(), 3);
        bool streetIn = false, ruthvenOut = false;
        for (const QJsonValue& e : o["entries"].toArray()) {
            if (e["name"] == "Wrack Street")
                streetIn = e["included"].toBool() &&
                           e["reason"].toString().contains("in the selection");
            if (e["name"] == "Mrs. Ruthven") ruthvenOut = !e["included"].toBool();
        }
        QVERIFY(streetIn);
        QVERIFY(ruthvenOut);
        QVERIFY(o["prompt"].toString().contains("\nWrack Street: "));
        int tokens = 0;
        for (const QJsonValue& p : o["parts"].toArray()) tokens += p["tokens"].toInt();
        QCOMPARE(tokens, o["prompt_ids"].toArray().size());
    }

    void expandAndShortenGiveOtherPassages() {
        const QString passage = "The bell rang, and Ansel put the letter under the clock.";
        for (const char* task : {"expand", "shorten"}) {
            const QJsonObject o = runTask({"--task", task, "-p", "The shop was quiet.",
                                           "--selection", passage});
            const QJsonArray out = o["candidates"].toArray();
            QCOMPARE(out.size(), 2);
            for (const QJsonValue& c : out) {
                QVERIFY2(!c["text"].toString().trimmed().isEmpty(), task);
                QVERIFY(!c["raw"].toString().contains(passage, Qt::CaseInsensitive));
            }
        }
    }

    void expandRunsLongerThanShorten() {
        const QString passage = "The bell rang, and Ansel put the letter under the clock.";
        const QJsonObject longer = runTask(
            {"--task", "expand", "-p", "The shop.", "--selection", passage, "--show-prompt"});
        QVERIFY(longer["candidates"].toArray().isEmpty()); // only the prompt
        QVERIFY(longer["prompt"].toString().endsWith("Expanded:"));
        CliResult r;
        runTask({"--task", "shorten", "-p", "x"}, &r);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("--selection"));
    }

    void aWritersTemplateOverridesAndABrokenOneIsNamed() {
        QTemporaryDir prompts;
        QFile own(prompts.filePath("describe.txt"));
        QVERIFY(own.open(QIODevice::WriteOnly));
        own.write("Scene: {{scene}}\nPicture {{subject}}:\n");
        own.close();
        QJsonObject o = runTask({"--task", "describe", "-p", "Night.", "--selection", "the wall",
                                 "--prompts", prompts.path(), "--show-prompt"});
        QCOMPARE(o["prompt"].toString(), QString("Scene: Night.\nPicture the wall:"));

        QFile broken(prompts.filePath("rewrite.txt"));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("ok\n{{selektion}}\n");
        broken.close();
        CliResult r;
        o = runTask({"--task", "rewrite", "-p", "Night.", "--selection", "It was dark.",
                     "--prompts", prompts.path(), "--show-prompt"},
                    &r);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(QDir(prompts.path()).filePath("rewrite.txt").toUtf8() + ":2:"),
                 r.err.constData());
        QVERIFY(o["prompt"].toString().contains("Passage: It was dark.")); // the shipped one
    }
};

QTEST_GUILESS_MAIN(CliTasksTest)
#include "cli_tasks_test.moc"
