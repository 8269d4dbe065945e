// File > Export… on the real window (#19 item 2): reached from the File menu by its shortcut,
// driven by the keyboard, the export runs on a worker thread while the editor keeps taking
// keys, and the file it writes is read back (DOCX through libzip, every scene in order, no
// note or trashed scene). Screenshots: export-dialog.png (light) and export-dialog-dark.png.
#include "storage/project.h"
#include "tests/ui/gui_test_support.h"
#include "ui/editor/editor_view.h"
#include "ui/export/zip_archive.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/project/export_dialog.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QRegularExpression>
#include <QTextEdit>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

QString documentText(const std::string& docx) {
    for (const auto& entry : exporting::readZip(docx))
        if (entry.name == "word/document.xml")
            return QString::fromStdString(entry.bytes).replace(QRegularExpression("<[^>]*>"), " ");
    return {};
}

std::string readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().toStdString() : std::string();
}

} // namespace

class ExportDialogTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_project;
    int64_t m_sceneA = 0;

    std::unique_ptr<MainWindow> openWindow() {
        auto w = std::make_unique<MainWindow>();
        w->resize(1100, 750);
        w->show();
        if (!QTest::qWaitForWindowExposed(w.get())) qWarning("window not exposed");
        w->activateWindow();
        if (!w->openProject(m_project)) return nullptr;
        return w;
    }

    ExportDialog* openDialogByKeyboard(MainWindow& w) {
        QMenu* file = fabulist::test::menuBarMenu(w, "&File");
        if (!file) return nullptr;
        QAction* exportAction = nullptr;
        for (QAction* a : file->actions())
            if (a->text() == QString("&Export\u2026")) exportAction = a;
        if (!exportAction || !exportAction->isEnabled()) return nullptr;
        QTest::keySequence(&w, exportAction->shortcut());
        return w.findChild<ExportDialog*>();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_project = m_dir.filePath("voyage.fabulist");
        auto project = storage::Project::create(m_project.toStdString(), "The Long Voyage");
        auto& binder = project->binder();
        const int64_t folder = binder.create(storage::NodeKind::Folder, "Manuscript");
        const int64_t one = binder.create(storage::NodeKind::Chapter, "Harbour", folder);
        m_sceneA = binder.create(storage::NodeKind::Scene, "A", one);
        project->documents().setText(m_sceneA, "Alpha scene: the gulls woke early.");
        const int64_t cut = binder.create(storage::NodeKind::Scene, "Cut", one);
        project->documents().setText(cut, "Trashedwords never print.");
        binder.trash(cut);
        project->documents().setText(binder.create(storage::NodeKind::Note, "N", one),
                                     "Noteworthy reminder.");
        project->documents().setText(binder.create(storage::NodeKind::Scene, "B", one),
                                     "Bravo scene: the ropes came loose.");
        const int64_t two = binder.create(storage::NodeKind::Chapter, "Open Sea", folder);
        project->documents().setText(binder.create(storage::NodeKind::Scene, "C", two),
                                     "Charlie scene: no land in sight.");
    }

    void exportsDocxFromTheFileMenu() {
        auto w = openWindow();
        QVERIFY(w);
        ExportDialog* dialog = openDialogByKeyboard(*w);
        QVERIFY2(dialog, "File > Export… (Ctrl+Shift+E) opened no dialog");
        QTRY_VERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal()); // the writer may go on typing

        // Keyboard only: the format box has the focus; DOCX is six steps down from Markdown.
        auto* format = dialog->findChild<QComboBox*>();
        QTRY_VERIFY(format->hasFocus());
        for (int i = 0; i < 5; ++i) QTest::keyClick(format, Qt::Key_Down);
        QCOMPARE(format->currentData().toInt(), int(exporting::ExportFormat::Docx));
        const QString out = dialog->outputPath();
        QCOMPARE(out, QDir(m_dir.path()).filePath("The Long Voyage.docx"));
        auto* author = dialog->findChildren<QLineEdit*>().first();
        author->setText("Ines Marlow");
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        QVERIFY(dialog->grab().save(fabulist::test::artifactPath("export-dialog.png")));

        QSignalSpy finished(dialog, &ExportDialog::exportFinished);
        dialog->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(dialog));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return); // Export is the default
        QVERIFY(dialog->isExporting() || finished.count() == 1);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QCOMPARE(finished.at(0).at(1).toString(), QString());
        QVERIFY(dialog->property("exportedOffUiThread").toBool());
        auto* progress = dialog->findChild<QProgressBar*>();
        QCOMPARE(progress->value(), progress->maximum());

        const QString text = documentText(readFile(out));
        const qsizetype a = text.indexOf("Alpha scene"), b = text.indexOf("Bravo scene"),
                        c = text.indexOf("Charlie scene");
        QVERIFY2(a >= 0 && a < b && b < c, qPrintable(text));
        QVERIFY(text.contains("Harbour") && text.contains("Open Sea") &&
                text.contains("Ines Marlow"));
        QVERIFY(!text.contains("Trashedwords") && !text.contains("Noteworthy"));
        w->close();
    }

    // An export is compiled from what is in the editor now, unsaved typing included.
    void exportsWhatWasJustTyped() {
        auto w = openWindow();
        QVERIFY(w);
        ExportDialog* dialog = openDialogByKeyboard(*w);
        QVERIFY(dialog);
        dialog->setFormat(exporting::ExportFormat::PlainText);
        const QString out = m_dir.filePath("typed.txt");
        dialog->setOutputPath(out);
        // Open scene A in the editor and type into it; no autosave has run yet.
        w->binderView()->selectNode(m_sceneA);
        QTRY_VERIFY(w->editor()->toPlainText().startsWith("Alpha scene"));
        w->editor()->setFocus();
        w->editor()->moveCursor(QTextCursor::End);
        QTest::keyClicks(w->editor(), " Xylophone.");
        QVERIFY(w->project()->documents().text(m_sceneA).find("Xylophone") == std::string::npos);
        QSignalSpy finished(dialog, &ExportDialog::exportFinished);
        dialog->startExport();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY2(QString::fromStdString(readFile(out)).contains("Xylophone."),
                 qPrintable(QString::fromStdString(readFile(out))));
        w->close();
    }

    void darkScreenshot() {
        const QPalette saved = QApplication::palette();
        QApplication::setPalette(Theme::paletteFor(ColorScheme::Dark));
        auto w = openWindow();
        QVERIFY(w);
        ExportDialog* dialog = openDialogByKeyboard(*w);
        QVERIFY(dialog);
        dialog->setFormat(exporting::ExportFormat::StandardManuscript);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        const QImage image = dialog->grab().toImage();
        QVERIFY(image.save(fabulist::test::artifactPath("export-dialog-dark.png")));
        QVERIFY(dialog->palette().color(QPalette::Window).lightnessF() < 0.3);
        w->close();
        QApplication::setPalette(saved);
    }
};

FABULIST_GUI_TEST_MAIN(ExportDialogTest)
#include "export_dialog_test.moc"
