// Export (#19 item 2): a real project compiled (storage::compileManuscript) and rendered in
// every format, each read back and compared with the project's text: every scene present and
// in order, no note, character or trashed scene. Zip formats are opened with the same libzip
// wrapper the writers use; PDFs are read with poppler's pdftotext, pdfinfo and pdffonts. The
// real fabulist-cli is run on the project for `project export`.
#include "storage/manuscript.h"
#include "storage/project.h"
#include "ui/export/manuscript_export.h"
#include "ui/export/manuscript_text.h"
#include "ui/export/zip_archive.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace fabulist;
using exporting::ExportFormat;

namespace {

// Long enough (about 120 words a scene) that the manuscript format runs to several pages.
std::string prose(const std::string& marker, int sentences) {
    std::string text = marker + " begins here.\n\n";
    for (int i = 0; i < sentences; ++i)
        text += "The tide came in over the grey stones and went out again slowly.\n";
    return text;
}

const QStringList kSceneMarkers = {"Dockside", "Innkeeper", "Gatehouse"};
const QStringList kLeftOut = {"Deleted", "Clockmaker", "Reminder"};

QString run(const QString& program, const QStringList& args, int* exitCode = nullptr) {
    QProcess process;
    process.start(program, args);
    process.waitForFinished(60000);
    if (exitCode)
        *exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
}

QString withoutTags(const std::string& xml) {
    QString text = QString::fromStdString(xml);
    text.replace(QRegularExpression("<[^>]*>"), " ");
    return text;
}

std::string entry(const std::vector<exporting::ZipEntry>& entries, const std::string& name) {
    for (const exporting::ZipEntry& e : entries)
        if (e.name == name) return e.bytes;
    return {};
}

std::string readFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

} // namespace

class ExportManuscriptTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_project;

    // Every scene's marker in order, and nothing that must stay out.
    static bool proseInOrder(const QString& text, QString* why) {
        qsizetype at = -1;
        for (const QString& marker : kSceneMarkers) {
            const qsizetype found = text.indexOf(marker);
            if (found <= at) {
                *why = marker + " missing or out of order";
                return false;
            }
            at = found;
        }
        for (const QString& absent : kLeftOut)
            if (text.contains(absent)) {
                *why = absent + " must not be exported";
                return false;
            }
        return true;
    }

