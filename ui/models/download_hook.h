#pragma once
// The Models dialog's Download: a catalog entry becomes a DownloadRequest into the dialog's
// models folder (the catalog's URL, size and SHA-256), the dialog shows a DownloadsPanel under
// the catalog, lists the model once it has arrived and says why one failed.
#include "ui/models/download_request.h"

namespace fabulist::ui {

class ModelDownloader;
class ModelsDialog;
struct CatalogEntry;

DownloadRequest downloadRequestFor(const CatalogEntry& entry, const QString& modelsFolder);
void connectDownloads(ModelsDialog* dialog, ModelDownloader* downloader);

} // namespace fabulist::ui
