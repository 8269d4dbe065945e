#pragma once
// The catalog of recommended models (resources/models/catalog.json, installed beside the default
// model): what each is, how big, where to download it, and whether this engine can run it.
// QtCore only (the CLI or a test can read it without widgets).
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <stdexcept>

namespace fabulist::ui {

struct CatalogEntry {
    QString id; // unique, stable: "qwen3-30b-a3b-q4_k_m"
    QString name;
    QString architecture; // general.architecture of the file
    QString quantization; // "Q4_K_M", "MXFP4"
    QStringList tensorTypes;
    quint64 fileBytes = 0; // the published size (of all parts)
    double parameters = 0.0;
    double activeParameters = 0.0; // per token (experts: only the chosen ones)
    int contextLength = 0;         // trained
    quint64 kvBytesPerToken = 0;   // F16 K and V, all layers
    int parts = 1;                 // a split GGUF has several files
    QUrl url;
    QString sha256; // the publisher's, lower-case hex; empty when unknown
    QString license;
    QString goodAt;
    QString note; // optional caveat
};

// A catalog that cannot be used; the message names the file and the entry.
class CatalogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws CatalogError naming `source` and the entry (its index and id) and what is wrong.
QList<CatalogEntry> parseCatalog(const QByteArray& json, const QString& source);
QList<CatalogEntry> readCatalog(const QString& path);

// The shipped catalog: catalog.json beside the default model.
QString defaultCatalogPath();

// Why this engine cannot load the entry's file (an architecture, a weight type or a split file
// it does not read); empty when it can. Asks the engine (isSupportedArchitecture, the type
// table), so entries light up as support lands.
QString catalogLoadProblem(const CatalogEntry& entry);

} // namespace fabulist::ui
