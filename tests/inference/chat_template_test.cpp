// Chat templates (inference/chat): the 10 real templates of reference-next/chat-templates render
// each of their 8 conversations byte for byte as transformers + jinja2 rendered them (frozen
// clock, the special tokens each tokenizer passes); the jinja2 scoping trap Mistral's template
// depends on; errors that name the template line; a model's template and BOS/EOS from its GGUF,
// through the library and through `fabulist-cli template render`. Templates of our own are
// checked against Python's jinja2 by the chat_template_jinja2 CTest (chat_template_oracle.py).
#include "inference/chat/chat_template.h"
#include "inference/chat/model_chat_template.h"
#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"
#include "tests/inference/cli_process.h"
#include "tests/inference/reference_json.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

namespace chat = fabulist::inference::chat;

namespace {

QString templatesDir() {
    return fabulist::test::referenceNextDir() + "/chat-templates";
}

std::string readText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().toStdString();
}

// Through JSON text (QJsonObject sorts its keys; none of these renders depends on the order).
chat::Value toValue(const QJsonValue& v) {
    const QByteArray text = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
    return chat::parseJson(text.toStdString()).list().front();
}

// 2025-03-14T09:26:53, the clock the reference renders were made with.
std::tm frozenNow() {
    std::tm t{};
    t.tm_year = 2025 - 1900;
    t.tm_mon = 2;
    t.tm_mday = 14;
    t.tm_hour = 9;
    t.tm_min = 26;
    t.tm_sec = 53;
    timegm(&t);
    return t;
}

chat::Value messages(std::initializer_list<std::pair<const char*, const char*>> turns) {
    chat::List out;
    for (const auto& [role, content] : turns)
        out.emplace_back(
            chat::Dict{{"role", chat::Value(role)}, {"content", chat::Value(content)}});
    return chat::Value(out);
}

} // namespace

class ChatTemplateTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY2(QFile::exists(templatesDir() + "/renders.json"),
                 "FABULIST_REFERENCE_NEXT_DIR does not hold chat-templates/renders.json");
    }

    // Every reference template x conversation, byte for byte (or an error where jinja2 raised).
    void referenceRenders() {
        const QJsonObject ref = fabulist::test::readReferenceJson(templatesDir(), "renders");
        QCOMPARE(ref["frozen_now"].toString(), QString("2025-03-14T09:26:53"));
        const QJsonArray renders = ref["renders"].toArray();
        QCOMPARE(renders.size(), 80);
        int raised = 0;
        for (const QJsonValue& item : renders) {
            const QJsonObject r = item.toObject();
            const QString name = r["template"].toString() + " x " + r["conversation"].toString();
            chat::ChatRequest request;
            request.messages = toValue(r["messages"]);
            request.addGenerationPrompt = r["add_generation_prompt"].toBool();
            for (const QString& key : QStringList{"special_tokens_passed", "extra_kwargs"}) {
                const QJsonObject vars = r[key].toObject();
                for (auto it = vars.begin(); it != vars.end(); ++it)
                    request.extra.emplace_back(it.key().toStdString(), toValue(it.value()));
            }
            request.now = frozenNow;
            const std::string source =
                readText(templatesDir() + "/" + r["template"].toString() + ".jinja");
            QVERIFY2(!source.empty(), qPrintable(name));
            if (!r["error"].isNull()) {
                ++raised;
                QVERIFY_THROWS_EXCEPTION(chat::TemplateError,
                                         chat::renderChatTemplate(source, request));
                continue;
            }
            std::string got;
            try {
                got = chat::renderChatTemplate(source, request);
            } catch (const std::exception& e) {
                QFAIL(qPrintable(name + ": " + e.what()));
            }
            QVERIFY2(got == r["rendered"].toString().toStdString(),
                     qPrintable(name + ":\n" + QString::fromStdString(got) + "\n--- expected:\n" +
                                r["rendered"].toString()));
        }
        qInfo("80 reference renders agree (%d expected errors)", raised);
    }

    // jinja2 keeps a `set` inside a for loop in the loop: Mistral's alternation check never
    // fires, so consecutive user messages render; Gemma 3 checks on its own loop and raises.
    void loopScopeAndRaiseException() {
        const chat::Value twoUsers = messages({{"user", "Hi"}, {"user", "Hello?"}});
        chat::ChatRequest request{twoUsers, true, "<s>", "</s>", {}, frozenNow};
        const std::string mistral = chat::renderChatTemplate(
            readText(templatesDir() + "/mistral-v7-tekken.jinja"), request);
        QVERIFY(mistral.find("[INST]Hi[/INST][INST]Hello?[/INST]") != std::string::npos);
        QVERIFY(mistral.find("The current date is 2025-03-14.") != std::string::npos);
        try {
            chat::renderChatTemplate(readText(templatesDir() + "/gemma3.jinja"), request);
            QFAIL("gemma3 rendered two user messages in a row");
        } catch (const chat::TemplateError& e) {
            QVERIFY(e.raisedByTemplate());
            QCOMPARE(
                e.message(),
                std::string("Conversation roles must alternate user/assistant/user/assistant/..."));
        }
    }

    void errorsNameTheLine_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("says");
        QTest::newRow("unknown tag")
            << "a\n{% if x %}\n{% include 'other.jinja' %}\n{% endif %}" << 3 << "include";
        QTest::newRow("unknown filter")
            << "{{ 1 }}\n\n{{ messages | frobnicate }}" << 3 << "frobnicate";
        QTest::newRow("unknown test") << "{% if x is shiny %}{% endif %}" << 1 << "shiny";
        QTest::newRow("unclosed for") << "{% for m in messages %}\n{{ m }}" << 2 << "endfor";
        QTest::newRow("undefined attribute")
            << "\n{{ nothing.here }}" << 2 << "'nothing' is undefined";
        QTest::newRow("bad expression") << "{{ 1 + }}" << 1 << "'}}'";
        QTest::newRow("unterminated tag") << "{{ 1 " << 1 << "inside a tag";
    }
    void errorsNameTheLine() {
        QFETCH(QString, source);
        QFETCH(int, line);
        QFETCH(QString, says);
        try {
            chat::ChatTemplate(source.toStdString())
                .render({{"messages", messages({{"user", "x"}})}});
            QFAIL("no error");
        } catch (const chat::TemplateError& e) {
            QCOMPARE(e.line(), line);
            QVERIFY2(QString(e.what()).startsWith(QString("line %1: ").arg(line)), e.what());
            QVERIFY2(QString(e.what()).contains(says), e.what());
        }
    }

    // tokenizer.chat_template and the BOS/EOS texts from a GGUF; the CLI renders with them.
    void modelTemplateFromGgufAndCli() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string source = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ "
                                   "m.content }}{{ eos_token }}{% endfor %}"
                                   "{% if add_generation_prompt %}<assistant>{% endif %}";
        fabulist::inference::GgufWriter writer;
        writer.setString("general.architecture", "llama");
        writer.setStringArray("tokenizer.ggml.tokens",
                              std::vector<std::string>{"<unk>", "<s>", "</s>", "a"});
        writer.setU32("tokenizer.ggml.bos_token_id", 1);
        writer.setU32("tokenizer.ggml.eos_token_id", 2);
        writer.setString("tokenizer.chat_template", source);
        const QString model = dir.filePath("with-template.gguf");
        writer.write(model.toStdString());
        writer.remove("tokenizer.chat_template");
        writer.remove("tokenizer.ggml.bos_token_id");
        writer.write(dir.filePath("without-template.gguf").toStdString());

        const auto file = fabulist::inference::GgufFile::open(model.toStdString());
        const chat::ModelChatTemplate found = chat::modelChatTemplate(*file);
        QCOMPARE(found.source.value_or(""), source);
        QCOMPARE(found.bosToken.value_or("?"), std::string("<s>"));
        QCOMPARE(found.eosToken.value_or("?"), std::string("</s>"));
        const auto bare = fabulist::inference::GgufFile::open(
            dir.filePath("without-template.gguf").toStdString());
        QVERIFY(!chat::chatTemplate(*bare));
        QVERIFY(!chat::modelChatTemplate(*bare).bosToken); // not given: undefined when rendering

        QString cli = qEnvironmentVariable("FABULIST_CLI");
        if (cli.isEmpty()) cli = QCoreApplication::applicationDirPath() + "/../../app/fabulist-cli";
        QVERIFY2(QFile::exists(cli), qPrintable("fabulist-cli not found at " + cli));
        QFile conversation(dir.filePath("conversation.json"));
        QVERIFY(conversation.open(QIODevice::WriteOnly));
        conversation.write(
            R"([{"role": "user", "content": "Hi “there”"}, {"role": "assistant", "content": "Hello"}])");
        conversation.close();
        auto render = [&](const QStringList& args) {
            return fabulist::tests::runCliProcess(
                cli,
                QStringList{"template", "render", "--messages", conversation.fileName()} + args,
                60000);
        };
        auto run = render({"-m", model, "--add-generation-prompt"});
        QCOMPARE(run.code, 0);
        QCOMPARE(QString::fromUtf8(run.out),
                 QString("<s><user>Hi “there”</s><assistant>Hello</s><assistant>"));
        run = render({"-m", dir.filePath("without-template.gguf")});
        QCOMPARE(run.code, 2);
        QVERIFY(run.err.contains("has no tokenizer.chat_template"));

        // A reference template through the CLI: qwen3, system + user, as transformers rendered it.
        const QJsonObject ref = fabulist::test::readReferenceJson(templatesDir(), "renders");
        const QJsonObject first = ref["renders"].toArray().first().toObject();
        QCOMPARE(first["template"].toString(), QString("qwen3"));
        QFile qwenConversation(dir.filePath("qwen.json"));
        QVERIFY(qwenConversation.open(QIODevice::WriteOnly));
        qwenConversation.write(QJsonDocument(first["messages"].toArray()).toJson());
        qwenConversation.close();
        run = fabulist::tests::runCliProcess(
            cli,
            {"template", "render", "--template", templatesDir() + "/qwen3.jinja", "--messages",
             qwenConversation.fileName(), "--add-generation-prompt", "--eos", "<|im_end|>", "--var",
             "enable_thinking=false"},
            60000);
        QCOMPARE(run.code, 0);
        QCOMPARE(QString::fromUtf8(run.out),
                 first["rendered"].toString() + "<think>\n\n</think>\n\n");
    }
};

QTEST_GUILESS_MAIN(ChatTemplateTest)
#include "chat_template_test.moc"