#define VERIFY_PROSE(text)                                                                         \
    do {                                                                                           \
        QString why_;                                                                              \
        QVERIFY2(proseInOrder(text, &why_), qPrintable(why_ + "\n" + QString(text).left(2000)));   \
    } while (false)

    storage::Manuscript compile(const storage::CompileOptions& options = {}) {
        storage::OpenOptions open;
        open.mode = storage::OpenMode::ReadOnly;
        auto project = storage::Project::open(m_project.toStdString(), open);
        return storage::compileManuscript(*project, options);
    }

    std::string render(ExportFormat format, const exporting::RenderOptions& options = {}) {
        storage::CompileOptions compile;
        compile.author = "Mara Quill";
        return exporting::renderManuscript(this->compile(compile), format, options);
    }

    QString pdfText(const std::string& pdf, const QStringList& pages = {}) {
        const QString path = m_dir.filePath("read.pdf");
        QFile file(path);
        file.open(QIODevice::WriteOnly | QIODevice::Truncate);
        file.write(pdf.data(), static_cast<qint64>(pdf.size()));
        file.close();
        return run("pdftotext", pages + QStringList{path, "-"});
    }

    QString pdfTool(const QString& tool, const std::string& pdf) {
        pdfText(pdf); // writes read.pdf
        return run(tool, {m_dir.filePath("read.pdf")});
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        for (const char* tool : {"pdftotext", "pdfinfo", "pdffonts"})
            QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                     "poppler-utils missing: run installer/install-deps.sh");
        // Manuscript > Arrival (Dockside, trashed Deleted, a note, Innkeeper) > Departure
        // (Gatehouse); Characters > Clockmaker.
        m_project = m_dir.filePath("story.fabulist");
        auto project = storage::Project::create(m_project.toStdString(), "The Tide Clock");
        auto& binder = project->binder();
        auto& docs = project->documents();
        const int64_t manuscript = binder.create(storage::NodeKind::Folder, "Manuscript");
        docs.setText(manuscript, "Folder synopsis is no prose."); // folders only group
        const int64_t arrival = binder.create(storage::NodeKind::Chapter, "Arrival", manuscript);
        docs.setText(binder.create(storage::NodeKind::Scene, "Dock", arrival),
                     prose("Dockside", 12));
        const int64_t cut = binder.create(storage::NodeKind::Scene, "Cut", arrival);
        docs.setText(cut, "Deleted words here.");
        binder.trash(cut);
        docs.setText(binder.create(storage::NodeKind::Note, "Todo", arrival), "Reminder: fix.");
        docs.setText(binder.create(storage::NodeKind::Scene, "Inn", arrival),
                     prose("Innkeeper", 12));
        const int64_t departure =
            binder.create(storage::NodeKind::Chapter, "Departure", manuscript);
        docs.setText(binder.create(storage::NodeKind::Scene, "Gate", departure),
                     prose("Gatehouse", 12));
        const int64_t people = binder.create(storage::NodeKind::Folder, "Characters");
        docs.setText(binder.create(storage::NodeKind::Character, "Ansel", people), "Clockmaker.");
    }

    void compileKeepsBinderOrderAndLeavesOutReference() {
        const storage::Manuscript m = compile();
        QCOMPARE(QString::fromStdString(m.title), QString("The Tide Clock"));
        QCOMPARE(m.chapters.size(), size_t(2));
        QCOMPARE(QString::fromStdString(m.chapters[0].heading), QString("Arrival"));
        QCOMPARE(m.chapters[0].scenes.size(), size_t(2));
        QVERIFY(m.chapters[0].scenes[0].starts_with("Dockside"));
        QVERIFY(m.chapters[0].scenes[1].starts_with("Innkeeper"));
        QVERIFY(m.chapters[1].scenes[0].starts_with("Gatehouse"));
        QCOMPARE(m.wordCount, int64_t(3 * (3 + 12 * 13)));

        storage::CompileOptions numbered;
        numbered.chapterNumbers = true;
        QCOMPARE(QString::fromStdString(compile(numbered).chapters[1].heading),
                 QString("Chapter 2: Departure"));
        numbered.chapterTitles = false;
        QCOMPARE(QString::fromStdString(compile(numbered).chapters[1].heading),
                 QString("Chapter 2"));
        storage::CompileOptions none;
        none.chapterTitles = false;
        QVERIFY(compile(none).chapters[0].heading.empty());
        QCOMPARE(QString::fromStdString(storage::surnameOf("Mara  Quill ")), QString("Quill"));
    }

    void markdownAndText() {
        const QString markdown = QString::fromStdString(render(ExportFormat::Markdown));
        VERIFY_PROSE(markdown);
        QVERIFY(markdown.startsWith("# The Tide Clock\n\nby Mara Quill\n\n## Arrival\n\nDockside"));
        QVERIFY2(markdown.contains("slowly.\n\n\\#\n\nInnkeeper"), qPrintable(markdown));
        QVERIFY(markdown.contains("slowly.\n\n## Departure\n\nGatehouse"));

        const QString text = QString::fromStdString(render(ExportFormat::PlainText));
        VERIFY_PROSE(text);
        QVERIFY(text.startsWith("The Tide Clock\n\nby Mara Quill\n\nArrival\n\nDockside"));
        QVERIFY(text.contains("slowly.\n\n#\n\nInnkeeper"));

        storage::CompileOptions blank;
        blank.separator = storage::SceneSeparator::BlankLine;
        const std::string spaced = exporting::toPlainText(compile(blank));
        QVERIFY(QString::fromStdString(spaced).contains("slowly.\n\n\nInnkeeper"));
    }

    void odt() {
        const auto entries = exporting::readZip(render(ExportFormat::Odt));
        QCOMPARE(QString::fromStdString(entry(entries, "mimetype")),
                 QString("application/vnd.oasis.opendocument.text"));
        const QString text = withoutTags(entry(entries, "content.xml"));
        VERIFY_PROSE(text);
        QVERIFY(text.contains("Arrival") && text.contains("Departure") && text.contains(" # "));
    }

    void docx() {
        const auto entries = exporting::readZip(render(ExportFormat::Docx));
        QVERIFY(!entry(entries, "[Content_Types].xml").empty());
        QVERIFY(!entry(entries, "_rels/.rels").empty());
        QVERIFY(!entry(entries, "word/styles.xml").empty());
        const std::string xml = entry(entries, "word/document.xml");
        VERIFY_PROSE(withoutTags(xml));
        QVERIFY(QString::fromStdString(xml).contains(
            "<w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t xml:space=\"preserve\">Departure"));
        QVERIFY(QString::fromStdString(entry(entries, "docProps/core.xml")).contains("Mara Quill"));
    }

    void epub() {
        const auto entries = exporting::readZip(render(ExportFormat::Epub));
        QVERIFY(entries.size() > 4);
        QCOMPARE(QString::fromStdString(entries[0].name), QString("mimetype"));
        QVERIFY(entries[0].stored);
        QCOMPARE(QString::fromStdString(entries[0].bytes), QString("application/epub+zip"));
        QVERIFY(entry(entries, "META-INF/container.xml").find("OEBPS/content.opf") !=
                std::string::npos);
        const QString opf = QString::fromStdString(entry(entries, "OEBPS/content.opf"));
        QVERIFY(opf.contains("<dc:title>The Tide Clock</dc:title>"));
        QVERIFY(opf.contains("properties=\"nav\""));
        // The chapters in spine order.
        QString book;
        const QRegularExpression itemref("idref=\"(chapter-\\d+)\"");
        for (auto it = itemref.globalMatch(opf); it.hasNext();)
            book += withoutTags(
                entry(entries, "OEBPS/" + it.next().captured(1).toStdString() + ".xhtml"));
        VERIFY_PROSE(book);
        QVERIFY(book.contains("Departure"));
        QVERIFY(QString::fromStdString(entry(entries, "OEBPS/nav.xhtml")).contains("Arrival"));
    }

    void pdf() {
        const std::string pdf = render(ExportFormat::Pdf);
        VERIFY_PROSE(pdfText(pdf));
        QVERIFY(
            pdfTool("pdfinfo", pdf).contains(QRegularExpression("Page size: +595.* x 84[12].*A4")));
    }

    void standardManuscriptFormat() {
        const std::string pdf = render(ExportFormat::StandardManuscript);
        const QString info = pdfTool("pdfinfo", pdf);
        QVERIFY2(info.contains(QRegularExpression("Page size: +612 x 792 pts \\(letter\\)")),
                 qPrintable(info));
        const int pages = QRegularExpression("Pages: +(\\d+)").match(info).captured(1).toInt();
        QVERIFY2(pages >= 3, qPrintable(info));
        const QString fonts = pdfTool("pdffonts", pdf);
        QVERIFY2(fonts.contains(QRegularExpression("Courier|LiberationMono|NimbusMono")),
                 qPrintable(fonts));
        QVERIFY(!fonts.contains("DejaVu"));

        const QString all = pdfText(pdf);
        VERIFY_PROSE(all);
        const QString first = pdfText(pdf, {"-f", "1", "-l", "1"});
        QVERIFY2(first.contains("Mara Quill") && first.contains("about 500 words"),
                 qPrintable(first)); // 477 words, to the nearest 100
        QVERIFY(first.contains("The Tide Clock") && first.contains("by Mara Quill"));
        QVERIFY(!first.contains("Quill / The Tide Clock / 1"));
        const QString second = pdfText(pdf, {"-f", "2", "-l", "2"});
        QVERIFY2(second.contains("Quill / The Tide Clock / 2"), qPrintable(second));
        QVERIFY(pdfText(pdf, {"-f", QString::number(pages), "-l", QString::number(pages)})
                    .contains(QString("Quill / The Tide Clock / %1").arg(pages)));
        QVERIFY2(all.contains(QRegularExpression("slowly\\.\\s+#\\s+Innkeeper")), qPrintable(all));

        exporting::RenderOptions times;
        times.manuscript.font = exporting::ManuscriptFont::Times;
        times.manuscript.pageSize = QPageSize::A4;
        const std::string a4 = render(ExportFormat::StandardManuscript, times);
        QVERIFY(pdfTool("pdffonts", a4).contains(QRegularExpression("Times|LiberationSerif")));
        QVERIFY(
            pdfTool("pdfinfo", a4).contains(QRegularExpression("Page size: +595.* x 84[12].*A4")));
        QCOMPARE(QString::fromStdString(exporting::roundedWordCount(12345)),
                 QString("about 12,300 words"));
        QCOMPARE(QString::fromStdString(exporting::roundedWordCount(20)),
                 QString("about 100 words"));
    }

    // The real fabulist-cli: every format to a file, and never over a file it was not told to
    // replace.
    void cliExportsEveryFormat() {
        for (const exporting::ExportFormatInfo& format : exporting::exportFormats()) {
            const QString out =
                m_dir.filePath(QString("cli-%1.%2").arg(format.name, format.suffix));
            int code = -1;
            const QString output = run(FABULIST_CLI,
                                       {"project", "export", m_project, "--format", format.name,
                                        "-o", out, "--author", "Mara Quill"},
                                       &code);
            QVERIFY2(code == 0, qPrintable(output));
            const std::string bytes = readFile(out);
            QVERIFY2(!bytes.empty(), format.name);
            QString text;
            if (format.format == ExportFormat::Markdown || format.format == ExportFormat::PlainText)
                text = QString::fromStdString(bytes);
            else if (format.format == ExportFormat::Odt)
                text = withoutTags(entry(exporting::readZip(bytes), "content.xml"));
            else if (format.format == ExportFormat::Docx)
                text = withoutTags(entry(exporting::readZip(bytes), "word/document.xml"));
            else if (format.format == ExportFormat::Epub)
                for (const auto& e : exporting::readZip(bytes))
                    if (e.name.starts_with("OEBPS/chapter-")) text += withoutTags(e.bytes);
            if (format.suffix == std::string("pdf")) text = pdfText(bytes);
            VERIFY_PROSE(text);
        }
    }

    void cliNeverOverwritesUnasked() {
        const QString out = m_dir.filePath("existing.md");
        QFile file(out);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("keep me");
        file.close();
        int code = -1;
        QString output =
            run(FABULIST_CLI, {"project", "export", m_project, "--format", "markdown", "-o", out},
                &code);
        QCOMPARE(code, 1);
        QVERIFY2(output.contains("already exists"), qPrintable(output));
        QCOMPARE(QString::fromStdString(readFile(out)), QString("keep me"));
        output = run(FABULIST_CLI,
                     {"project", "export", m_project, "--format", "markdown", "-o", out, "--force"},
                     &code);
        QCOMPARE(code, 0);
        VERIFY_PROSE(QString::fromStdString(readFile(out)));
        // The project itself is never a target, --force or not.
        const std::string before = readFile(m_project);
        output =
            run(FABULIST_CLI,
                {"project", "export", m_project, "--format", "docx", "-o", m_project, "--force"},
                &code);
        QCOMPARE(code, 1);
        QVERIFY2(output.contains("being read"), qPrintable(output));
        QVERIFY(readFile(m_project) == before);
        output = run(FABULIST_CLI, {"project", "export", m_project, "--format", "rtf", "-o", out},
                     &code);
        QCOMPARE(code, 2);
        QVERIFY(output.contains("unknown format 'rtf'") && output.contains("epub"));
    }
};

QTEST_MAIN(ExportManuscriptTest)
#include "export_manuscript_test.moc"
