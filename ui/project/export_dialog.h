#pragma once
// File > Export…: what goes in (chapter titles, numbers, scene separator, author), the format
// (Markdown, text, ODT, PDF, standard manuscript format, DOCX, EPUB) and the file. The
// manuscript is compiled on the UI thread (the Project is not thread-safe; reading is quick),
// then rendered and written atomically on a worker thread with a progress bar, so the writer
// can go on typing; the dialog is not modal.

#include "storage/manuscript.h"
#include "ui/export/export_format.h"

#include <QDialog>
#include <QFutureWatcher>
#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace fabulist::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    using Compile = std::function<storage::Manuscript(const storage::CompileOptions&)>;
    // projectPath: never written to, and where the default file name points; compile: reads the
    // project as it is now (the caller saves the open document first).
    ExportDialog(const QString& projectPath, const QString& title, const QString& author,
                 Compile compile, QWidget* parent = nullptr);
    ~ExportDialog() override;

    void setFormat(exporting::ExportFormat format);
    void setOutputPath(const QString& path);
    QString outputPath() const;
    bool isExporting() const { return m_watcher.isRunning(); }
    // Starts the export of the chosen file (asks before replacing an existing one the file
    // dialog did not confirm).
    void startExport();

signals:
    // message: empty on success.
    void exportFinished(const QString& path, const QString& message);

private:
    struct Outcome {
        QString error;
        bool offUiThread = false;
    };
    void buildUi();
    void browse();
    void formatChanged();
    void finished();
    storage::CompileOptions compileOptions() const;
    exporting::ExportFormat format() const;

    QString m_projectPath;
    QString m_title;
    Compile m_compile;
    QString m_confirmedPath; // the file dialog asked about replacing this one
    QFutureWatcher<Outcome> m_watcher;
    QString m_runningPath;

    QComboBox* m_format = nullptr;
    QCheckBox* m_chapterTitles = nullptr;
    QCheckBox* m_chapterNumbers = nullptr;
    QComboBox* m_separator = nullptr;
    QLineEdit* m_author = nullptr;
    QComboBox* m_font = nullptr;
    QComboBox* m_paper = nullptr;
    QLineEdit* m_path = nullptr;
    QPushButton* m_browse = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_export = nullptr;
};

} // namespace fabulist::ui
