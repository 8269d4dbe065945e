#include "ui/models/model_catalog.h"

#include "inference/engine/default_model.h"
#include "inference/model/model_config.h"
#include "inference/quant/ggml_type.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QRegularExpression>
#include <QSet>

namespace fabulist::ui {

namespace {

// Reads one entry; `where` ("catalog.json: entry 3 (\"id\")") starts every message.
class EntryReader {
public:
    EntryReader(const QJsonObject& object, QString where)
        : m_object(object), m_where(std::move(where)) {}

    QString text(const char* key, bool required = true) const {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (v.isUndefined() && !required) return {};
        if (!v.isString() || (required && v.toString().trimmed().isEmpty()))
            fail(QStringLiteral("\"%1\" must be a non-empty string").arg(QLatin1String(key)));
        return v.toString();
    }
    double positive(const char* key, bool required = true, double fallback = 0.0) const {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (v.isUndefined() && !required) return fallback;
        if (!v.isDouble() || !(v.toDouble() > 0.0))
            fail(QStringLiteral("\"%1\" must be a positive number").arg(QLatin1String(key)));
        return v.toDouble();
    }
    QStringList strings(const char* key) const {
        const QJsonValue v = m_object.value(QLatin1String(key));
        QStringList out;
        if (!v.isArray()) fail(QStringLiteral("\"%1\" must be a list of strings").arg(key));
        for (const QJsonValue& item : v.toArray()) {
            if (!item.isString()) fail(QStringLiteral("\"%1\" must be a list of strings").arg(key));
            out << item.toString();
        }
        return out;
    }
    [[noreturn]] void fail(const QString& what) const {
        throw CatalogError((m_where + QStringLiteral(": ") + what).toStdString());
    }

private:
    QJsonObject m_object;
    QString m_where;
};

CatalogEntry readEntry(const QJsonValue& value, const QString& where) {
    if (!value.isObject()) EntryReader({}, where).fail(QStringLiteral("is not an object"));
    const EntryReader r(value.toObject(), where);
    CatalogEntry e;
    e.id = r.text("id");
    e.name = r.text("name");
    e.architecture = r.text("architecture");
    e.quantization = r.text("quantization");
    e.tensorTypes = r.strings("tensor_types");
    e.fileBytes = quint64(r.positive("file_bytes"));
    e.parameters = r.positive("parameters");
    e.activeParameters = r.positive("active_parameters");
    if (e.activeParameters > e.parameters)
        r.fail(QStringLiteral("\"active_parameters\" exceeds \"parameters\""));
    e.contextLength = int(r.positive("context_length"));
    e.kvBytesPerToken = quint64(r.positive("kv_bytes_per_token"));
    e.parts = int(r.positive("parts", false, 1.0));
    e.url = QUrl(r.text("url"), QUrl::StrictMode);
    if (!e.url.isValid() || e.url.scheme() != QLatin1String("https"))
        r.fail(QStringLiteral("\"url\" must be an https URL"));
    e.sha256 = r.text("sha256", false).toLower();
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    if (!e.sha256.isEmpty() && !hex.match(e.sha256).hasMatch())
        r.fail(QStringLiteral("\"sha256\" must be 64 hex digits or empty"));
    e.license = r.text("license");
    e.goodAt = r.text("good_at");
    e.note = r.text("note", false);
    return e;
}

// The engine's name for a weight type ("Q4_K") -> whether it reads it.
bool engineReadsType(const QString& name) {
    for (uint32_t id = 0; id < 64; ++id)
        if (QString::fromUtf8(inference::ggmlTypeNameOfId(id).data(),
                              qsizetype(inference::ggmlTypeNameOfId(id).size())) == name)
            return inference::ggmlTypeTraits(id) != nullptr;
    return false;
}

} // namespace

QList<CatalogEntry> parseCatalog(const QByteArray& json, const QString& source) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        throw CatalogError(QStringLiteral("%1: not valid JSON at byte %2: %3")
                               .arg(source)
                               .arg(error.offset)
                               .arg(error.errorString())
                               .toStdString());
    const QJsonValue models = doc.object().value(QStringLiteral("models"));
    if (!models.isArray())
        throw CatalogError(
            (source + QStringLiteral(": no \"models\" list at the top")).toStdString());
    QList<CatalogEntry> entries;
    QSet<QString> ids;
    const QJsonArray array = models.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString id = array[i].toObject().value(QStringLiteral("id")).toString();
        const QString where =
            QStringLiteral("%1: entry %2%3")
                .arg(source)
                .arg(i + 1)
                .arg(id.isEmpty() ? QString() : QStringLiteral(" (\"%1\")").arg(id));
        CatalogEntry e = readEntry(array[i], where);
        if (ids.contains(e.id))
            EntryReader({}, where).fail(QStringLiteral("the id is used by an earlier entry"));
        ids.insert(e.id);
        entries << e;
    }
    return entries;
}

QList<CatalogEntry> readCatalog(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw CatalogError(QStringLiteral("%1: cannot be read (%2); reinstall Fabulist")
                               .arg(path, file.errorString())
                               .toStdString());
    return parseCatalog(file.readAll(), QFileInfo(path).fileName());
}

QString defaultCatalogPath() {
    const QFileInfo model(QString::fromStdString(inference::defaultModelPath()));
    return model.dir().filePath(QStringLiteral("catalog.json"));
}

QString catalogLoadProblem(const CatalogEntry& entry) {
    if (!inference::isSupportedArchitecture(entry.architecture.toStdString()))
        return QObject::tr("this engine does not run the %1 architecture yet")
            .arg(entry.architecture);
    for (const QString& type : entry.tensorTypes)
        if (!engineReadsType(type))
            return QObject::tr("this engine does not read %1 weights yet").arg(type);
    if (entry.parts > 1)
        return QObject::tr("split into %1 files; this engine reads one-file GGUF only")
            .arg(entry.parts);
    return {};
}

} // namespace fabulist::ui
