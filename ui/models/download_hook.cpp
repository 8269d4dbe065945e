#include "ui/models/download_hook.h"

#include "ui/models/downloads_panel.h"
#include "ui/models/model_catalog.h"
#include "ui/models/model_downloader.h"
#include "ui/models/models_dialog.h"

#include <QDir>
#include <QLabel>
#include <QVBoxLayout>

namespace fabulist::ui {

DownloadRequest downloadRequestFor(const CatalogEntry& entry, const QString& modelsFolder) {
    DownloadRequest request;
    request.url = entry.url;
    request.targetPath = QDir(modelsFolder).filePath(entry.url.fileName());
    request.displayName = entry.name;
    request.expectedSha256 = entry.sha256;
    // A split GGUF's size is that of all its parts; the disk check then asks for a little more.
    request.expectedSize = entry.fileBytes > 0 ? qint64(entry.fileBytes) : -1;
    return request;
}

void connectDownloads(ModelsDialog* dialog, ModelDownloader* downloader) {
    auto* panel = new DownloadsPanel(downloader, dialog);
    // Under the catalog, above the dialog's message line.
    if (auto* layout = qobject_cast<QVBoxLayout*>(dialog->layout())) {
        const int at = layout->indexOf(dialog->messageLabel());
        layout->insertWidget(at < 0 ? layout->count() : at, panel);
    }
    QObject::connect(dialog, &ModelsDialog::downloadRequested, downloader,
                     [dialog, downloader](const CatalogEntry& entry) {
                         downloader->enqueue(downloadRequestFor(entry, dialog->modelsFolder()));
                     });
    QObject::connect(downloader, &ModelDownloader::entryFinished, dialog, [dialog] {
        dialog->refresh(); // the new model is installed now
    });
    QObject::connect(
        downloader, &ModelDownloader::entryFailed, dialog,
        [dialog](int, const QString& message) { dialog->messageLabel()->setText(message); });
    dialog->setDownloadEnabled(true);
}

} // namespace fabulist::ui
