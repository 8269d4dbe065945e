// fabulist-cli model commands, end to end: the real binary against the llama.cpp reference
// models and outputs ($FABULIST_REFERENCE_DIR).
#include "tests/app/cli_runner.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace fabulist::tests;

namespace {

QJsonObject loadReference(const QString& base) {
    QFile f(referenceDir() + "/" + base + ".json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QString describe(const CliResult& r) {
    return QString("exit %1%2\nstdout: %3\nstderr: %4")
        .arg(r.exitCode)
        .arg(r.crashed ? " (crashed or timed out)" : "")
        .arg(QString::fromUtf8(r.out.left(2000)))
        .arg(QString::fromUtf8(r.err.left(2000)));
}

QList<int> intList(const QJsonArray& a) {
    QList<int> out;
    for (const QJsonValue& v : a) out.append(v.toInt());
    return out;
}

QString idsText(const QList<int>& ids) {
    QStringList parts;
    for (int id : ids) parts << QString::number(id);
    return "[" + parts.join(", ") + "]";
}

// Every reference model (base names of tiny-*.json).
const QStringList kAllModels = {"tiny-dense-f32",       "tiny-moe-f32",      "tiny-moe-f16",
                                "tiny-moe-q8_0",        "tiny-moe-q4_0",     "tiny-moe-q4_k_m",
                                "tiny-moe-q6_k",        "tiny-qwen3moe-f32", "tiny-qwen3moe-q8_0",
                                "tiny-qwen3moe-q4_k_m", "tiny-llama3-f16"};
const QStringList kF32Models = {"tiny-dense-f32", "tiny-moe-f32", "tiny-qwen3moe-f32"};

QString writeTemp(QTemporaryDir& dir, const QString& name, const QByteArray& bytes) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(bytes);
    return path;
}

} // namespace

class CliModelCommandsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (referenceDir().isEmpty())
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the llama.cpp reference "
                  "data (README.md missing); CTest sets it to ../shared/reference next to the "
                  "source tree");
    }

    void infoDescribesTheModel() {
        CliResult r = runCli({"info", referenceModel("tiny-moe-q4_k_m")});
        QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(describe(r)));
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("architecture:   llama"), qPrintable(out));
        QVERIFY2(out.contains("8, 2 used per token"), qPrintable(out));
        QVERIFY2(out.contains("Q4_K x8") && out.contains("Q6_K x2") && out.contains("Q5_K x2") &&
                     out.contains("Q8_0 x4"),
                 qPrintable(out));
        QVERIFY2(out.contains("4096 tokens, 3839 merges"), qPrintable(out));
        QVERIFY2(out.contains("memory needed"), qPrintable(out));
    }

    void infoCountsParameters() {
        // tiny-moe: embeddings + output 2 x 256 x 4096, per layer attention 256 x (256 + 128 +
        // 128 + 256), router 256 x 8, 8 experts x 3 x 256 x 256, 2 norms; output norm 256.
        // Active: only 2 of the 8 experts.
        const long long perLayerShared = 256LL * 768 + 256 * 8 + 2 * 256;
        const long long experts = 8LL * 3 * 256 * 256;
        const long long total = 2LL * 256 * 4096 + 256 + 2 * (perLayerShared + experts);
        const long long active = 2LL * 256 * 4096 + 256 + 2 * (perLayerShared + experts / 4);
        CliResult r = runCli({"info", referenceModel("tiny-moe-f32")});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QString expected = QString("parameters:     %1 M total, %2 M active")
                                     .arg(total / 1e6, 0, 'f', 2)
                                     .arg(active / 1e6, 0, 'f', 2);
        QVERIFY2(QString::fromUtf8(r.out).contains(expected),
                 qPrintable(expected + "\n" + describe(r)));
    }

    void tokenizeMatchesReference_data() {
        QTest::addColumn<QString>("model");
        for (const QString& m : kAllModels) QTest::newRow(qPrintable(m)) << m;
    }

    // Every reference tokenization (20 texts, parse_special as recorded) through
    // `tokenize -f FILE --json`; the text goes through a file so its bytes arrive exactly.
    void tokenizeMatchesReference() {
        QFETCH(QString, model);
        const QJsonObject ref = loadReference(model);
        QVERIFY2(!ref.isEmpty(), qPrintable("cannot read " + model + ".json"));
        QTemporaryDir dir;
        int checked = 0;
        for (const QJsonValue& v : ref["tokenization"].toArray()) {
            const QJsonObject entry = v.toObject();
            const QString path = writeTemp(dir, "text.txt", entry["text"].toString().toUtf8());
            QStringList args{"tokenize", "-m", referenceModel(model), "-f", path, "--json"};
            if (!entry["parse_special"].toBool()) args << "--no-parse-special";
            const CliResult r = runCli(args);
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
            const QList<int> got = intList(QJsonDocument::fromJson(r.out).array());
            const QList<int> want = intList(entry["ids"].toArray());
            QVERIFY2(got == want,
                     qPrintable(model + " / " + entry["name"].toString() +
                                "\n got:  " + idsText(got) + "\n want: " + idsText(want)));
            ++checked;
        }
        QCOMPARE(checked, 20);
    }

    void greedyMatchesReference_data() {
        QTest::addColumn<QString>("model");
        for (const QString& m : kF32Models) QTest::newRow(qPrintable(m)) << m;
    }

    // `generate --temp 0 --kv-type f32 --json` reproduces llama.cpp's 32 greedy ids (F32 cache).
    void greedyMatchesReference() {
        QFETCH(QString, model);
        const QJsonObject ref = loadReference(model);
        QVERIFY(!ref.isEmpty());
        for (const QJsonValue& v : ref["greedy"].toArray()) {
            const QJsonObject g = v.toObject();
            const CliResult r = runCli({"generate", "-m", referenceModel(model), "-p",
                                        g["prompt"].toString(), "-n", "32", "--temp", "0",
                                        "--kv-type", "f32", "-t", "1", "--seed", "42", "--json"});
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
            const QJsonObject out = QJsonDocument::fromJson(r.out).object();
            QCOMPARE(intList(out["prompt_ids"].toArray()), intList(g["prompt_ids"].toArray()));
            const QList<int> got = intList(out["ids"].toArray());
            const QList<int> want = intList(g["ids"].toArray());
            QVERIFY2(got == want, qPrintable(model + " / " + g["name"].toString() + "\n got:  " +
                                             idsText(got) + "\n want: " + idsText(want)));
        }
    }

    void perplexityMatchesReference_data() {
        QTest::addColumn<QString>("model");
        for (const QString& m : kAllModels) QTest::newRow(qPrintable(m)) << m;
    }

    // llama-perplexity -c 64 with an F32 cache; the README's tolerance is about 1% (quantized
    // models move that much with the KV type alone).
    void perplexityMatchesReference() {
        QFETCH(QString, model);
        const QJsonObject ref = loadReference(model);
        const QJsonObject ppl = ref["perplexity"].toObject();
        const QJsonObject kv = ppl["kv_f32"].toObject();
        const int chunks = kv["running_ppl_per_chunk"].toArray().size();
        QVERIFY(chunks >= 1);
        QTemporaryDir dir;
        // The reference file is the text plus one newline, which perplexity strips again.
        const QString path = writeTemp(dir, "ppl.txt", (ppl["text"].toString() + "\n").toUtf8());
        const CliResult r =
            runCli({"perplexity", "-m", referenceModel(model), "-f", path, "-c", "64", "--chunks",
                    QString::number(chunks), "--kv-type", "f32", "-t", "1", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QJsonObject out = QJsonDocument::fromJson(r.out).object();
        const double got = out["ppl"].toDouble(), want = kv["ppl"].toDouble();
        QCOMPARE(out["chunks"].toInt(), chunks);
        QVERIFY2(std::abs(got / want - 1.0) < 0.01,
                 qPrintable(QString("%1: PPL %2, llama.cpp %3").arg(model).arg(got).arg(want)));
        const double gotErr = out["ppl_stderr"].toDouble(), wantErr = kv["ppl_stderr"].toDouble();
        QVERIFY2(
            std::abs(gotErr / wantErr - 1.0) < 0.02,
            qPrintable(QString("%1: +/- %2, llama.cpp %3").arg(model).arg(gotErr).arg(wantErr)));
    }

    // perplexity with the shipped diversity head: α = 0 scores exactly the model's own logits
    // (the adapter is loaded but not applied), α = 1 scores the mixed head, which differs;
    // --alpha without --adapter is a usage error, not a silent α = 0.
    void perplexityScoresTheMixedHead() {
        const QString source = QStringLiteral(FABULIST_SOURCE_DIR);
        const QString model = source + "/resources/models/fabulist-default.gguf";
        const QString head = source + "/resources/models/fabulist-default.head.gguf";
        const QString text = source + "/tests/fixtures/default-model/valid.txt";
        const QStringList common{"perplexity", "-m",       model, "-f", text, "-c",
                                 "128",        "--chunks", "2",   "-t", "2",  "--json"};
        const CliResult plain = runCli(common);
        const CliResult zero = runCli(common + QStringList{"--adapter", head, "--alpha", "0"});
        const CliResult one = runCli(common + QStringList{"--adapter", head, "--alpha", "1"});
        QVERIFY2(plain.exitCode == 0 && zero.exitCode == 0 && one.exitCode == 0,
                 qPrintable(describe(plain) + describe(zero) + describe(one)));
        const double pPlain = QJsonDocument::fromJson(plain.out).object()["ppl"].toDouble();
        const double pZero = QJsonDocument::fromJson(zero.out).object()["ppl"].toDouble();
        const QJsonObject jOne = QJsonDocument::fromJson(one.out).object();
        QVERIFY(pPlain > 1.0 && std::isfinite(pPlain));
        QCOMPARE(pZero, pPlain);
        QCOMPARE(jOne["alpha"].toDouble(), 1.0);
        QVERIFY(std::isfinite(jOne["ppl"].toDouble()));
        QVERIFY(jOne["ppl"].toDouble() != pPlain);
        const CliResult bad = runCli({"perplexity", "-m", model, "-f", text, "--alpha", "0.5"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("--adapter"));
    }

    // `info --device vulkan` reports the probed device (lavapipe is allowed for the test);
    // without any Vulkan device it says that the engine falls back to the CPU.
    void infoReportsTheVulkanDevice() {
        qputenv("FABULIST_VULKAN_ALLOW_CPU", "1");
        const CliResult r = runCli({"info", "--device", "vulkan"});
        qunsetenv("FABULIST_VULKAN_ALLOW_CPU");
        if (r.exitCode == 1 && r.err.contains("CPU"))
            QSKIP("no Vulkan device here (the CLI said it falls back to the CPU)");
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        for (const char* field : {"device:", "api version:", "subgroup size:", "shaderFloat16:",
                                  "integer dot product:", "glslc GL_KHR_cooperative_matrix:"})
            QVERIFY2(r.out.contains(field), field);
        const CliResult bad = runCli({"info", "--device", "abacus"});
        QVERIFY2(bad.exitCode == 1 && bad.err.contains("abacus") && bad.err.contains("available"),
                 qPrintable(describe(bad)));
    }

    // Streaming (plain stdout) and --json give the same text for the same seed, and sampling
    // with a seed is reproducible.
    void generateStreamsAndIsSeeded() {
        const QStringList common{"generate",
                                 "-m",
                                 referenceModel("tiny-moe-f32"),
                                 "-p",
                                 "Once upon a time",
                                 "-n",
                                 "24",
                                 "--temp",
                                 "0.9",
                                 "--top-k",
                                 "40",
                                 "--top-p",
                                 "0.95",
                                 "--min-p",
                                 "0.05",
                                 "--seed",
                                 "7",
                                 "-t",
                                 "2"};
        const CliResult a = runCli(common + QStringList{"--json"});
        const CliResult b = runCli(common + QStringList{"--json"});
        const CliResult streamed = runCli(common);
        QVERIFY2(a.exitCode == 0 && b.exitCode == 0 && streamed.exitCode == 0,
                 qPrintable(describe(a) + describe(streamed)));
        const QJsonObject ja = QJsonDocument::fromJson(a.out).object();
        QCOMPARE(ja["ids"].toArray().size(), 24);
        QCOMPARE(a.out, b.out);
        QCOMPARE(QString::fromUtf8(streamed.out),
                 "Once upon a time" + ja["text"].toString() + "\n");
        const CliResult other =
            runCli({"generate", "-m", referenceModel("tiny-moe-f32"), "-p", "Once upon a time",
                    "-n", "24", "--temp", "0.9", "--seed", "8", "-t", "1", "--json"});
        QVERIFY(other.exitCode == 0);
        QVERIFY(other.out != a.out);
    }

    // synth writes a small model that info and generate load; the same seed gives the same
    // bytes.
    void synthWritesLoadableModels() {
        QTemporaryDir dir;
        const QString a = dir.filePath("a.gguf"), b = dir.filePath("b.gguf"),
                      c = dir.filePath("c.gguf");
        const QStringList base{"synth",
                               "--shape",
                               "tiny-moe",
                               "--type",
                               "q4_k_m",
                               "--vocab-from",
                               referenceModel("tiny-moe-f32")};
        CliResult r = runCli(base + QStringList{"--seed", "5", "-o", a});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        r = runCli(base + QStringList{"--seed", "5", "-o", b, "-t", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        r = runCli(base + QStringList{"--seed", "6", "-o", c});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        auto bytes = [](const QString& p) {
            QFile f(p);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        QVERIFY(!bytes(a).isEmpty());
        QVERIFY2(bytes(a) == bytes(b), "same seed, different thread count: files differ");
        QVERIFY(bytes(a) != bytes(c));

        r = runCli({"info", a});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("Q4_K x8") && r.out.contains("Q5_K x2"), qPrintable(describe(r)));
        r = runCli({"generate", "-m", a, "-p", "The quick brown fox", "-n", "8", "--temp", "0",
                    "-t", "1", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(QJsonDocument::fromJson(r.out).object()["ids"].toArray().size(), 8);
        // The tokenizer came along: same ids as the vocabulary's source model.
        r = runCli({"tokenize", "-m", a, "-p", "Hello world", "--json"});
        const CliResult src = runCli(
            {"tokenize", "-m", referenceModel("tiny-moe-f32"), "-p", "Hello world", "--json"});
        QVERIFY(r.exitCode == 0 && src.exitCode == 0);
        QCOMPARE(r.out, src.out);
    }

    void synthShapesLoad_data() {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("vocab");
        QTest::newRow("tiny-dense f16") << "tiny-dense"
                                        << "f16"
                                        << "tiny-dense-f32";
        QTest::newRow("tiny-qwen3moe q8_0") << "tiny-qwen3moe"
                                            << "q8_0"
                                            << "tiny-qwen3moe-f32";
        QTest::newRow("tiny-olmoe q4_0") << "tiny-olmoe"
                                         << "q4_0"
                                         << "tiny-moe-f32";
        QTest::newRow("tiny-moe q6_k") << "tiny-moe"
                                       << "q6_k"
                                       << "tiny-moe-f32";
        QTest::newRow("tiny-moe f32") << "tiny-moe"
                                      << "f32"
                                      << "tiny-moe-f32";
    }

    // Every small shape and several file types: the engine loads what synth writes.
    void synthShapesLoad() {
        QFETCH(QString, shape);
        QFETCH(QString, type);
        QFETCH(QString, vocab);
        QTemporaryDir dir;
        const QString path = dir.filePath("m.gguf");
        CliResult r = runCli({"synth", "--shape", shape, "--type", type, "--vocab-from",
                              referenceModel(vocab), "-o", path});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        r = runCli({"info", path});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        r = runCli({"generate", "-m", path, "-p", "Hello world", "-n", "4", "--temp", "0", "-t",
                    "1", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(QJsonDocument::fromJson(r.out).object()["ids"].toArray().size(), 4);
    }

    // bench --json reports every field the brief names (values are speeds: only checked to be
    // present and positive, never against a time).
    void benchReportsJson() {
        const CliResult r =
            runCli({"bench", "-m", referenceModel("tiny-moe-q4_k_m"), "-p", "16", "-n", "4", "-t",
                    "1", "-r", "2", "--bandwidth", "30", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        for (const char* key : {"prompt_tokens_per_s", "decode_tokens_per_s", "peak_rss_bytes",
                                "weight_bytes_per_token", "roofline_fraction"})
            QVERIFY2(o[key].toDouble() > 0.0, qPrintable(QString(key) + "\n" + describe(r)));
        QCOMPARE(o["threads"].toInt(), 1);
        QCOMPARE(o["n_prompt"].toInt(), 16);
        QCOMPARE(o["n_gen"].toInt(), 4);
        QCOMPARE(o["repetitions"].toInt(), 2);
        QVERIFY(!o["isa"].toString().isEmpty());
        QVERIFY(o["model"].toString().endsWith("tiny-moe-q4_k_m.gguf"));
        // Q4_K_M tiny-moe streams 2 of 8 experts: 1.6 MiB per token, well under the 3.6 MiB file.
        QVERIFY(o["weight_bytes_per_token"].toDouble() < o["file_bytes"].toDouble() / 2);
    }

    // bench --candidates and --depth run with the default context sizing and report their
    // fields; generate --candidates N gives candidate i = a single run with seed S + i.
    void benchCandidatesDepthAndGenerateCandidates() {
        CliResult r = runCli({"bench", "-m", referenceModel("tiny-moe-q4_k_m"), "-p", "16", "-n",
                              "8", "-t", "1", "-r", "1", "--candidates", "3", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o["candidates"].toInt(), 3);
        QVERIFY(o["together"].toBool());
        for (const char* key : {"decode_tokens_per_s", "single_decode_tokens_per_s", "request_ms",
                                "single_request_ms", "time_ratio"})
            QVERIFY2(o[key].toDouble() > 0.0, qPrintable(QString(key) + "\n" + describe(r)));
        r = runCli({"bench", "-m", referenceModel("tiny-moe-q4_k_m"), "-p", "16", "-n", "4", "-t",
                    "1", "-r", "1", "--depth", "40", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o["depth"].toInt(), 40);
        QVERIFY(o["prompt_tokens_per_s"].toDouble() > 0.0);
        r = runCli({"generate", "-m", referenceModel("tiny-moe-f32"), "-p", "Once upon a time",
                    "-n", "12", "--seed", "7", "--temp", "1", "--candidates", "3", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QJsonArray candidates =
            QJsonDocument::fromJson(r.out).object()["candidates"].toArray();
        QCOMPARE(candidates.size(), 3);
        const CliResult single =
            runCli({"generate", "-m", referenceModel("tiny-moe-f32"), "-p", "Once upon a time",
                    "-n", "12", "--seed", "8", "--temp", "1", "--json"});
        QVERIFY2(single.exitCode == 0, qPrintable(describe(single)));
        QCOMPARE(candidates[1].toObject()["seed"].toInt(), 8);
        QCOMPARE(candidates[1].toObject()["ids"].toArray(),
                 QJsonDocument::fromJson(single.out).object()["ids"].toArray());
    }

    void engineCommandsRejectBadInput() {
        QTemporaryDir dir;
        QFile src(referenceModel("tiny-moe-f32"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        const QString truncated = writeTemp(dir, "cut.gguf", src.read(300000));
        for (const QString& cmd : QStringList{"generate", "tokenize", "bench"}) {
            // bench takes -p as the prompt length.
            const QString p = cmd == "bench" ? "8" : "x";
            CliResult r = runCli({cmd, "-m", "/nonexistent/m.gguf", "-p", p});
            QVERIFY2(r.exitCode == 2 && r.err.contains("/nonexistent/m.gguf"),
                     qPrintable(cmd + ": " + describe(r)));
            r = runCli({cmd, "-m", truncated, "-p", p});
            QVERIFY2(r.exitCode == 1 && r.err.contains(truncated.toUtf8()),
                     qPrintable(cmd + ": " + describe(r)));
        }
        CliResult r = runCli({"generate", "-m", referenceModel("tiny-moe-f32")}); // no prompt
        QVERIFY2(r.exitCode == 2 && r.err.contains("usage:"), qPrintable(describe(r)));
        r = runCli({"generate", "-m", referenceModel("tiny-moe-f32"), "-p", "x", "-n", "abc"});
        QVERIFY2(r.exitCode == 2 && r.err.contains("-n"), qPrintable(describe(r)));
        r = runCli({"perplexity", "-m", referenceModel("tiny-moe-f32"), "-f", "/nonexistent.txt"});
        QVERIFY2(r.exitCode == 2 && r.err.contains("/nonexistent.txt"), qPrintable(describe(r)));
        r = runCli({"synth", "--shape", "no-such-shape", "--type", "f32", "--vocab-from",
                    referenceModel("tiny-moe-f32"), "-o", dir.filePath("x.gguf")});
        QVERIFY2(r.exitCode == 2 && r.err.contains("no-such-shape"), qPrintable(describe(r)));
        r = runCli({"synth", "--shape", "tiny-moe", "--type", "f32", "--vocab-from",
                    referenceModel("tiny-moe-f32"), "-o", "/nonexistent-dir/x.gguf"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("/nonexistent-dir/x.gguf"),
                 qPrintable(describe(r)));
    }

    void missingModelIsAClearError() {
        CliResult r = runCli({"info", "/nonexistent/model.gguf"});
        QVERIFY2(r.exitCode != 0 && !r.crashed, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("/nonexistent/model.gguf") && r.err.contains("does not exist"),
                 qPrintable(describe(r)));
    }

    void truncatedModelIsAClearError() {
        QTemporaryDir dir;
        QFile src(referenceModel("tiny-moe-f32"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        const QString path = dir.filePath("truncated.gguf");
        QFile dst(path);
        QVERIFY(dst.open(QIODevice::WriteOnly));
        dst.write(src.read(200000)); // header and KVs, no tensor data
        dst.close();
        CliResult r = runCli({"info", path});
        QVERIFY2(r.exitCode == 1 && !r.crashed, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(path.toUtf8()), qPrintable(describe(r)));
    }

    void badArgumentsPrintUsage() {
        CliResult r = runCli({"info", referenceModel("tiny-moe-f32"), "--bogus"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown option '--bogus'") && r.err.contains("usage:"),
                 qPrintable(describe(r)));
    }
};

QTEST_GUILESS_MAIN(CliModelCommandsTest)
#include "cli_model_commands_test.moc"
