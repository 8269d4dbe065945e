// fabulist-cli eval-diversity --plot / --plot-from: the real binary draws a PNG without a
// display. A hand-written results file must come out as curves where its points are (each
// method's colour spread across the data area, the lower-perplexity method lower in the
// image, absent methods absent); malformed JSON and an unwritable path fail with a message that
// names the file; and a real run on the shipped default model with tiny settings writes a plot
// of the expected size.
#include "tests/app/cli_runner.h"

#include <QColor>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using fabulist::tests::runCli;

namespace {

// The curve colours of app/cli/diversity_plot.cpp (marker interiors are drawn in exactly these).
const QRgb kAlpha = qRgb(0xd6, 0x27, 0x28);
const QRgb kTemperature = qRgb(0x1f, 0x77, 0xb4);
const QRgb kMinP = qRgb(0x2c, 0xa0, 0x2c);
const QRgb kXtc = qRgb(0xff, 0x7f, 0x0e);
const int kWidth = 1200, kHeight = 800; // diversity_plot.h
const int kWordsHeight = 1500;          // with the words panel
// The legend sits right of the data area, which ends before 3/4 of the width.
const int kDataRight = kWidth * 3 / 4;

struct ColourSpan {
    int count = 0;
    int left = 1 << 30, right = -1;
    double meanY = 0.0;
};

ColourSpan spanOf(const QImage& image, QRgb colour) {
    ColourSpan s;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < kDataRight && x < image.width(); ++x)
            if ((image.pixel(x, y) & 0xffffff) == (colour & 0xffffff)) {
                ++s.count;
                s.left = std::min(s.left, x);
                s.right = std::max(s.right, x);
                s.meanY += y;
            }
    if (s.count) s.meanY /= s.count;
    return s;
}

int distinctColours(const QImage& image) {
    QSet<QRgb> seen;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) seen.insert(image.pixel(x, y));
    return int(seen.size());
}

} // namespace

class EvalDiversityPlotTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString& name, const QByteArray& bytes) {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) return {};
        f.write(bytes);
        return f.fileName();
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void plotFromDrawsTheGivenPoints() {
        // α: low perplexity; temperature: high, over the same distinct-2 range.
        const QString results = write("results.json", R"({"settings": [
            {"method": "alpha", "value": 0, "distinct_2": 0.5, "perplexity": 10},
            {"method": "alpha", "value": 0.5, "distinct_2": 0.7, "perplexity": 12},
            {"method": "alpha", "value": 1, "distinct_2": 0.9, "perplexity": 15},
            {"method": "temperature", "value": 0.7, "distinct_2": 0.5, "perplexity": 40},
            {"method": "temperature", "value": 1.0, "distinct_2": 0.7, "perplexity": 60},
            {"method": "temperature", "value": 1.3, "distinct_2": 0.9, "perplexity": 100}],
            "prompts": 2, "samples": 4, "length": 16, "seed": 5,
            "model": "/x/some-model.gguf", "adapter": "/x/some-head.gguf"})");
        const QString png = m_dir.filePath("from.png");
        const auto r = runCli({"eval-diversity", "--plot-from", results, "--plot", png});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        QImage image(png);
        QVERIFY2(!image.isNull(), "the plot is not a readable PNG");
        QCOMPARE(image.size(), QSize(kWidth, kHeight));
        QVERIFY(distinctColours(image) > 10);

        const ColourSpan alpha = spanOf(image, kAlpha), temp = spanOf(image, kTemperature);
        QVERIFY2(alpha.count > 50 && temp.count > 50, "a curve's markers are missing");
        // Both curves run over the whole distinct-2 range, i.e. most of the data area.
        QVERIFY(alpha.right - alpha.left > kDataRight / 2);
        QVERIFY(temp.right - temp.left > kDataRight / 2);
        // Lower perplexity is drawn lower in the plot (larger y in the image).
        QVERIFY(alpha.meanY > temp.meanY + 50);
        // Methods without points are neither drawn nor in the legend.
        QCOMPARE(spanOf(image, kMinP).count, 0);
        QCOMPARE(spanOf(image, kXtc).count, 0);
    }

    void malformedResultsAreRefused() {
        const QString broken = write("broken.json", R"({"settings": [{"method": "alpha", )");
        const QString png = m_dir.filePath("broken.png");
        auto r = runCli({"eval-diversity", "--plot-from", broken, "--plot", png});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(broken.toUtf8()) && r.err.contains("not valid JSON"),
                 r.err.constData());
        QVERIFY(!QFile::exists(png));

        const QString unknown = write("unknown.json", R"({"settings": [
            {"method": "top_k", "value": 1, "distinct_2": 0.5, "perplexity": 10}],
            "prompts": 1, "samples": 1, "length": 1, "seed": 1})");
        r = runCli({"eval-diversity", "--plot-from", unknown, "--plot", png});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("settings[0]") && r.err.contains("top_k"), r.err.constData());

        const QString missing = write("missing.json", R"({"settings": [
            {"method": "alpha", "value": 1, "perplexity": 10}],
            "prompts": 1, "samples": 1, "length": 1, "seed": 1})");
        r = runCli({"eval-diversity", "--plot-from", missing, "--plot", png});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("distinct_2"), r.err.constData());
    }

    void unwritablePlotPathFails() {
        const QString results = write("one.json", R"({"settings": [
            {"method": "xtc", "value": 0.5, "distinct_2": 0.5, "perplexity": 10}],
            "prompts": 1, "samples": 1, "length": 1, "seed": 1})");
        const QString png = m_dir.filePath("no-such-folder/plot.png");
        const auto r = runCli({"eval-diversity", "--plot-from", results, "--plot", png});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(png.toUtf8()), r.err.constData());
    }

    // With word results a second panel below: non-words against word distinct-2. α's invented
    // words (high rate) are drawn higher in it than temperature's.
    void wordsPanelShowsTheNonWordRate() {
        const QString results = write("words.json", R"({"settings": [
            {"method": "alpha", "value": 0, "distinct_2": 0.5, "perplexity": 10,
             "word_distinct_2": 0.6, "non_word_rate": 0.02},
            {"method": "alpha", "value": 1, "distinct_2": 0.9, "perplexity": 15,
             "word_distinct_2": 0.9, "non_word_rate": 0.03},
            {"method": "temperature", "value": 0.7, "distinct_2": 0.5, "perplexity": 40,
             "word_distinct_2": 0.6, "non_word_rate": 0.002},
            {"method": "temperature", "value": 1.3, "distinct_2": 0.9, "perplexity": 100,
             "word_distinct_2": 0.9, "non_word_rate": 0.004}],
            "prompts": 2, "samples": 4, "length": 16, "seed": 5})");
        const QString png = m_dir.filePath("words.png");
        const auto r = runCli({"eval-diversity", "--plot-from", results, "--plot", png});
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        const QImage image(png);
        QCOMPARE(image.size(), QSize(kWidth, kWordsHeight));
        const QImage words = image.copy(0, kHeight, kWidth, kWordsHeight - kHeight);
        const ColourSpan alpha = spanOf(words, kAlpha), temp = spanOf(words, kTemperature);
        QVERIFY2(alpha.count > 50 && temp.count > 50, "a curve is missing in the words panel");
        QVERIFY(alpha.meanY + 100 < temp.meanY); // more non-words: higher up
    }

    void realRunOnTheDefaultModel() {
        const QString model =
            qEnvironmentVariable("FABULIST_SOURCE_DIR") + "/resources/models/fabulist-default.gguf";
        QVERIFY2(QFile::exists(model), qPrintable("default model not found: " + model));
        const QString prompts =
            write("prompts.txt", "The rain had not stopped\nShe opened the letter and\n");
        const QString png = m_dir.filePath("real.png");
        const auto r =
            runCli({"eval-diversity", "-m", model, "--prompts", prompts, "--samples", "2",
                    "--length", "8", "--seed", "3", "-t", "2", "--json", "--plot", png},
                   280000);
        QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc["model"].toString(), model);
        QCOMPARE(doc["samples"].toInt(), 2);
        // Word-level results beside the token ones.
        const QJsonObject first = doc["settings"].toArray().first().toObject();
        QVERIFY(first.contains("non_word_rate") && first.contains("word_distinct_2"));
        QVERIFY(first["words_checked"].toInt() > 0);
        QImage image(png);
        QVERIFY2(!image.isNull(), "the plot is not a readable PNG");
        QCOMPARE(image.size(), QSize(kWidth, kWordsHeight));
        QVERIFY(distinctColours(image) > 10);
        // No adapter: temperature, min-p and XTC are drawn, α is not.
        QVERIFY(spanOf(image, kTemperature).count > 0);
        QVERIFY(spanOf(image, kMinP).count > 0);
        QVERIFY(spanOf(image, kXtc).count > 0);
        QCOMPARE(spanOf(image, kAlpha).count, 0);
    }
};

QTEST_GUILESS_MAIN(EvalDiversityPlotTest)
#include "eval_diversity_plot_test.moc"
