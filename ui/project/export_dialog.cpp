#include "ui/project/export_dialog.h"

#include "storage/file_output.h"
#include "ui/export/manuscript_export.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPromise>
#include <QPushButton>
#include <QThread>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace fabulist::ui {

using exporting::ExportFormat;

ExportDialog::ExportDialog(const QString& projectPath, const QString& title, const QString& author,
                           Compile compile, QWidget* parent)
    : QDialog(parent), m_projectPath(projectPath), m_title(title), m_compile(std::move(compile)) {
    setWindowTitle(tr("Export Manuscript"));
    setMinimumWidth(560); // room for the file's path
    buildUi();
    m_author->setText(author);
    connect(&m_watcher, &QFutureWatcher<Outcome>::progressRangeChanged, m_progress,
            &QProgressBar::setRange);
    connect(&m_watcher, &QFutureWatcher<Outcome>::progressValueChanged, m_progress,
            &QProgressBar::setValue);
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &ExportDialog::finished);
    formatChanged();
}

ExportDialog::~ExportDialog() {
    m_watcher.waitForFinished(); // the worker holds copies only, but its file must be complete
}

void ExportDialog::buildUi() {
    m_format = new QComboBox;
    for (const exporting::ExportFormatInfo& info : exporting::exportFormats())
        m_format->addItem(tr(info.label), int(info.format));
    m_chapterTitles = new QCheckBox(tr("Chapter &titles"));
    m_chapterTitles->setChecked(true);
    m_chapterNumbers = new QCheckBox(tr("Chapter &numbers (\u201cChapter 1\u201d)"));
    m_separator = new QComboBox;
    m_separator->addItem(tr("# centred"), int(storage::SceneSeparator::Hash));
    m_separator->addItem(tr("Blank line"), int(storage::SceneSeparator::BlankLine));
    m_author = new QLineEdit;
    m_author->setPlaceholderText(tr("Your name, for the byline and the manuscript header"));
    m_font = new QComboBox;
    m_font->addItem(tr("Courier 12 pt"), int(exporting::ManuscriptFont::Courier));
    m_font->addItem(tr("Times 12 pt"), int(exporting::ManuscriptFont::Times));
    m_paper = new QComboBox;
    m_paper->addItem(tr("US Letter"), int(QPageSize::Letter));
    m_paper->addItem(tr("A4"), int(QPageSize::A4));
    m_path = new QLineEdit;
    m_browse = new QPushButton(tr("Bro&wse\u2026"));
    m_browse->setAutoDefault(false); // Return exports, it does not browse
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);

    auto* form = new QFormLayout;
    form->addRow(tr("Fo&rmat:"), m_format);
    form->addRow(QString(), m_chapterTitles);
    form->addRow(QString(), m_chapterNumbers);
    form->addRow(tr("&Scene separator:"), m_separator);
    form->addRow(tr("&Author:"), m_author);
    form->addRow(tr("F&ont:"), m_font);
    form->addRow(tr("&Paper:"), m_paper);
    form->addRow(tr("F&ile:"), pathRow);
    for (QComboBox* box : {m_format, m_separator, m_font, m_paper})
        if (auto* label = qobject_cast<QLabel*>(form->labelForField(box))) label->setBuddy(box);
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(pathRow))) label->setBuddy(m_path);

    m_progress = new QProgressBar;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false); // no "0%" before anything ran
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_export = buttons->addButton(tr("E&xport"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    connect(m_export, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(m_browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChanged);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    m_export->setDefault(true); // once it is in the dialog: Return exports
    m_format->setFocus();
    // Mnemonics avoid the window's menu letters (F, E, B, D, G, V, H), which reach dialogs too.
}

ExportFormat ExportDialog::format() const {
    return ExportFormat(m_format->currentData().toInt());
}

void ExportDialog::setFormat(ExportFormat format) {
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

void ExportDialog::setOutputPath(const QString& path) {
    m_path->setText(path);
}

QString ExportDialog::outputPath() const {
    return m_path->text().trimmed();
}

// The file name follows the format's suffix; font and paper matter for the PDFs only.
void ExportDialog::formatChanged() {
    const auto& info = exporting::infoOf(format());
    const bool manuscript = format() == ExportFormat::StandardManuscript;
    m_font->setEnabled(manuscript);
    m_paper->setEnabled(manuscript || format() == ExportFormat::Pdf);
    if (manuscript)
        m_separator->setCurrentIndex(m_separator->findData(int(storage::SceneSeparator::Hash)));
    QString path = outputPath();
    if (path.isEmpty()) {
        const QString base = m_title.isEmpty() ? QStringLiteral("manuscript") : m_title;
        path = QFileInfo(m_projectPath).absoluteDir().filePath(base);
    } else {
        const QFileInfo file(path);
        path = file.absoluteDir().filePath(file.completeBaseName());
    }
    m_path->setText(path + "." + QString::fromLatin1(info.suffix));
}

void ExportDialog::browse() {
    const auto& info = exporting::infoOf(format());
    // The file dialog asks before replacing an existing file: that is the writer's choice.
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export As"), outputPath(),
        tr("%1 (*.%2)").arg(tr(info.label), QString::fromLatin1(info.suffix)));
    if (path.isEmpty()) return;
    m_path->setText(path);
    m_confirmedPath = path;
}

storage::CompileOptions ExportDialog::compileOptions() const {
    storage::CompileOptions options;
    options.chapterTitles = m_chapterTitles->isChecked();
    options.chapterNumbers = m_chapterNumbers->isChecked();
    options.separator = storage::SceneSeparator(m_separator->currentData().toInt());
    options.author = m_author->text().trimmed().toStdString();
    return options;
}

void ExportDialog::startExport() {
    if (isExporting()) return;
    const QString path = outputPath();
    if (path.isEmpty()) {
        m_status->setText(tr("Choose a file to export to."));
        return;
    }
    if (QFileInfo::exists(path) && path != m_confirmedPath &&
        QMessageBox::question(
            this, tr("Replace File?"), tr("\u201c%1\u201d already exists. Replace it?").arg(path),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
        return;
    const storage::Manuscript manuscript = m_compile(compileOptions());
    const ExportFormat chosen = format();
    exporting::RenderOptions render;
    render.manuscript.font = exporting::ManuscriptFont(m_font->currentData().toInt());
    render.manuscript.pageSize = render.pdfPageSize =
        QPageSize::PageSizeId(m_paper->currentData().toInt());
    storage::FileOutputOptions output;
    output.replaceExisting = true; // asked above or by the file dialog
    const std::string project = m_projectPath.toStdString();
    output.inputs = {project, project + "-wal", project + "-shm"};
    QThread* uiThread = thread();
    m_runningPath = path;
    m_export->setEnabled(false);
    m_progress->setRange(0, 0); // busy until the worker reports its steps
    m_progress->setTextVisible(true);
    m_status->setText(tr("Exporting\u2026"));
    m_watcher.setFuture(QtConcurrent::run([=](QPromise<Outcome>& promise) {
        Outcome outcome;
        outcome.offUiThread = QThread::currentThread() != uiThread;
        try {
            exporting::exportManuscript(manuscript, chosen, path.toStdString(), output, render,
                                        [&promise](int done, int total) {
                                            promise.setProgressRange(0, total);
                                            promise.setProgressValue(done);
                                        });
        } catch (const std::exception& error) {
            outcome.error = QString::fromStdString(error.what());
        }
        promise.addResult(outcome);
    }));
}

void ExportDialog::finished() {
    const Outcome outcome = m_watcher.future().result();
    m_export->setEnabled(true);
    m_progress->setRange(0, 1);
    m_progress->setValue(outcome.error.isEmpty() ? 1 : 0);
    m_status->setText(outcome.error.isEmpty() ? tr("Exported to %1").arg(m_runningPath)
                                              : outcome.error);
    m_confirmedPath.clear();
    setProperty("exportedOffUiThread", outcome.offUiThread); // for the tests
    emit exportFinished(m_runningPath, outcome.error);
}

} // namespace fabulist::ui
